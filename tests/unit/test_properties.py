"""Property-based tests (hypothesis): invariants of the observables, the loop function, the
likelihood terms and the global likelihood that must hold at every input, not only at the
reference points of the other unit tests."""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g2fit.config.scenarios import scenario_names
from g2fit.errors import InputError
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario
from g2fit.likelihood.terms import CorrelatedGaussian, Gaussian, HalfGaussianBound, SmoothBound
from g2fit.model.constants import DEFAULT_CONSTANTS
from g2fit.model.loops import loop_function_F
from g2fit.model.observables import (
    OBSERVABLES,
    PERTURBATIVE_LIMIT,
    ExpansionWarning,
    PerturbativityWarning,
    observables,
)

EPS = float(np.finfo(float).eps)

# Deterministic in CI; deadline off (the first call of a scenario loads its files).
PROPERTY = settings(
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
FEW = settings(PROPERTY, max_examples=40)

# log10 of masses in GeV over [1e-3, 1e9]; cutoffs 10^[0, 15] times the heavier mass (at least
# the masses, as eq. 4 needs, up to the domain's top 1e12 GeV); perturbative Yukawas.
log_mass = st.floats(-3.0, 9.0)
log_cutoff = st.floats(0.0, 15.0)
yukawa = st.floats(-PERTURBATIVE_LIMIT, PERTURBATIVE_LIMIT)
yukawas = st.tuples(yukawa, yukawa, yukawa, yukawa)


def _mass(log10_value: float) -> float:
    """10**x, clipped so that rounding never leaves the stated range."""
    return min(max(float(10.0**log10_value), 1e-3), 1e9)


def _cutoff(log10_above: float, *masses: Any) -> Any:
    """A cutoff 10**x times the heavier mass (elementwise), at most 1e12 GeV."""
    heavier = np.maximum.reduce([np.asarray(m, dtype=float) for m in masses])
    return np.minimum(heavier * 10.0 ** np.asarray(log10_above), 1e12)


def _observables(m_L: Any, m_S: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """observables(...), which must warn (ExpansionWarning, once per mass) exactly when m_L or
    m_S lies below m_W somewhere, and warn of nothing else."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = observables(m_L, m_S, *args, **kwargs)
    m_W = DEFAULT_CONSTANTS.m_W
    light = [name for name, m in (("m_L", m_L), ("m_S", m_S)) if np.any(np.asarray(m) < m_W)]
    assert [w.category for w in caught] == [ExpansionWarning] * len(light), caught
    assert [str(w.message).split(" = ")[0] for w in caught] == light
    return values


# ---------------------------------------------------------- observables (model/observables.py)


@PROPERTY
@given(log_mass, log_mass, yukawas, log_cutoff)
def test_observables_are_finite_over_twelve_decades_of_mass(
    log_m_L: float, log_m_S: float, ys: tuple[float, float, float, float], log_cut: float
) -> None:
    m_L, m_S = _mass(log_m_L), _mass(log_m_S)
    cutoff = float(_cutoff(log_cut, m_L, m_S))
    for two_loop_top in (True, False):
        values = _observables(m_L, m_S, *ys, cutoff=cutoff, two_loop_top=two_loop_top)
        assert set(values) == set(OBSERVABLES)
        for name, value in values.items():
            assert np.shape(value) == ()
            assert np.isfinite(value), (name, m_L, m_S, ys, two_loop_top)
        # The documented decomposition of delta_amu (eq. 12 + eq. 14, or eq. 12 alone).
        one, two = values["delta_amu_one_loop"], values["delta_amu_two_loop_top"]
        expected = one + two if two_loop_top else one
        assert values["delta_amu"] == expected


@PROPERTY
@given(log_mass, log_mass, yukawas)
def test_observables_at_the_mass_range_edges_are_finite(
    log_m_L: float, log_m_S: float, ys: tuple[float, float, float, float]
) -> None:
    # Pin one mass at an edge of the range (1e-3 or 1e9 GeV), the other anywhere; the cutoff
    # at the heavier mass and at the top of the domain.
    for edge in (1e-3, 1e9):
        for m_L, m_S in ((edge, _mass(log_m_S)), (_mass(log_m_L), edge)):
            for cutoff in (max(m_L, m_S), 1e12):
                values = _observables(m_L, m_S, *ys, cutoff=cutoff)
                bad = [name for name, value in values.items() if not np.isfinite(value)]
                assert not bad, (m_L, m_S, cutoff, ys, bad)


@PROPERTY
@given(st.lists(st.tuples(log_mass, log_mass, yukawas, log_cutoff), min_size=1, max_size=12))
def test_scalar_evaluation_equals_the_same_point_inside_a_vector(
    points: list[tuple[float, float, tuple[float, float, float, float], float]],
) -> None:
    # The loop functions patch special points (m_L ~ m_S, masses ~ m_W) inside vectors:
    # a point's value must not depend on its neighbours in the batch.
    m_L = np.array([_mass(p[0]) for p in points])
    m_S = np.array([_mass(p[1]) for p in points])
    ys = np.array([p[2] for p in points]).T
    cutoff = _cutoff(np.array([p[3] for p in points]), m_L, m_S)
    vector = _observables(m_L, m_S, *ys, cutoff=cutoff)
    for i in range(len(points)):
        scalar = _observables(m_L[i], m_S[i], *ys[:, i], cutoff=cutoff[i])
        for name in OBSERVABLES:
            assert vector[name].shape == (len(points),)
            np.testing.assert_allclose(scalar[name], vector[name][i], rtol=4 * EPS, atol=0)


@PROPERTY
@given(log_mass, log_mass, yukawas, log_cutoff)
def test_sign_flips_of_the_paper_leave_every_observable_unchanged(
    log_m_L: float, log_m_S: float, ys: tuple[float, float, float, float], log_cut: float
) -> None:
    # (Y_L, Y_R) -> -(Y_L, Y_R) and (Y_R, Y_V, Y'_V) -> -(Y_R, Y_V, Y'_V) are field
    # redefinitions (likelihoods/scenarios/paper-2021.toml); sign flips are exact in IEEE.
    m_L, m_S = _mass(log_m_L), _mass(log_m_S)
    cutoff = float(_cutoff(log_cut, m_L, m_S))
    Y_L, Y_R, Y_V, Y_Vp = ys
    base = _observables(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, cutoff=cutoff)
    for flipped in ((-Y_L, -Y_R, Y_V, Y_Vp), (Y_L, -Y_R, -Y_V, -Y_Vp)):
        other = _observables(m_L, m_S, *flipped, cutoff=cutoff)
        for name in OBSERVABLES:
            assert other[name] == base[name], name


@PROPERTY
@given(
    st.sampled_from(["m_L", "m_S", "cutoff"]),
    st.one_of(
        st.floats(max_value=0.0),
        st.sampled_from([math.inf, -math.inf, math.nan, -0.0, 0.0, -1e-300]),
    ),
)
def test_non_positive_or_non_finite_masses_raise_value_error(name: str, bad: float) -> None:
    arguments: dict[str, float] = {"m_L": 500.0, "m_S": 700.0, "cutoff": 1e5}
    arguments[name] = bad
    with pytest.raises(ValueError, match=name):
        observables(
            arguments["m_L"], arguments["m_S"], 0.5, 0.5, 1.0, 0.0, cutoff=arguments["cutoff"]
        )


@PROPERTY
@given(log_mass, log_mass, yukawas, st.floats(1e-9, 9.0), st.booleans())
def test_a_cutoff_below_the_heavier_mass_is_refused_naming_both(
    log_m_L: float,
    log_m_S: float,
    ys: tuple[float, float, float, float],
    log_below: float,
    one_ulp: bool,
) -> None:
    # eq. 4 assumes the new leptons below the cutoff: any cutoff under max(m_L, m_S) (down to
    # the domain's bottom, 1e-6 GeV, or one ulp under) is refused, before any warning.
    m_L, m_S = _mass(log_m_L), _mass(log_m_S)
    heavier = max(m_L, m_S)
    below = max(heavier * 10.0**-log_below, 1e-6)
    cutoff = math.nextafter(heavier, 0.0) if one_ulp else below
    assert cutoff < heavier
    name = "m_L" if m_L >= m_S else "m_S"
    expected = f"cutoff = {cutoff!r} GeV is below {name} = {heavier!r} GeV: eq. 4's"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as error:
            observables(m_L, m_S, *ys, cutoff=cutoff)
    assert str(error.value).startswith(expected)
    # The same point inside a batch of good ones is refused too.
    with pytest.raises(InputError, match=r"^cutoff = "):
        _observables(np.array([m_L, 1e3]), np.array([m_S, 1e3]), *ys, cutoff=[cutoff, 1e5])


@FEW
@given(
    st.integers(0, 3),
    st.floats(PERTURBATIVE_LIMIT, 1e3, exclude_min=True),
    st.booleans(),
)
def test_non_perturbative_yukawas_warn(index: int, magnitude: float, negative: bool) -> None:
    ys = [0.5, 0.5, 1.0, 0.0]
    ys[index] = -magnitude if negative else magnitude
    with pytest.warns(PerturbativityWarning):
        values = observables(900.0, 600.0, *ys)
    assert all(np.isfinite(v) for v in values.values())


# ------------------------------------------------------------------ F(x, y) (loops.py)

log_xy = st.floats(-8.0, 8.0)


def _xy(log10_value: float) -> float:
    return min(max(float(10.0**log10_value), 1e-8), 1e8)


@PROPERTY
@given(log_xy, log_xy)
def test_F_is_positive_symmetric_and_within_its_simplex_bounds(log_x: float, log_y: float) -> None:
    x, y = _xy(log_x), _xy(log_y)
    F_xy = float(loop_function_F(x, y))
    F_yx = float(loop_function_F(y, x))
    assert F_xy > 0
    assert math.isfinite(F_xy)
    assert abs(F_xy - F_yx) <= 1e-13 * F_xy
    # Hermite-Genocchi: F = (x y / 12) E[1/t^2], t = sum_i l_i n_i over the nodes
    # n = (1, 1, 1, x, y) with barycentric weights l ~ Dirichlet(1, 1, 1, 1, 1) (E l_i = 1/5).
    # min(n) <= t <= max(n) gives the first pair of bounds; 1/t^2 is convex, so Jensen gives
    # E[1/t^2] >= 1/E[t]^2 = 25 / (3 + x + y)^2 and E[1/t^2] <= E[sum l_i / n_i^2]
    # = (3 + 1/x^2 + 1/y^2) / 5. Each bound is attained at x = y = 1, where F = 1/12.
    scale = x * y / 12.0
    lower = max(scale / max(1.0, x, y) ** 2, scale * 25.0 / (3.0 + x + y) ** 2)
    upper = min(scale / min(1.0, x, y) ** 2, scale * (3.0 + 1.0 / x**2 + 1.0 / y**2) / 5.0)
    slack = 1e-12
    assert lower * (1 - slack) <= F_xy <= upper * (1 + slack), (x, y, lower, F_xy, upper)


@PROPERTY
@given(log_xy, log_xy, log_xy)
def test_F_over_xy_decreases_in_each_argument(log_a: float, log_b: float, log_y: float) -> None:
    # F / (x y) = E[1/t^2] / 12 with t increasing in x at fixed weights: strictly decreasing.
    a, b = sorted((_xy(log_a), _xy(log_b)))
    y = _xy(log_y)
    G = loop_function_F(np.array([a, b]), y) / (np.array([a, b]) * y)
    assert G[0] >= G[1] * (1 - 1e-13), (a, b, y, G)


# -------------------------------------------------------------------- terms (terms.py)


def _covariance(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A random covariance: a correlation matrix from a random lower-triangular factor with
    a dominant-enough diagonal (condition number stays moderate), times random scales."""
    rng = np.random.default_rng(seed)
    factor = np.tril(rng.uniform(-1.0, 1.0, (n, n)), -1) + np.diag(rng.uniform(0.2, 1.0, n))
    gram = factor @ factor.T
    d = np.sqrt(np.diag(gram))
    correlation = gram / np.outer(d, d)
    sigma = 10.0 ** rng.uniform(-4.0, 3.0, n)
    covariance = correlation * np.outer(sigma, sigma)
    covariance = 0.5 * (covariance + covariance.T)  # exactly symmetric input
    return covariance, sigma


@PROPERTY
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 20))
def test_correlated_gaussian_is_the_quadratic_form(seed: int, n: int, points: int) -> None:
    covariance, sigma = _covariance(seed, n)
    rng = np.random.default_rng(seed + 1)
    values = rng.normal(size=n) * 10.0 ** rng.uniform(-3.0, 3.0, n)
    names = tuple(f"o{i}" for i in range(n))
    term = CorrelatedGaussian("t", names, tuple(values), tuple(map(tuple, covariance)))

    residuals = rng.normal(size=(n, points)) * sigma[:, None] * 10.0 ** rng.uniform(-2, 2)
    obs = {name: values[i] + residuals[i] for i, name in enumerate(names)}
    chi2 = term.chi2(obs)
    assert chi2.shape == (points,)
    assert np.all(chi2 >= 0)
    # Residuals as the term sees them (o - value, rounded), against numpy's solve.
    r = np.stack([obs[name] - values[i] for i, name in enumerate(names)])
    expected = np.einsum("ij,ij->j", r, np.linalg.solve(covariance, r))
    scale = np.einsum("ij,ij->j", r / sigma[:, None], r / sigma[:, None])
    np.testing.assert_allclose(chi2, expected, rtol=1e-9, atol=1e-12 * float(scale.max()))

    at_centre = term.chi2({name: np.full(3, values[i]) for i, name in enumerate(names)})
    np.testing.assert_array_equal(at_centre, np.zeros(3))

    # Reordering the observables (and the covariance with them) changes nothing.
    order = rng.permutation(n)
    permuted = CorrelatedGaussian(
        "p",
        tuple(names[i] for i in order),
        tuple(values[order]),
        tuple(map(tuple, covariance[np.ix_(order, order)])),
    )
    np.testing.assert_allclose(permuted.chi2(obs), chi2, rtol=1e-9, atol=1e-12 * scale.max())


