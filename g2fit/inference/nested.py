"""Nested sampling with UltraNest: a second engine, independent of emcee, and the evidence.

Why UltraNest (over dynesty): it calls the likelihood vectorized, many points a call (g2fit's
likelihood costs ~1 ms a call however few points it gets, so a point-by-point engine spends
its time in overhead); its region sampler (MLFriends) is robust for the 4-6 parameters here
without tuning; it stores every point in HDF5 (h5py, already a dependency) and resumes from
there; and it reports ln Z with a bootstrapped error.

The prior is uniform in the box of internal coordinates (log10 of a log-uniform parameter);
where it is zero inside the box (Y_L Y_R above its bound) the likelihood is given a floor and
ln Z is corrected by the prior's share of the box, so ln Z is normalized to the prior g2fit
samples everywhere: Z = integral of exp(-chi^2/2) over the prior.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from g2fit.likelihood.global_likelihood import GlobalLikelihood

FloatArray = NDArray[np.float64]

#: ln L given where the prior is zero or the likelihood not finite (UltraNest needs a number).
_FLOOR = -1e300
#: Prior draws that measure the prior's share of the box when the Y_L Y_R bound cuts it.
_SUPPORT_DRAWS = 1_000_000
#: Seed of the draws that measure the prior's share (fixed: part of the run's definition).
_SUPPORT_SEED = 12345


@dataclasses.dataclass(frozen=True)
class NestedSettings:
    """What fixes a nested run: the seed, the live points and the stopping tolerance on ln Z."""

    seed: int
    live_points: int = 400
    dlogz: float = 0.5


@dataclasses.dataclass
class NestedRun:
    """A finished nested run: weighted points (internal coordinates) with their ln L
    (= -chi^2/2), the evidence ln Z with its error, the likelihood calls made."""

    positions: FloatArray
    weights: FloatArray
    log_likelihood: FloatArray
    log_evidence: float
    log_evidence_error: float
    calls: int
    prior_support: float
    engine: str

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the weighted points."""
        return float(1.0 / np.sum(self.weights**2))


def fingerprint(likelihood: GlobalLikelihood, settings: NestedSettings) -> dict[str, Any]:
    """The identity of a nested run, checked before its stored points are reused."""
    import ultranest

    return {
        "scenario": likelihood.scenario.name,
        "futures": list(likelihood.scenario.futures),
        "parameters": list(likelihood.names),
        "likelihood_sha256": likelihood.sha256(),
        "seed": settings.seed,
        "sampler": f"nested (UltraNest {ultranest.__version__})",
        "live_points": settings.live_points,
        "dlogz": settings.dlogz,
    }


def prior_support(likelihood: GlobalLikelihood) -> tuple[float, float]:
    """The prior's share of the box of internal coordinates, and its Monte-Carlo error
    (exactly 1 where no Y_L Y_R bound cuts the box)."""
    corners = likelihood.point(likelihood.bounds.T)  # the box's lowest and highest corner
    products = np.outer(corners["Y_L"], corners["Y_R"])  # Y_L Y_R is largest at a corner
    if products.max() <= likelihood.scenario.max_YL_YR:
        return 1.0, 0.0
    draws = likelihood.prior_draws(_SUPPORT_DRAWS, np.random.default_rng(_SUPPORT_SEED))
    share = float(np.mean(likelihood.in_prior(draws)))
    return share, math.sqrt(share * (1 - share) / _SUPPORT_DRAWS)


def run_nested(likelihood: GlobalLikelihood, settings: NestedSettings, folder: Path) -> NestedRun:
    """Run UltraNest to ln Z within settings.dlogz, storing every point in `folder` (resumed
    from there if it holds the points of a run with the same identity; the caller checks it)."""
    import ultranest

    low, high = likelihood.bounds.T
    span = high - low

    def transform(unit: FloatArray) -> FloatArray:
        return np.asarray(low + span * unit)

    def log_likelihood(theta: FloatArray) -> FloatArray:
        values = likelihood.log_prob(theta)
        return np.where(np.isfinite(values), values, _FLOOR)

    share, share_error = prior_support(likelihood)
    # UltraNest draws from numpy's global generator: seeded here, restored afterwards
    global_state = np.random.get_state()  # noqa: NPY002
    np.random.seed(settings.seed)  # noqa: NPY002
    logger = logging.getLogger("ultranest")
    handlers_before = set(logger.handlers)
    sampler = ultranest.ReactiveNestedSampler(
        list(likelihood.names),
        log_likelihood,
        transform,
        vectorized=True,
        log_dir=str(folder),
        resume="resume",
    )
    for handler in set(logger.handlers) - handlers_before:  # stderr is g2fit's, not UltraNest's
        if not isinstance(handler, logging.FileHandler):
            handler.setLevel(logging.WARNING)
    try:
        result = sampler.run(
            min_num_live_points=settings.live_points,
            dlogz=settings.dlogz,
            show_status=False,
            viz_callback=False,
        )
    finally:  # UltraNest leaves its point store and the log handlers it added open
        sampler.pointstore.close()
        for handler in set(logger.handlers) - handlers_before:
            handler.close()
            logger.removeHandler(handler)
        np.random.set_state(global_state)  # noqa: NPY002
    weighted = result["weighted_samples"]
    weights = np.asarray(weighted["weights"], dtype=float)
    # points at the floor (outside the prior's support) carry exp(-1e300) = 0 already: a guard
    inside = np.asarray(weighted["logl"]) > _FLOOR / 2
    weights = np.where(inside, weights, 0.0)
    weights /= weights.sum()
    error = math.hypot(float(result["logzerr"]), share_error / share if share < 1 else 0.0)
    return NestedRun(
        positions=np.asarray(weighted["points"], dtype=float)[inside],
        weights=weights[inside],
        log_likelihood=np.asarray(weighted["logl"], dtype=float)[inside],
        log_evidence=float(result["logz"]) - math.log(share),
        log_evidence_error=error,
        calls=int(result["ncall"]),
        prior_support=share,
        engine=f"UltraNest {ultranest.__version__}",
    )


def equal_weight_samples(run: NestedRun, seed: int) -> tuple[FloatArray, FloatArray]:
    """About effective_size equally weighted samples by systematic resampling, in random
    order: positions (n, d) and their ln L (n,)."""
    rng = np.random.default_rng(seed)
    n = max(round(run.effective_size), 1)
    cumulative = np.cumsum(run.weights)
    cumulative[-1] = 1.0
    index = np.searchsorted(cumulative, (rng.random() + np.arange(n)) / n)
    index = rng.permutation(index)
    return run.positions[index], run.log_likelihood[index]
