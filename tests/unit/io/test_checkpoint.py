"""The checkpoint as an emcee backend: chunk files every `chunk` steps, a restored chain that
continues exactly, and damaged chunks refused."""

from __future__ import annotations

from pathlib import Path

import emcee
import h5py
import numpy as np
import pytest
from helpers import reseal
from numpy.typing import NDArray

from g2fit.errors import InputError
from g2fit.io.checkpoint import Checkpoint

FloatArray = NDArray[np.float64]
WALKERS, NDIM = 8, 2
IDENTITY = {"seed": 7}


def log_prob(theta: FloatArray) -> FloatArray:
    return np.asarray(-0.5 * np.sum(theta**2, axis=1))


def sample(checkpoint: Checkpoint, steps: int, chunk: int = 4) -> None:
    """Run (or continue) a toy chain with the checkpoint as backend up to `steps` steps."""
    state = checkpoint.read()
    if state is None:
        coords = np.random.default_rng(7).normal(size=(WALKERS, NDIM))
        rng = np.random.RandomState(7).get_state()
        state = emcee.State(coords, log_prob=log_prob(coords), random_state=rng)
    checkpoint.begin(IDENTITY, chunk)
    sampler = emcee.EnsembleSampler(
        WALKERS, NDIM, log_prob, vectorize=True, moves=emcee.moves.DEMove(), backend=checkpoint
    )
    done = checkpoint.iteration if checkpoint.initialized else 0
    for _ in sampler.sample(state, iterations=steps - done):
        pass
    checkpoint.flush()


def starts(folder: Path) -> list[tuple[int, int]]:
    found = []
    for path in Checkpoint(folder).chunks():
        with h5py.File(path, "r") as handle:
            found.append((int(handle.attrs["start"]), int(handle.attrs["stop"])))
    return found


def test_chunks_are_written_every_chunk_steps_and_at_the_end(tmp_path: Path) -> None:
    checkpoint = Checkpoint(tmp_path)
    sample(checkpoint, 10)
    assert starts(tmp_path) == [(0, 4), (4, 8), (8, 10)]
    assert checkpoint.check_compatible(IDENTITY, 10) == 10
    assert checkpoint.get_chain().shape == (10, WALKERS, NDIM)


def test_a_resumed_chain_continues_exactly(tmp_path: Path) -> None:
    whole = Checkpoint(tmp_path / "whole")
    sample(whole, 12)
    first = Checkpoint(tmp_path / "resumed")
    sample(first, 6)
    resumed = Checkpoint(tmp_path / "resumed")
    assert resumed.check_compatible(IDENTITY, 12) == 6
    sample(resumed, 12)
    assert starts(tmp_path / "resumed") == [(0, 4), (4, 6), (6, 10), (10, 12)]
    np.testing.assert_array_equal(resumed.get_chain(), whole.get_chain())
    np.testing.assert_array_equal(resumed.get_log_prob(), whole.get_log_prob())
    # Read back from disk, the chain is the one in memory, with its random state.
    again = Checkpoint(tmp_path / "resumed")
    state = again.read()
    assert state is not None
    np.testing.assert_array_equal(again.get_chain(), whole.get_chain())
    np.testing.assert_array_equal(state.coords, whole.get_chain()[-1])
    assert np.array_equal(state.random_state[1], whole.random_state[1])


def test_an_other_identity_is_refused(tmp_path: Path) -> None:
    sample(Checkpoint(tmp_path), 4)
    with pytest.raises(InputError, match="different seed"):
        Checkpoint(tmp_path).check_compatible({"seed": 8}, 10)


def test_a_chunk_with_inconsistent_arrays_is_refused(tmp_path: Path) -> None:
    sample(Checkpoint(tmp_path), 8)
    with h5py.File(tmp_path / "chunk-000000004.h5", "r+") as handle:
        del handle["log_prob"]
        handle.create_dataset("log_prob", data=np.zeros((3, WALKERS)), fletcher32=True)
    reseal(tmp_path / "chunk-000000004.h5")
    with pytest.raises(InputError, match=r"damaged checkpoint chunk \(arrays of inconsistent"):
        Checkpoint(tmp_path).read()


def test_a_malformed_random_state_is_refused(tmp_path: Path) -> None:
    sample(Checkpoint(tmp_path), 4)
    with h5py.File(tmp_path / "chunk-000000000.h5", "r+") as handle:
        attrs = dict(handle["state/rng_keys"].attrs)
        del handle["state/rng_keys"]
        keys = handle.create_dataset("state/rng_keys", data=np.zeros(5, dtype=np.uint32))
        keys.attrs.update(attrs)
    reseal(tmp_path / "chunk-000000000.h5")
    with pytest.raises(InputError, match="damaged checkpoint chunk"):
        Checkpoint(tmp_path).read()


def test_a_damaged_byte_anywhere_in_a_chunk_is_refused_before_parsing(tmp_path: Path) -> None:
    # HDF5 can crash or hang on damaged metadata: the seal is checked first, wherever the
    # damage lies (user block, superblock, object headers, attributes or data).
    sample(Checkpoint(tmp_path), 4)
    chunk = tmp_path / "chunk-000000000.h5"
    good = chunk.read_bytes()
    assert good[512:520] == b"\x89HDF\r\n\x1a\n"  # an HDF5 file behind its user block
    for offset in range(0, len(good) - 8, 97):
        damaged = bytearray(good)
        damaged[offset : offset + 8] = bytes(b ^ 0xFF for b in damaged[offset : offset + 8])
        chunk.write_bytes(bytes(damaged))
        with pytest.raises(InputError, match="damaged checkpoint chunk"):
            Checkpoint(tmp_path).read()
    chunk.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(InputError, match="damaged checkpoint chunk"):
        Checkpoint(tmp_path).check_compatible(IDENTITY, 10)


def test_an_unsealed_chunk_of_an_earlier_version_is_still_read(tmp_path: Path) -> None:
    sample(Checkpoint(tmp_path), 4)
    chunk = tmp_path / "chunk-000000000.h5"
    sealed = Checkpoint(tmp_path)
    state = sealed.read()
    assert state is not None
    chunk.write_bytes(chunk.read_bytes()[512:])  # what earlier versions wrote: HDF5 alone
    unsealed = Checkpoint(tmp_path)
    restored = unsealed.read()
    assert restored is not None
    np.testing.assert_array_equal(unsealed.get_chain(), sealed.get_chain())
    np.testing.assert_array_equal(restored.coords, state.coords)


def test_a_checkpoint_that_is_a_file_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint"
    path.write_text("not a folder")
    with pytest.raises(InputError, match=f"{path}: not a folder"):
        Checkpoint(path).check_compatible(IDENTITY, 10)
    with pytest.raises(InputError, match=f"{path}: not a folder"):
        Checkpoint(path).begin(IDENTITY, 4)
    assert path.read_text() == "not a folder"
