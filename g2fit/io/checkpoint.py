"""The chain's checkpoint in DIR/checkpoint/: an emcee backend that also keeps it on disk.

run.json holds the run's identity, written before its first step. The chain is kept in
memory (as emcee's own Backend does) and every `chunk` steps, and when the run ends or
stops, the steps not yet on disk go to one new file chunk-%09d.h5 (named by its first
step): their positions and ln p, and the sampler's state after the last of them (walker
positions, their ln p, numpy's legacy random state), every dataset with a fletcher32
checksum, the file written whole and renamed into place (g2fit.io.files.write_atomic). A
crash loses at most the steps since the last chunk and never leaves a half-written file.
Reading the chunks back restores the chain, the last state and the random generator, so
the sampler continues exactly where it stopped; a damaged chunk is refused.

Each chunk is sealed: its HDF5 user block (the first 512 bytes, which HDF5 readers skip)
holds the SHA-256 of the rest of the file, checked before the file is parsed. A damaged
byte anywhere, in the data or in HDF5's own structures (where the HDF5 library could crash
or hang on it), is then a one-line error. Chunks of earlier versions, without a seal, are
read as before (their datasets' checksums still apply).

The owner of a checkpoint holds the lock of DIR (g2fit.io.files.owned_folder) while it
reads or writes.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import emcee
import h5py
import numpy as np
from numpy.typing import NDArray

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.io.files import read_json_object, remove_stale_temporaries, write_atomic, write_json

FloatArray = NDArray[np.float64]

#: Steps per chunk file unless begin() is told otherwise.
CHUNK_STEPS = 250
_CHUNK_NAME = re.compile(r"^chunk-(\d+)\.h5$")
_READ_ERRORS = (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError)
#: The user block of a sealed chunk: this tag, the hex SHA-256 of the bytes after the block.
_SEAL_SIZE = 512
_SEAL_TAG = b"g2fit-sha256:"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def check_fingerprint(run_file: Path, identity: dict[str, Any]) -> None:
    """Refuse a checkpoint whose run.json records another run than `identity`, naming the
    first field that differs."""
    stored = read_json_object(run_file).get("fingerprint")
    if not isinstance(stored, dict):
        raise InputError(f"{run_file}: field 'fingerprint' missing; not a g2fit checkpoint")
    for key, value in identity.items():
        if stored.get(key) != value:
            raise InputError(
                f"{run_file.parent} holds a run with a different {key} "
                f"({stored.get(key)!r}, not {value!r}); use another --out or delete it"
            )


def seal(data: bytes) -> bytes:
    """An HDF5 file made with a 512-byte user block, its SHA-256 written into that block."""
    digest = hashlib.sha256(data[_SEAL_SIZE:]).hexdigest().encode()
    header = (_SEAL_TAG + digest).ljust(_SEAL_SIZE, b"\0")
    return header + data[_SEAL_SIZE:]


def _unsealed(path: Path) -> bytes:
    """The chunk's bytes, its seal checked (InputError if it fails); unsealed chunks of
    earlier versions are returned as they are."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _damaged(path, error.strerror or error) from None
    if data.startswith(_HDF5_SIGNATURE):
        return data
    digest = hashlib.sha256(data[_SEAL_SIZE:]).hexdigest().encode()
    if data[:_SEAL_SIZE] != (_SEAL_TAG + digest).ljust(_SEAL_SIZE, b"\0"):
        raise _damaged(path, "its SHA-256 differs from the one sealed in it")
    return data


def _chunk_bytes(start: int, positions: FloatArray, log_prob: FloatArray, state: Any) -> bytes:
    """One chunk as HDF5 bytes, every dataset with a fletcher32 checksum."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", userblock_size=_SEAL_SIZE) as handle:
        handle.attrs["start"], handle.attrs["stop"] = start, start + positions.shape[0]

        def put(name: str, value: NDArray[Any]) -> h5py.Dataset:
            return handle.create_dataset(name, data=value, fletcher32=True)

        put("positions", positions)
        put("log_prob", log_prob)
        put("state/coords", state.coords)
        put("state/log_prob", state.log_prob)
        name, keys, pos, has_gauss, cached = state.random_state
        put("state/rng_keys", keys).attrs.update(
            {"name": name, "pos": pos, "has_gauss": has_gauss, "cached_gaussian": cached}
        )
    return seal(buffer.getvalue())


def _damaged(path: Path, reason: object) -> InputError:
    return InputError(
        f"{path}: damaged checkpoint chunk ({reason}); delete it and the chunks after it to "
        "resume from the one before"
    )


def _read_chunk(path: Path) -> tuple[FloatArray, FloatArray, emcee.State]:
    """A chunk's positions, ln p and final state; InputError if it cannot be read whole."""
    data = _unsealed(path)
    try:
        with h5py.File(io.BytesIO(data), "r") as handle:
            positions = handle["positions"][...]
            log_prob = handle["log_prob"][...]
            keys = handle["state/rng_keys"]
            random_state = (
                str(keys.attrs["name"]),
                keys[...],
                int(keys.attrs["pos"]),
                int(keys.attrs["has_gauss"]),
                float(keys.attrs["cached_gaussian"]),
            )
            np.random.RandomState().set_state(random_state)  # refuses a malformed state
            state = emcee.State(
                handle["state/coords"][...],
                log_prob=handle["state/log_prob"][...],
                random_state=random_state,
            )
            steps = int(handle.attrs["stop"]) - int(handle.attrs["start"])
    except _READ_ERRORS as error:
        raise _damaged(path, error) from None
    walkers = state.coords.shape[:1]
    if (
        positions.ndim != 3
        or positions.shape[0] != steps
        or log_prob.shape != positions.shape[:2]
        or state.coords.shape != positions.shape[1:]
        or state.log_prob.shape != walkers
    ):
        raise _damaged(path, "arrays of inconsistent shapes")
    return positions, log_prob, state