finite = st.floats(-1e6, 1e6, allow_nan=False)
positive = st.floats(1e-6, 1e6)


@PROPERTY
@given(st.lists(finite, min_size=1, max_size=20), finite, positive)
def test_gaussian_is_non_negative_and_zero_at_its_value(
    xs: list[float], value: float, sigma: float
) -> None:
    term = Gaussian("g", "x", value, sigma)
    chi2 = term.chi2({"x": np.array(xs)})
    assert np.all(chi2 >= 0)
    assert np.all(np.isfinite(chi2))
    assert term.chi2({"x": np.array([value])})[0] == 0.0
    # Any point farther from the value costs at least as much.
    distance = np.abs(np.array(xs) - value)
    order = np.argsort(distance, kind="stable")
    assert np.all(np.diff(chi2[order]) >= 0)


@PROPERTY
@given(
    st.lists(finite, min_size=1, max_size=20),
    finite.filter(lambda b: abs(b) >= 1e-6),
    st.floats(0.1, 10.0),
)
def test_half_gaussian_bound_is_free_on_the_sm_side_and_excludes_beyond_the_bound(
    xs: list[float], bound: float, n_sigma: float
) -> None:
    term = HalfGaussianBound("h", "x", bound, n_sigma)
    x = np.array([*xs, 0.0, bound, -bound])
    chi2 = term.chi2({"x": x})
    assert np.all(chi2 >= 0)
    assert np.all(np.isfinite(chi2))
    # Nothing on the SM's side of 0 (the SM itself costs nothing).
    np.testing.assert_array_equal(chi2[x * np.sign(bound) <= 0], 0.0)
    assert chi2[-2] == pytest.approx(n_sigma**2, rel=4 * EPS)
    excluded = term.excluded({"x": x})
    agree = excluded == (chi2 > n_sigma**2)
    near_bound = np.abs(x - bound) <= 8 * EPS * abs(bound)
    assert np.all(agree | near_bound), x[~agree]


