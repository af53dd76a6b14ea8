"""upper_limit against closed-form profiles on coarse and fine grids.

The profile is replaced by a closed form in internal coordinates, so the crossing of
chi2_min + 2.71 is known exactly: x_best + s sqrt(2.71) for a parabola of width s around
the best fit, b + s sqrt(2.71) for a profile flat up to b and a parabola above it. The best
fit always lies between grid points; the limit must never lie below it, and must be the
closed form wherever a grid point above the best fit lies above the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

import g2fit.inference.fit
from g2fit.config.scenarios import Parameter
from g2fit.inference.fit import UPPER_LIMIT_DELTA_CHI2, Profile, upper_limit
from g2fit.likelihood.global_likelihood import GlobalLikelihood

DELTA = UPPER_LIMIT_DELTA_CHI2
#: brentq's tolerance in upper_limit is xtol = 1e-4 (internal units), plus a little.
XTOL = 2e-4
Closed = Callable[[np.ndarray], np.ndarray]


def _parabola(x0: float, s: float) -> Closed:
    return lambda x: ((np.asarray(x) - x0) / s) ** 2


def _flat_then_parabola(b: float, s: float) -> Closed:
    return lambda x: np.where(np.asarray(x) > b, ((np.asarray(x) - b) / s) ** 2, 0.0)


def _likelihood(prior: str = "uniform", low: float = 0.0, high: float = 1.0) -> GlobalLikelihood:
    """The two attributes upper_limit reads: the names and the parameters."""
    return cast(
        GlobalLikelihood,
        SimpleNamespace(names=("x",), parameters=(Parameter("x", prior, low, high),)),
    )


def _closed_form_profile(
    monkeypatch: pytest.MonkeyPatch, chi2: Closed, *, offset: float = 0.0
) -> list[float]:
    """Make every re-evaluation of the profile the closed form (plus `offset`); returns the
    list of the points where it was re-evaluated."""
    calls: list[float] = []

    def fake(
        likelihood: GlobalLikelihood, fixed_names: Sequence[str], grid: np.ndarray, **_: object
    ) -> Profile:
        calls.extend(float(x) for x in grid[:, 0])
        return Profile(chi2(grid[:, 0]) + offset, np.array(grid, dtype=float))

    monkeypatch.setattr(g2fit.inference.fit, "profile", fake)
    return calls


# (profile, best fit, closed-form crossing); the best fit lies strictly between grid points of
# linspace(0, 1, n) for n = 2, 3, 5, 25. The parabola around 0.4 lies above the threshold at
# x = 0 (chi^2 = 4), so on 2 points the lowest grid point is above it (the reported m_S bug).
# The narrow one around 0.65 is above it at every grid point but on 25, and its lowest grid
# point is 0.5 on 3 points, 0.75 (above the best fit) on 5 (the reported m_L bug).
CASES = {
    "parabola": (_parabola(0.4, 0.2), 0.4, 0.4 + 0.2 * math.sqrt(DELTA)),
    "narrow-parabola": (_parabola(0.65, 0.05), 0.65, 0.65 + 0.05 * math.sqrt(DELTA)),
    "flat-then-parabola": (_flat_then_parabola(0.3, 0.2), 0.27, 0.3 + 0.2 * math.sqrt(DELTA)),
}


@pytest.mark.parametrize("n", [2, 3, 5, 25])
@pytest.mark.parametrize("case", sorted(CASES))
def test_limit_is_the_closed_form_crossing_and_never_below_the_best_fit(
    monkeypatch: pytest.MonkeyPatch, case: str, n: int
) -> None:
    chi2, best, crossing = CASES[case]
    grid = np.linspace(0.0, 1.0, n)
    assert not np.any(np.isclose(grid, best))
    calls = _closed_form_profile(monkeypatch, chi2)
    limit = upper_limit(_likelihood(), "x", grid, chi2(grid), 0.0, best=best)
    assert limit is not None
    assert limit > best
    assert limit == pytest.approx(crossing, abs=XTOL)
    # The root was searched inside the bracket: from the best fit up to a grid point.
    first_above = grid[(grid > best) & (chi2(grid) > DELTA)][0]
    assert min(calls) >= best - 1e-12
    assert max(calls) <= first_above + 1e-12


@pytest.mark.parametrize("n", [2, 3, 5, 25])
@pytest.mark.parametrize("case", sorted(CASES))
def test_without_refinement_the_limit_interpolates_inside_the_bracket(
    monkeypatch: pytest.MonkeyPatch, case: str, n: int
) -> None:
    """When the re-evaluated profile never changes sign (noise), the limit is the linear
    interpolation of the grid's profile between the bracket's ends, the lower end being the
    best fit (at chi2_min) if no grid point lies between it and the crossing."""
    chi2, best, crossing = CASES[case]
    grid = np.linspace(0.0, 1.0, n)
    _closed_form_profile(monkeypatch, chi2, offset=10.0)  # always above the threshold
    limit = upper_limit(_likelihood(), "x", grid, chi2(grid), 0.0, best=best)
    above = grid[grid > best]
    high = above[chi2(above) > DELTA][0]
    below = above[above < high]
    low = below[-1] if below.size else best
    f_low, f_high = float(chi2(np.array(low))) - DELTA, float(chi2(np.array(high))) - DELTA
    expected = low + (high - low) * (-f_low) / (f_high - f_low)
    assert limit is not None
    assert limit == pytest.approx(expected, rel=1e-12, abs=0)
    # Both profiles are convex: the chord crosses first, at most one grid step early.
    assert best <= low <= limit <= crossing + 1e-12
    assert crossing - limit <= high - low


def test_no_limit_when_the_crossing_lies_beyond_the_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    chi2 = _flat_then_parabola(0.9, 0.2)  # crosses at 1.23, above the top of the range
    for n in (2, 3, 5, 25):
        grid = np.linspace(0.0, 1.0, n)
        _closed_form_profile(monkeypatch, chi2)
        assert upper_limit(_likelihood(), "x", grid, chi2(grid), 0.0, best=0.55) is None


def test_grid_points_below_the_best_fit_do_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile above the threshold only below the best fit (a lower limit) gives no upper
    limit; and a best fit at the top of the range has none either."""
    chi2 = _parabola(0.9, 0.2)  # above the threshold below 0.57, never above 0.9
    grid = np.linspace(0.0, 1.0, 5)
    _closed_form_profile(monkeypatch, chi2)
    assert upper_limit(_likelihood(), "x", grid, chi2(grid), 0.0, best=0.9) is None
    assert upper_limit(_likelihood(), "x", grid, chi2(grid), 0.0, best=1.0) is None


def test_log_uniform_parameter_is_profiled_in_log10(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mass on [100, 5000] GeV, best fit 261 GeV, 2 grid points both above the threshold
    (the reported case of m_S < 91 GeV): the limit is 261 GeV * 10^(s sqrt(2.71))."""
    x_best, s = math.log10(261.0), 0.2
    chi2 = _parabola(x_best, s)
    grid = np.linspace(2.0, math.log10(5000.0), 2)
    assert np.all(chi2(grid) > DELTA)
    _closed_form_profile(monkeypatch, chi2)
    likelihood = _likelihood("log-uniform", 100.0, 5000.0)
    limit = upper_limit(likelihood, "x", grid, chi2(grid), 0.0, best=x_best)
    expected = 261.0 * 10 ** (s * math.sqrt(DELTA))  # 558 GeV
    assert limit is not None
    assert limit == pytest.approx(expected, rel=XTOL * math.log(10))