class Checkpoint(emcee.backends.Backend):  # type: ignore[misc]
    """DIR/checkpoint/ as an emcee backend: pass it as EnsembleSampler(..., backend=...)."""

    def __init__(self, folder: Path, chunk: int = CHUNK_STEPS) -> None:
        super().__init__()
        self.folder = folder
        self.chunk = chunk
        self._written = 0

    def reset(self, nwalkers: int, ndim: int) -> None:
        """Empty the chain in memory (the files stay)."""
        super().reset(nwalkers, ndim)
        self._written = 0

    def chunks(self) -> list[Path]:
        """The chunk files, in the order of their first step."""
        if not self.folder.is_dir():
            return []
        found = {}
        for path in self.folder.iterdir():
            match = _CHUNK_NAME.match(path.name)
            if match:
                found[int(match.group(1))] = path
        return [found[start] for start in sorted(found)]

    def _check_folder(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(
                f"{self.folder}: not a folder; a run keeps its checkpoint there: move it away"
            )

    def check_compatible(self, identity: dict[str, Any], steps: int) -> int:
        """Steps already done by a compatible checkpoint (0 if none); refuse any other."""
        self._check_folder()
        run_file = self.folder / "run.json"
        if not run_file.exists():
            if self.chunks():
                raise InputError(f"{self.folder}: chunk files without run.json; not a g2fit run")
            return 0
        check_fingerprint(run_file, identity)
        done = self._steps_done()
        if done > steps:
            raise InputError(f"{self.folder} already holds {done} steps, more than --steps {steps}")
        return done

    def _steps_done(self) -> int:
        done = 0
        for path in self.chunks():
            start, stop = self._read_range(path)
            if start != done or stop <= start:
                raise InputError(f"{path}: holds steps {start}-{stop}, expected a start at {done}")
            done = stop
        return done

    @staticmethod
    def _read_range(path: Path) -> tuple[int, int]:
        data = _unsealed(path)
        try:
            with h5py.File(io.BytesIO(data), "r") as handle:
                return int(handle.attrs["start"]), int(handle.attrs["stop"])
        except _READ_ERRORS as error:
            raise InputError(f"{path}: unreadable checkpoint chunk ({error})") from None

    def read(self) -> emcee.State | None:
        """Load the chunks into memory (chain, ln p, random state); the state after the last
        step, from which the sampler continues, or None if there is no chunk."""
        positions: list[FloatArray] = []
        log_probs: list[FloatArray] = []
        state = None
        for path in self.chunks():
            chunk_positions, chunk_log_prob, state = _read_chunk(path)
            if positions and chunk_positions.shape[1:] != positions[0].shape[1:]:
                raise _damaged(path, "walkers or parameters unlike the chunks before")
            positions.append(chunk_positions)
            log_probs.append(chunk_log_prob)
        if state is None:
            return None
        self.reset(*positions[0].shape[1:])
        self.chain = np.concatenate(positions)
        self.log_prob = np.concatenate(log_probs)
        self.iteration = self._written = self.chain.shape[0]
        self.random_state = state.random_state
        return state

    def begin(self, identity: dict[str, Any], chunk: int) -> None:
        """Record the run's identity before its first step (a compatible run.json stays);
        from now on a chunk file is written every `chunk` steps."""
        self.chunk = chunk
        self._check_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.folder)
        if not (self.folder / "run.json").exists():
            document = {"fingerprint": identity, "g2fit_version": __version__}
            write_json(self.folder / "run.json", document)

    def save_step(self, state: emcee.State, accepted: NDArray[np.bool_]) -> None:
        """emcee's: keep the step in memory; write a chunk once `chunk` steps are pending."""
        super().save_step(state, accepted)
        if self.iteration - self._written >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Write the steps not yet on disk as one chunk file (nothing if there are none)."""
        start, stop = self._written, self.iteration
        if stop == start:
            return
        path = self.folder / f"chunk-{start:09d}.h5"
        last = self.get_last_sample()
        write_atomic(
            path, _chunk_bytes(start, self.chain[start:stop], self.log_prob[start:stop], last)
        )
        self._written = stop

    def get_chain(self, **kwargs: Any) -> FloatArray:
        """emcee's: positions (steps, walkers, d) of the steps in memory."""
        return np.asarray(super().get_chain(**kwargs))

    def get_log_prob(self, **kwargs: Any) -> FloatArray:
        """emcee's: ln p (steps, walkers) of the steps in memory."""
        return np.asarray(super().get_log_prob(**kwargs))