def _near(value: float, ulps: int) -> float:
    out = value
    step = math.inf if ulps > 0 else -math.inf
    for _ in range(abs(ulps)):
        out = math.nextafter(out, step)
    return out


@PROPERTY
@given(
    st.lists(st.floats(-6.0, 6.0), min_size=1, max_size=20),
    st.lists(st.integers(-8, 8), max_size=6),
    st.lists(finite, max_size=5),
    finite,
    st.sampled_from(["lower", "upper"]),
    positive,
    st.floats(0.1, 100.0),
)
def test_smooth_bound_is_non_negative_and_excluded_is_beyond_the_bound(
    offsets: list[float],
    ulps: list[int],
    raw: list[float],
    bound: float,
    side: str,
    width: float,
    chi2_at_bound: float,
) -> None:
    term = SmoothBound("b", "x", bound, side, width, chi2_at_bound)
    # Points a few widths around the bound, a few ulps from it, and anywhere.
    x = np.array(
        [bound + o * width for o in offsets] + [_near(bound, k) for k in ulps] + raw + [bound]
    )
    chi2 = term.chi2({"x": x})
    assert np.all(chi2 >= 0)
    assert np.all(np.isfinite(chi2))
    # 1 + t at the bound is 0 + 1 up to ~2 eps (1 + |bound| / width): chi2 to twice that.
    assert chi2[-1] == pytest.approx(chi2_at_bound, rel=8 * EPS * (1 + abs(bound) / width))

    beyond = x < bound if side == "lower" else x > bound
    excluded = term.excluded({"x": x})
    np.testing.assert_array_equal(excluded, beyond)
    # excluded is exactly "chi2 above its value at the bound", up to the rounding of
    # 1 + (x - bound)/width, which is formed as x/width + (1 - bound/width): a few ulps of
    # |x| + |bound| + width in x.
    agree = excluded == (chi2 > chi2_at_bound)
    rounding = 16 * EPS * (np.abs(x) + abs(bound) + width)
    assert np.all(agree | (np.abs(x - bound) <= rounding)), x[~agree]
    # Zero more than one width inside the bound (beyond the rounding).
    inside_by = (x - bound) * (1.0 if side == "lower" else -1.0)
    deep = inside_by >= width + rounding
    np.testing.assert_array_equal(chi2[deep], 0.0)


