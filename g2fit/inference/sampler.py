"""Posterior sampling with emcee: vectorized, checkpointed, resumable to the same samples.

The chain runs continuously in one emcee EnsembleSampler whose backend is the run's checkpoint,
received from the caller (g2fit.io.checkpoint.Checkpoint, which keeps the chain in memory and
writes it to DIR/checkpoint/ in chunks, each with the sampler's full state). A resumed run
continues from the checkpoint's last state and random generator, so with the same seed it
ends with the same samples as an uninterrupted run; a checkpoint whose walkers a valid chain
cannot hold is refused. The run's identity is recorded before its first step. Ctrl-C or
SIGTERM stops the run after the step in progress and checkpoints what was done.

Moves (g2fit.inference.moves, each tested on targets with known answers): differential
evolution (70 %), the snooker update (20 %) and independence draws from the prior (10 %).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import emcee
import numpy as np
from numpy.typing import NDArray

from g2fit.errors import InputError
from g2fit.inference.moves import LeanDEMove, PriorMove, SnookerMove
from g2fit.likelihood.global_likelihood import GlobalLikelihood

FloatArray = NDArray[np.float64]

#: Prior draws from which the starting walkers are resampled by their likelihood (at least
#: this many, and ten per walker).
_INITIAL_DRAWS = 50_000
#: Relative agreement required between a checkpoint's stored log-probabilities and the
#: likelihood recomputed at its walkers (equal on one machine; a few ulps across CPUs).
_LOG_PROB_RTOL = 1e-9


def moves(bounds: FloatArray) -> list[tuple[emcee.moves.Move, float]]:
    """The proposal mixture for a prior box `bounds` (d, 2) of internal coordinates:
    differential evolution 70 %, snooker 20 %, independence draws from the prior 10 %
    (g2fit.inference.moves; chosen by measurement against plain Monte Carlo over the prior)."""
    return [(LeanDEMove(), 0.7), (SnookerMove(), 0.2), (PriorMove(*bounds.T), 0.1)]


def describe_moves(mixture: list[tuple[emcee.moves.Move, float]]) -> str:
    """The moves as recorded in results and checkpoints, read off the move objects."""

    def settings(move: emcee.moves.Move) -> str:
        public = {k: v for k, v in vars(move).items() if not k.startswith("_") and k != "g0"}
        return ", ".join(f"{k}={v!r}" for k, v in sorted(public.items()))

    return " + ".join(
        f"{type(move).__name__}({settings(move)}) x {weight}" for move, weight in mixture
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
        "futures": list(likelihood.scenario.futures),
        "parameters": list(likelihood.names),
        "likelihood_sha256": likelihood.sha256(),
        "seed": settings.seed,
        "walkers": settings.walkers,
        "moves": describe_moves(moves(likelihood.bounds)),
    }


def initial_positions(likelihood: GlobalLikelihood, walkers: int, seed: int) -> FloatArray:
    """Walkers resampled from prior draws in proportion to their likelihood (no repeats)."""
    rng = np.random.default_rng(seed)
    n_draws = max(_INITIAL_DRAWS, 10 * walkers)
    draws = likelihood.prior_draws(n_draws, rng)
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


class VectorizedSampler(emcee.EnsembleSampler):  # type: ignore[misc]
    """emcee's EnsembleSampler for a vectorized log-probability without blobs: ln p of a batch
    is taken as one array, where emcee converts it value by value in Python (a fifth of the
    sampling time at 64 points a call). The same checks: no infinite or NaN position, no NaN
    ln p (tests/unit/inference/test_moves.py compares it with emcee's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.vectorize or self.params_are_named:
            raise ValueError("VectorizedSampler takes a vectorized ln p of unnamed parameters")

    def compute_log_prob(self, coords: FloatArray) -> tuple[FloatArray, None]:
        if not np.all(np.isfinite(coords)):
            raise ValueError("At least one parameter value was infinite or NaN")
        log_prob = np.asarray(self.log_prob_fn(coords), dtype=np.float64).reshape(len(coords))
        if np.any(np.isnan(log_prob)):
            raise ValueError("Probability function returned NaN")
        return log_prob, None


class CheckpointBackend(Protocol):
    """What run_chain needs of its checkpoint (g2fit.io.checkpoint.Checkpoint): an emcee
    backend, given to the sampler, that also keeps the chain on disk."""

    folder: Path

    def check_compatible(self, identity: dict[str, Any], steps: int) -> int:
        """Steps already done by a compatible checkpoint (0 if none); refuse any other."""
        ...

    def read(self) -> emcee.State | None:
        """Load the stored chain; the state to continue from, None if nothing is stored."""
        ...

    def begin(self, identity: dict[str, Any], chunk: int) -> None:
        """Record the run's identity before its first step; store every `chunk` steps."""
        ...

    def flush(self) -> None:
        """Store the steps not yet stored."""
        ...

    def get_chain(self) -> FloatArray: ...

    def get_log_prob(self) -> FloatArray: ...


def _check_restored(
    likelihood: GlobalLikelihood, checkpoint: CheckpointBackend, state: emcee.State, walkers: int
) -> None:
    """Refuse a checkpoint whose walkers are not where a valid chain can be: every stored
    position finite and inside the prior, and the final ln p equal to the likelihood's."""
    problem = None
    shape = (walkers, likelihood.ndim)
    positions = checkpoint.get_chain()
    if positions.ndim != 3 or positions.shape[1:] != shape or state.coords.shape != shape:
        problem = "walker positions of the wrong shape"
    else:
        stored = positions.reshape(-1, likelihood.ndim)
        lp = checkpoint.get_log_prob()
        if not (np.all(likelihood.in_prior(stored)) and np.all(np.isfinite(lp))):
            problem = "positions outside the prior or non-finite log-probabilities"
        else:
            recomputed = likelihood.log_prob(state.coords)
            if not np.allclose(state.log_prob, recomputed, rtol=_LOG_PROB_RTOL, atol=0.0):
                problem = "log-probabilities that the likelihood does not reproduce"
    if problem:
        raise InputError(
            f"{checkpoint.folder}: the checkpoint holds {problem}; it is damaged: delete the "
            "folder to start again"
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
    checkpoint: CheckpointBackend,
    progress: Callable[[int], None] | None = None,
) -> Chain:
    """Run (or resume) the chain to settings.steps steps; `progress(n)` after each step.

    Raises KeyboardInterrupt after checkpointing when Ctrl-C or SIGTERM asked it to stop."""
    identity = fingerprint(likelihood, settings)
    done = checkpoint.check_compatible(identity, settings.steps)
    state = checkpoint.read()
    if state is None:
        coords = initial_positions(likelihood, settings.walkers, settings.seed)
        random_state = np.random.RandomState(settings.seed).get_state()
        state = emcee.State(coords, log_prob=likelihood.log_prob(coords), random_state=random_state)
    else:
        _check_restored(likelihood, checkpoint, state, settings.walkers)
    checkpoint.begin(identity, settings.chunk)
    sampler = VectorizedSampler(
        settings.walkers,
        likelihood.ndim,
        likelihood.log_prob,
        vectorize=True,
        moves=moves(likelihood.bounds),
        backend=checkpoint,
    )
    resumed_from = done
    with _stop_requests() as stop:
        if done < settings.steps:
            for _ in sampler.sample(state, iterations=settings.steps - done):
                done += 1
                if progress is not None:
                    progress(1)
                if stop:
                    break
        checkpoint.flush()
    if done < settings.steps:
        raise KeyboardInterrupt
    return Chain(checkpoint.get_chain(), checkpoint.get_log_prob(), resumed_from)


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
