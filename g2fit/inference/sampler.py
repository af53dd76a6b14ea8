"""Posterior sampling with emcee: vectorized, checkpointed, resumable to the same samples.

The chain is written as it runs to DIR/checkpoint/, one HDF5 file per chunk of steps, each
written whole and renamed into place, so a crash (Ctrl-C, kill -9, a full disk) loses at
most the chunk in progress and never leaves a half-written file. Each chunk carries the
sampler's full state (walker positions, their log-probabilities, the random generator) with
HDF5 checksums, so a resumed run continues exactly where the interrupted one stopped (with
the same seed it ends with the same samples as an uninterrupted run) and a damaged chunk is
refused rather than resumed. The run's identity (run.json) is written before its first step.
Ctrl-C or SIGTERM stops the run after the step in progress and checkpoints what was done.

Moves: differential evolution (80 %) with the snooker update (20 %). On paper-2021 this gives
an integrated autocorrelation time of ~25-30 steps against ~70 for emcee's default stretch
move (benchmarks/run.py measures it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import emcee
import h5py
import numpy as np
from numpy.typing import NDArray

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.io.files import remove_stale_temporaries, write_atomic, write_json
from g2fit.jobs.run_folder import likelihood_sha256, read_json_object
from g2fit.likelihood.global_likelihood import GlobalLikelihood

FloatArray = NDArray[np.float64]

_CHUNK_NAME = re.compile(r"^chunk-(\d+)\.h5$")
#: Prior draws from which the starting walkers are resampled by their likelihood (at least
#: this many, and ten per walker).
_INITIAL_DRAWS = 50_000
#: Relative agreement required between a checkpoint's stored log-probabilities and the
#: likelihood recomputed at its walkers (equal on one machine; a few ulps across CPUs).
_LOG_PROB_RTOL = 1e-9


class LeanDEMove(emcee.moves.DEMove):  # type: ignore[misc]
    """emcee's DEMove with the same random draws and proposals, in memory linear in the
    walkers: emcee builds all n (n - 1) ordered pairs of the complementary ensemble (16 n^2
    bytes, 4 GB at 20000 walkers); this maps each drawn pair index to its pair directly."""

    def get_proposal(
        self, s: FloatArray, c: list[FloatArray], random: np.random.RandomState
    ) -> tuple[FloatArray, FloatArray]:
        complement = np.concatenate(c, axis=0)
        ns = s.shape[0]
        n = complement.shape[0]
        half = n * (n - 1) // 2
        index = np.asarray(random.choice(2 * half, size=ns, replace=True), dtype=np.int64)
        # emcee's order: the lower triangle (row i > col j, row-major), then the same swapped.
        swapped = index >= half
        k = np.where(swapped, index - half, index)
        row = ((1.0 + np.sqrt(1.0 + 8.0 * k)) / 2.0).astype(np.int64)
        row -= row * (row - 1) // 2 > k
        row += (row + 1) * row // 2 <= k
        col = k - row * (row - 1) // 2
        first, second = np.where(swapped, col, row), np.where(swapped, row, col)
        diffs = complement[second] - complement[first]
        gamma = self.g0 * (1 + self.sigma * random.randn(ns, 1))
        return s + gamma * diffs, np.zeros(ns, dtype=np.float64)


def moves() -> list[tuple[emcee.moves.Move, float]]:
    """The proposal mixture: differential evolution 80 %, snooker 20 % (emcee's defaults)."""
    return [(LeanDEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]


def describe_moves(mixture: list[tuple[emcee.moves.Move, float]] | None = None) -> str:
    """The moves as recorded in results and checkpoints, read off the move objects."""

    def settings(move: emcee.moves.Move) -> str:
        public = {k: v for k, v in vars(move).items() if not k.startswith("_") and k != "g0"}
        return ", ".join(f"{k}={v!r}" for k, v in sorted(public.items()))

    return " + ".join(
        f"{type(move).__name__}({settings(move)}) x {weight}"
        for move, weight in (mixture or moves())
    )


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """What fixes a chain: with the same settings and scenario, the same samples."""

    seed: int
    walkers: int
    steps: int
    chunk: int = 250


@dataclasses.dataclass
class Chain:
    """All steps of a run: positions (steps, walkers, d) in internal coordinates, ln p."""

    positions: FloatArray
    log_prob: FloatArray
    resumed_from: int


def fingerprint(likelihood: GlobalLikelihood, settings: RunSettings) -> dict[str, Any]:
    """The identity of a run, checked before a checkpoint is reused (steps may grow)."""
    return {
        "scenario": likelihood.scenario.name,
        "futures": likelihood.scenario.spec["futures"],
        "parameters": list(likelihood.names),
        "likelihood_sha256": likelihood_sha256(likelihood),
        "seed": settings.seed,
        "walkers": settings.walkers,
        "moves": describe_moves(),
    }


def initial_positions(likelihood: GlobalLikelihood, walkers: int, seed: int) -> FloatArray:
    """Walkers resampled from prior draws in proportion to their likelihood (no repeats)."""
    rng = np.random.default_rng(seed)
    n_draws = max(_INITIAL_DRAWS, 10 * walkers)
    low, high = likelihood.bounds[:, 0], likelihood.bounds[:, 1]
    draws = low + (high - low) * rng.random((n_draws, likelihood.ndim))
    log_prob = likelihood.log_prob(draws)
    finite = np.isfinite(log_prob)
    if finite.sum() < walkers:
        raise InputError(
            f"only {finite.sum()} of {n_draws} prior draws have a finite likelihood; "
            f"cannot start {walkers} walkers"
        )
    weights = np.where(finite, np.exp(log_prob - log_prob[finite].max()), 0.0)
    weights = np.maximum(weights, 1e-300 * finite)  # every finite draw stays possible
    chosen = rng.choice(n_draws, size=walkers, replace=False, p=weights / weights.sum())
    return np.asarray(draws[chosen])


def _chunk_bytes(start: int, positions: FloatArray, log_prob: FloatArray, state: Any) -> bytes:
    """One chunk as HDF5 bytes, every dataset with a fletcher32 checksum."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
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
    return buffer.getvalue()


class Checkpoint:
    """DIR/checkpoint/: run.json (the run's fingerprint) and one HDF5 file per chunk.

    Its owner holds the lock of DIR (g2fit.io.files.owned_folder) while it reads or writes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def chunks(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        found = {}
        for path in self.folder.iterdir():
            match = _CHUNK_NAME.match(path.name)
            if match:
                found[int(match.group(1))] = path
        return [found[start] for start in sorted(found)]

    def check_compatible(self, identity: dict[str, Any], steps: int) -> int:
        """Steps already done by a compatible checkpoint (0 if none); refuse any other."""
        run_file = self.folder / "run.json"
        if not run_file.exists():
            if self.chunks():
                raise InputError(f"{self.folder}: chunk files without run.json; not a g2fit run")
            return 0
        stored = read_json_object(run_file).get("fingerprint")
        if not isinstance(stored, dict):
            raise InputError(f"{run_file}: field 'fingerprint' missing; not a g2fit checkpoint")
        for key, value in identity.items():
            if stored.get(key) != value:
                raise InputError(
                    f"{self.folder} holds a run with a different {key} "
                    f"({stored.get(key)!r}, not {value!r}); use another --out or delete it"
                )
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
        try:
            with h5py.File(path, "r") as handle:
                return int(handle.attrs["start"]), int(handle.attrs["stop"])
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise InputError(f"{path}: unreadable checkpoint chunk ({error})") from None

    def begin(self, identity: dict[str, Any]) -> None:
        """Record the run's identity before its first step (a compatible run.json stays)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.folder)
        if not (self.folder / "run.json").exists():
            document = {"fingerprint": identity, "g2fit_version": __version__}
            write_json(self.folder / "run.json", document)

    def write(self, start: int, positions: FloatArray, log_prob: FloatArray, state: Any) -> None:
        path = self.folder / f"chunk-{start:09d}.h5"
        write_atomic(path, _chunk_bytes(start, positions, log_prob, state))

    def read(self) -> tuple[list[FloatArray], list[FloatArray], emcee.State | None]:
        positions, log_probs, state = [], [], None
        for path in self.chunks():
            try:
                with h5py.File(path, "r") as handle:
                    positions.append(handle["positions"][...])
                    log_probs.append(handle["log_prob"][...])
                    keys = handle["state/rng_keys"]
                    random_state = (
                        str(keys.attrs["name"]),
                        keys[...],
                        int(keys.attrs["pos"]),
                        int(keys.attrs["has_gauss"]),
                        float(keys.attrs["cached_gaussian"]),
                    )
                    state = emcee.State(
                        handle["state/coords"][...],
                        log_prob=handle["state/log_prob"][...],
                        random_state=random_state,
                    )
            except (OSError, KeyError, ValueError, TypeError) as error:
                raise InputError(
                    f"{path}: damaged checkpoint chunk ({error}); delete it and the chunks "
                    "after it to resume from the one before"
                ) from None
        return positions, log_probs, state


def _check_restored(
    likelihood: GlobalLikelihood,
    positions: list[FloatArray],
    log_probs: list[FloatArray],
    state: emcee.State,
    folder: Path,
    walkers: int,
) -> None:
    """Refuse a checkpoint whose walkers are not where a valid chain can be: every stored
    position finite and inside the prior, and the final ln p equal to the likelihood's."""
    problem = None
    shape = (walkers, likelihood.ndim)
    if any(p.ndim != 3 or p.shape[1:] != shape for p in positions) or state.coords.shape != shape:
        problem = "walker positions of the wrong shape"
    else:
        stored = np.concatenate(positions).reshape(-1, likelihood.ndim)
        lp = np.concatenate(log_probs)
        if not (np.all(likelihood.in_prior(stored)) and np.all(np.isfinite(lp))):
            problem = "positions outside the prior or non-finite log-probabilities"
        else:
            recomputed = likelihood.log_prob(state.coords)
            if not np.allclose(state.log_prob, recomputed, rtol=_LOG_PROB_RTOL, atol=0.0):
                problem = "log-probabilities that the likelihood does not reproduce"
    if problem:
        raise InputError(
            f"{folder}: the checkpoint holds {problem}; it is damaged: delete the folder "
            "to start again"
        )


@contextlib.contextmanager
def _stop_requests() -> Iterator[list[int]]:
    """While sampling, Ctrl-C (SIGINT) and SIGTERM set a flag instead of raising inside the
    log-probability, so the step in progress ends and the run can checkpoint and stop."""
    requested: list[int] = []
    handlers = {}

    def request(signum: int, _frame: Any) -> None:
        requested.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            handlers[signum] = signal.signal(signum, request)
    try:
        yield requested
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def run_chain(
    likelihood: GlobalLikelihood,
    settings: RunSettings,
    checkpoint: Checkpoint,
    progress: Callable[[int], None] | None = None,
) -> Chain:
    """Run (or resume) the chain to settings.steps steps; `progress(n)` after each step.

    Raises KeyboardInterrupt after checkpointing when Ctrl-C or SIGTERM asked it to stop."""
    identity = fingerprint(likelihood, settings)
    done = checkpoint.check_compatible(identity, settings.steps)
    positions, log_probs, state = checkpoint.read()
    if state is None:
        coords = initial_positions(likelihood, settings.walkers, settings.seed)
        random_state = np.random.RandomState(settings.seed).get_state()
        state = emcee.State(coords, log_prob=likelihood.log_prob(coords), random_state=random_state)
    else:
        _check_restored(
            likelihood, positions, log_probs, state, checkpoint.folder, settings.walkers
        )
    checkpoint.begin(identity)
    sampler = emcee.EnsembleSampler(
        settings.walkers, likelihood.ndim, likelihood.log_prob, vectorize=True, moves=moves()
    )
    resumed_from = done
    with _stop_requests() as stop:
        while done < settings.steps and not stop:
            n = min(settings.chunk, settings.steps - done)
            sampler.reset()
            for step_state in sampler.sample(state, iterations=n):
                state = step_state
                if progress is not None:
                    progress(1)
                if stop:
                    break
            chunk_positions = sampler.get_chain()
            checkpoint.write(done, chunk_positions, sampler.get_log_prob(), state)
            positions.append(chunk_positions)
            log_probs.append(sampler.get_log_prob())
            done += chunk_positions.shape[0]
    if done < settings.steps:
        raise KeyboardInterrupt
    return Chain(np.concatenate(positions), np.concatenate(log_probs), resumed_from)


def integrated_time(positions: FloatArray) -> FloatArray:
    """emcee's integrated autocorrelation time per parameter (steps), from (steps, walkers, d).

    emcee's own log message on a short chain is silenced: g2fit's convergence warnings say it."""
    emcee_log = logging.getLogger("emcee.autocorr")
    level = emcee_log.level
    emcee_log.setLevel(logging.ERROR)
    try:
        return np.asarray(emcee.autocorr.integrated_time(positions, quiet=True))
    finally:
        emcee_log.setLevel(level)