# ------------------------------------------------------ global likelihood (likelihood.py)


@functools.cache
def _likelihood(name: str, futures: tuple[str, ...]) -> GlobalLikelihood:
    return GlobalLikelihood(load_scenario(name, list(futures)))


SCENARIOS = [
    pytest.param(name, futures, id=f"{name}+{'+'.join(futures) or 'none'}")
    for name in scenario_names()
    for futures in ((), ("all",))
]
unit_points = st.lists(
    st.lists(st.floats(0.0, 1.0), min_size=8, max_size=8), min_size=1, max_size=16
)


def _inside(likelihood: GlobalLikelihood, u: list[list[float]]) -> np.ndarray:
    """Points of the unit cube mapped into the prior box (clipped against rounding)."""
    low, high = likelihood.bounds[:, 0], likelihood.bounds[:, 1]
    cube = np.array(u)[:, : likelihood.ndim]
    return np.asarray(np.clip(low + cube * (high - low), low, high))


def test_every_scenario_is_covered() -> None:
    assert len(SCENARIOS) >= 2
    assert "paper-2021" in scenario_names()


@pytest.mark.parametrize(("name", "futures"), SCENARIOS)
@FEW
@given(u=unit_points)
def test_global_chi2_is_finite_non_negative_and_the_sum_of_its_terms(
    name: str, futures: tuple[str, ...], u: list[list[float]]
) -> None:
    likelihood = _likelihood(name, futures)
    theta = _inside(likelihood, u)
    chi2 = likelihood.chi2(theta)
    assert chi2.shape == (theta.shape[0],)
    assert np.all(np.isfinite(chi2))
    assert np.all(chi2 >= 0)
    terms = likelihood.chi2_terms(theta)
    assert set(terms) == {term.name for term in likelihood.terms}
    for value in terms.values():
        assert value.shape == chi2.shape
        assert np.all(value >= 0)
        assert np.all(np.isfinite(value))
    total = np.array([math.fsum(float(v[i]) for v in terms.values()) for i in range(len(chi2))])
    np.testing.assert_allclose(chi2, total, rtol=1e-12, atol=0)


