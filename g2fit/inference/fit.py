"""Profile-likelihood fits with iminuit: best fit, 1-D and 2-D profiles, upper limits.

The cost is the total chi^2 (errordef 1) in internal coordinates (log10 of masses), plus a
smooth penalty where Y_L Y_R exceeds its maximum. The surface has flat directions and
several minima, so every minimization starts from the best points of a vectorized scan of
the prior, and the best valid minimum is kept. A fit reports chi2_min as the sum of the
terms at its best point (without the penalty); `cost_min` is what MIGRAD minimized.

The prior (GlobalLikelihood.in_prior) cuts at Y_L Y_R = max_YL_YR instead; both views agree
wherever Y_L Y_R is allowed, where the penalty is zero. MIGRAD needs a cost without walls (a
step would break its gradient and Hessian), a sampler a prior with a support.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from iminuit import Minuit
from numpy.typing import NDArray
from scipy import optimize

from g2fit.likelihood.global_likelihood import GlobalLikelihood, to_physical
from g2fit.likelihood.terms import chi2_quantile

FloatArray = NDArray[np.float64]

#: One-sided 95 % CL upper limit from a 1-dof profile likelihood ratio (Wilks): 2.71.
UPPER_LIMIT_DELTA_CHI2 = chi2_quantile(0.90)
#: Penalty scale for Y_L Y_R above its maximum: smooth (quadratic), never a wall.
_PENALTY_SCALE = 1e-2
#: What the cost returns for a non-finite point: far above any chi^2 near a minimum.
_NOT_FINITE = 1e30
#: A profile point lower than the best fit by more than this (chi^2 units) restarts the fit.
RESTART_TOLERANCE = 1e-9


@dataclasses.dataclass
class FitResult:
    """A minimum of chi^2: parameters (physical units, GeV) and per-term chi^2.

    chi2_min is the sum of `terms` at `theta`; cost_min is the value MIGRAD minimized there
    (chi2_min plus the penalty for Y_L Y_R above its maximum, if any).
    """

    best_fit: dict[str, float]
    theta: FloatArray
    chi2_min: float
    terms: dict[str, float]
    valid: bool
    at_limit: list[str]
    hesse_errors: dict[str, float]
    minos: dict[str, list[float]]
    n_starts: int
    cost_min: float
    #: Why a parameter has no MINOS interval (parameter -> reason); empty if all have one.
    minos_missing: dict[str, str] = dataclasses.field(default_factory=dict)


class Profile(NamedTuple):
    """A profile: at each grid row the minimum of the cost over the other parameters
    (`chi2`, shape (m,)) and the full point where it lies (`theta`, shape (m, d))."""

    chi2: FloatArray
    theta: FloatArray


class _Cost:
    """chi^2 of one point for iminuit, with some coordinates held fixed."""

    errordef = Minuit.LEAST_SQUARES

    def __init__(self, likelihood: GlobalLikelihood, fixed: dict[int, float]) -> None:
        self.likelihood = likelihood
        self.fixed = fixed
        self.free = [i for i in range(likelihood.ndim) if i not in fixed]

    def full(self, x: Sequence[float] | FloatArray) -> FloatArray:
        theta = np.empty(self.likelihood.ndim)
        theta[self.free] = x
        for i, value in self.fixed.items():
            theta[i] = value
        return theta

    def __call__(self, x: Sequence[float] | FloatArray) -> float:
        theta = self.full(x)
        if not np.all(np.isfinite(theta)):
            return _NOT_FINITE
        chi2 = float(self.likelihood.chi2(theta[None, :])[0])
        point = self.likelihood.point(theta[None, :])
        excess = float(point["Y_L"][0] * point["Y_R"][0]) - self.likelihood.scenario.max_YL_YR
        total = chi2 + (excess / _PENALTY_SCALE) ** 2 if excess > 0 else chi2
        return total if np.isfinite(total) else _NOT_FINITE


def _migrad(likelihood: GlobalLikelihood, start: FloatArray, fixed: dict[int, float]) -> Minuit:
    cost = _Cost(likelihood, fixed)
    names = [likelihood.names[i] for i in cost.free]
    minuit = Minuit(cost, start[cost.free], name=names)
    # -1 also silences the C++ core's notes on its internal retries (e.g. a non-positive-
    # definite start matrix, which MIGRAD repairs); g2fit checks validity itself.
    minuit.print_level = -1
    minuit.limits = [tuple(likelihood.bounds[i]) for i in cost.free]
    minuit.strategy = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        minuit.migrad()
    return minuit


def _minimize(
    likelihood: GlobalLikelihood,
    starts: FloatArray,
    fixed: dict[int, float],
) -> tuple[FloatArray, float, Minuit]:
    best: tuple[FloatArray, float, Minuit] | None = None
    for start in starts:
        minuit = _migrad(likelihood, start, fixed)
        theta = _Cost(likelihood, fixed).full(np.array(minuit.values))
        value = float(minuit.fval)
        better = best is None or value < best[1] - 1e-9
        if better or (
            minuit.valid and best is not None and not best[2].valid and value <= best[1] + 1e-6
        ):
            best = (theta, value, minuit)
    assert best is not None
    return best


def _scan_starts(
    likelihood: GlobalLikelihood, fixed: dict[int, float], n_scan: int, n_starts: int, seed: int
) -> FloatArray:
    """The n_starts best of n_scan prior draws (with `fixed` coordinates imposed)."""
    draws = likelihood.prior_draws(n_scan, np.random.default_rng(seed))
    for i, value in fixed.items():
        draws[:, i] = value
    chi2 = np.where(likelihood.in_prior(draws), likelihood.chi2(draws), np.inf)
    order = np.argsort(chi2)[:n_starts]
    return np.asarray(draws[order])


def best_fit(
    likelihood: GlobalLikelihood,
    *,
    n_starts: int = 6,
    n_scan: int = 20000,
    seed: int = 0,
    starts: FloatArray | None = None,
) -> FitResult:
    """Global minimum: MIGRAD from the n_starts best scan points, then HESSE and MINOS.

    `starts` (shape (k, d), internal coordinates) replaces the scan: MIGRAD runs from
    these points only (e.g. to restart from a profile point lower than a previous fit).
    """
    if starts is None:
        starts = _scan_starts(likelihood, {}, n_scan, n_starts, seed)
    else:
        starts = np.atleast_2d(np.asarray(starts, dtype=float))
        if starts.shape[1:] != (likelihood.ndim,) or starts.shape[0] == 0:
            raise ValueError(f"starts must have shape (k, {likelihood.ndim}), got {starts.shape}")
    theta, cost_min, minuit = _minimize(likelihood, starts, {})
    minuit.hesse()
    at_limit = [
        name
        for name, value, (low, high) in zip(likelihood.names, theta, likelihood.bounds, strict=True)
        if min(value - low, high - value) < 1e-3 * (high - low)
    ]
    minos, missing = _minos(likelihood, minuit, theta, at_limit)
    terms = {k: float(v[0]) for k, v in likelihood.chi2_terms(theta[None, :]).items()}
    point = likelihood.point(theta[None, :])
    return FitResult(
        best_fit={k: float(v[0]) for k, v in point.items()},
        theta=theta,
        chi2_min=float(sum(terms.values())),
        terms=terms,
        valid=bool(minuit.valid),
        at_limit=at_limit,
        hesse_errors={
            name: float(e) for name, e in zip(likelihood.names, minuit.errors, strict=True)
        },
        minos=minos,
        n_starts=len(starts),
        cost_min=cost_min,
        minos_missing=missing,
    )


def _minos(
    likelihood: GlobalLikelihood, minuit: Minuit, theta: FloatArray, at_limit: list[str]
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """MINOS 68 % intervals (physical units) of each parameter, and for each parameter
    without one the reason."""
    minos: dict[str, list[float]] = {}
    missing: dict[str, str] = {}
    for i, name in enumerate(likelihood.names):
        if not minuit.valid:
            missing[name] = "not run: MIGRAD's minimum is not valid"
            continue
        if name in at_limit:
            missing[name] = "not run: the best fit lies at the edge of its prior range"
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                minuit.minos(name)
            error = minuit.merrors[name]
        except RuntimeError as failure:
            missing[name] = f"MINOS failed ({' '.join(str(failure).split())})"
            continue
        if not error.is_valid:
            missing[name] = "MINOS found no valid interval (a limit or the prior edge in the way)"
            continue
        p = likelihood.parameters[i]
        low, high = theta[i] + error.lower, theta[i] + error.upper
        minos[name] = [float(to_physical(p, low)), float(to_physical(p, high))]
    return minos, missing


def profile(
    likelihood: GlobalLikelihood,
    fixed_names: Sequence[str],
    grid: FloatArray,
    *,
    n_scan: int = 400,
    n_starts: int = 2,
    seed: int = 0,
) -> Profile:
    """Profile chi^2: the minimum over the other parameters at each row of `grid`.

    grid has shape (m, len(fixed_names)) in internal coordinates; returns the minima,
    shape (m,), and the full points theta where they lie, shape (m, d). The minima are the
    cost MIGRAD minimizes (chi^2 plus the penalty for Y_L Y_R above its maximum).
    Each minimization starts from the best points of a vectorized scan, one call for all rows.
    """
    index = [likelihood.names.index(n) for n in fixed_names]
    m = grid.shape[0]
    if len(index) == likelihood.ndim:
        theta = np.empty((m, likelihood.ndim))
        theta[:, index] = grid
        cost = _Cost(likelihood, {})
        return Profile(np.array([cost(row) for row in theta]), theta)
    draws = likelihood.prior_draws(n_scan, np.random.default_rng(seed))
    candidates = np.repeat(draws[None, :, :], m, axis=0)
    candidates[:, :, index] = grid[:, None, :]
    flat = candidates.reshape(-1, likelihood.ndim)
    chi2 = np.where(likelihood.in_prior(flat), likelihood.chi2(flat), np.inf).reshape(m, n_scan)
    order = np.argsort(chi2, axis=1)[:, :n_starts]
    out = np.empty(m)
    where = np.empty((m, likelihood.ndim))
    for row in range(m):
        fixed = dict(zip(index, grid[row], strict=True))
        where[row], out[row], _ = _minimize(likelihood, candidates[row, order[row]], fixed)
    return Profile(out, where)


def upper_limit(
    likelihood: GlobalLikelihood,
    name: str,
    grid: FloatArray,
    chi2_profile: FloatArray,
    chi2_min: float,
    *,
    best: float,
    delta: float = UPPER_LIMIT_DELTA_CHI2,
) -> float | None:
    """Where the 1-D profile of `name` first crosses chi2_min + delta above the best fit
    (physical units), refined between grid points by root finding on the profile itself.

    grid (shape (m,), increasing) and best (the best fit's coordinate) are in internal
    coordinates, like the profile. Only grid points above the best fit count: the root is
    bracketed between the last of them below the threshold (or the best fit itself, where
    the profile is chi2_min, delta below the threshold) and the first one above it, so the
    limit never lies below the best fit nor outside the grid. None when the profile stays
    below the threshold at every grid point above the best fit.
    """
    grid = np.asarray(grid, dtype=float)
    excess = np.asarray(chi2_profile, dtype=float) - chi2_min - delta
    above = np.nonzero((grid > best) & (excess > 0))[0]
    if above.size == 0:
        return None
    j = int(above[0])
    # Every grid point in (best, grid[j]) lies below the threshold (j is the first above).
    if j > 0 and grid[j - 1] > best:
        low, excess_low = float(grid[j - 1]), float(excess[j - 1])
    else:
        low, excess_low = float(best), -delta
    high = float(grid[j])
    parameter = likelihood.parameters[likelihood.names.index(name)]

    def crossing(x: float) -> float:
        return float(profile(likelihood, [name], np.array([[x]])).chi2[0] - chi2_min - delta)

    try:
        root = optimize.brentq(crossing, low, high, xtol=1e-4)
    except ValueError:  # profile noise: no sign change between the refined end points
        # Interpolation inside the bracket (excess_low <= 0 < excess[j]), never beyond it.
        root = low + (high - low) * (-excess_low) / (excess[j] - excess_low)
    return float(to_physical(parameter, root))