@pytest.mark.parametrize(("name", "futures"), SCENARIOS)
@FEW
@given(u=unit_points)
def test_log_prob_is_minus_half_chi2_inside_the_prior(
    name: str, futures: tuple[str, ...], u: list[list[float]]
) -> None:
    likelihood = _likelihood(name, futures)
    theta = _inside(likelihood, u)
    point = likelihood.point(theta)
    stable = point["Y_L"] * point["Y_R"] <= likelihood.scenario.max_YL_YR
    np.testing.assert_array_equal(likelihood.in_prior(theta), stable)
    log_prob = likelihood.log_prob(theta)
    chi2 = likelihood.chi2(theta)
    np.testing.assert_allclose(log_prob[stable], -0.5 * chi2[stable], rtol=1e-14, atol=0)
    assert np.all(log_prob[~stable] == -np.inf)


@pytest.mark.parametrize(("name", "futures"), SCENARIOS)
@FEW
@given(
    u=unit_points,
    column=st.integers(0, 7),
    beyond=st.floats(1e-9, 10.0),
    above=st.booleans(),
    poison=st.sampled_from([None, math.nan, math.inf, -math.inf]),
)
def test_log_prob_is_minus_infinity_outside_the_prior_box(
    name: str,
    futures: tuple[str, ...],
    u: list[list[float]],
    column: int,
    beyond: float,
    above: bool,
    poison: float | None,
) -> None:
    likelihood = _likelihood(name, futures)
    theta = _inside(likelihood, u)
    j = column % likelihood.ndim
    low, high = likelihood.bounds[j]
    outside = theta.copy()
    if poison is None:
        outside[:, j] = high + beyond * (high - low) if above else low - beyond * (high - low)
    else:
        outside[:, j] = poison
    assert not np.any(likelihood.in_prior(outside))
    np.testing.assert_array_equal(likelihood.log_prob(outside), -np.inf)
    # Mixed batches: the inside points keep their value.
    mixed = np.concatenate([theta, outside])
    expected = np.concatenate([likelihood.log_prob(theta), np.full(len(outside), -np.inf)])
    np.testing.assert_allclose(likelihood.log_prob(mixed), expected, rtol=1e-14, atol=0)
