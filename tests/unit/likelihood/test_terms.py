"""Likelihood terms against textbook formulas and the paper's published bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from g2fit.likelihood.scenario import load_scenario, load_terms
from g2fit.likelihood.terms import CorrelatedGaussian, Gaussian, HalfGaussianBound, SmoothBound
from g2fit.model.constants import DEFAULT_CONSTANTS

V = DEFAULT_CONSTANTS.v


def test_correlated_gaussian_equals_the_textbook_formula() -> None:
    sigma = np.array([0.3, 1.5, 0.02])
    rho = np.array([[1.0, 0.4, -0.3], [0.4, 1.0, 0.6], [-0.3, 0.6, 1.0]])
    covariance = rho * np.outer(sigma, sigma)
    values = (0.1, -2.0, 0.05)
    term = CorrelatedGaussian("t", ("a", "b", "c"), values, tuple(map(tuple, covariance)))
    rng = np.random.default_rng(1)
    points = rng.normal(size=(3, 50)) * sigma[:, None]
    obs = {"a": points[0], "b": points[1], "c": points[2]}
    inverse = np.linalg.inv(covariance)
    for i in range(50):
        r = points[:, i] - np.array(values)
        assert term.chi2(obs)[i] == pytest.approx(float(r @ inverse @ r), rel=1e-12)


def test_gaussian_and_half_gaussian_closed_forms() -> None:
    obs = {"x": np.array([-3.0, 0.0, 1.0, 5.0])}
    np.testing.assert_allclose(Gaussian("g", "x", 1.0, 2.0).chi2(obs), [4.0, 0.25, 0.0, 4.0])
    half = HalfGaussianBound("h", "x", -2.0, 2.0)
    np.testing.assert_allclose(half.chi2(obs), [9.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("side", ["lower", "upper"])
def test_smooth_bound_is_its_cut_at_the_bound(side: str) -> None:
    term = SmoothBound("b", "x", 10.0, side, 0.5, 3.84)
    sign = 1.0 if side == "lower" else -1.0
    at = {"x": np.array([10.0])}
    assert term.chi2(at)[0] == pytest.approx(3.84, rel=1e-14)
    half_inside = {"x": np.array([10.0 + sign * 0.25])}  # half a width inside
    assert term.chi2(half_inside)[0] == pytest.approx(3.84 / 4, rel=1e-12, abs=0)
    one_inside = {"x": np.array([10.0 + sign * 0.5, 10.0 + sign * 3.0])}
    np.testing.assert_array_equal(term.chi2(one_inside), [0.0, 0.0])
    beyond = {"x": np.array([10.0 - sign * 1.0])}  # two widths beyond: 3.84 (1 + 2)^2
    assert term.chi2(beyond)[0] == pytest.approx(3.84 * 9, rel=1e-12)
    far = {"x": np.array([10.0 - sign * 1e6])}
    assert np.isfinite(term.chi2(far)[0])
    assert term.chi2(far)[0] > 1e13
    x = np.linspace(5, 15, 1001)
    excluded = term.excluded({"x": x})
    np.testing.assert_array_equal(excluded, term.chi2({"x": x}) > 3.84 * (1 + 1e-12))


def _terms(scenario: str) -> dict[str, object]:
    return {t.name: t for t in load_scenario(scenario).terms}


def test_eq_17_comes_out_of_the_ew_fit_central_values_minus_two_sigma() -> None:
    terms = _terms("paper-2021")
    bound_W, bound_Z = terms["ew-eq17-W"], terms["ew-eq17-Z"]
    assert isinstance(bound_W, SmoothBound)
    assert isinstance(bound_Z, SmoothBound)
    # Y^2 v^2 / m^2 = -2 delta g (eq. 16); the paper: < 1.6e-2 and < 5.6e-3.
    assert -2 * bound_W.bound == pytest.approx(1.6e-2, abs=0.05e-2)
    assert -2 * bound_Z.bound == pytest.approx(5.6e-3, abs=0.05e-3)
    assert bound_W.chi2_at_bound == bound_Z.chi2_at_bound == 4.0  # 2 sigma


def _mixing_bound_from_R_tau(R_tau_bound: float) -> float:
    # R_tau = R_SM (1 + dg)^2 and Y_L^2 v^2/m_S^2 = -2 dg (eq. 16), solved for the mixing.
    return -2.0 * (math.sqrt(R_tau_bound / DEFAULT_CONSTANTS.R_tau_SM) - 1.0)


def test_eq_18_comes_out_of_the_paper_tau_rule() -> None:
    rule = _terms("paper-2021")["tau-pdg2020-paper-rule"]
    assert isinstance(rule, SmoothBound)
    # The rule by hand: SM pull (0.9726 - 0.9762)/0.0028; the cut 2 sigma beyond it.
    by_hand = 0.9762 - (abs(0.9726 - 0.9762) / 0.0028 + 2.0) * 0.0028
    assert rule.bound == pytest.approx(by_hand, rel=1e-12, abs=0)
    # The paper quotes 5.7e-3 (eq. 18); the rule gives 5.77e-3, so it truncated.
    assert _mixing_bound_from_R_tau(rule.bound) == pytest.approx(5.7e-3, abs=0.1e-3)


def test_plain_gaussian_tau_bound_is_tighter_than_the_paper_rule() -> None:
    (gaussian,) = load_terms(["tau-pdg2020"])
    assert isinstance(gaussian, Gaussian)
    r_sm = DEFAULT_CONSTANTS.R_tau_SM

    def delta_chi2(mixing: float) -> float:  # R_tau at Y_L^2 v^2/m_S^2 = mixing (eq. 16)
        obs = {"R_tau": np.array([r_sm * (1 - mixing / 2) ** 2, r_sm])}
        chi2 = gaussian.chi2(obs)
        return float(chi2[0] - chi2[1] - 4.0)

    bound = optimize.brentq(delta_chi2, 0.0, 0.05)
    # By hand: |pull| <= sqrt(pull_SM^2 + 4) with pull_SM = (0.9726 - 0.9762)/0.0028.
    pull = math.sqrt(((0.9726 - 0.9762) / 0.0028) ** 2 + 4)
    by_hand = 2 * (1 - math.sqrt((0.9762 - pull * 0.0028) / 0.9726))
    assert bound == pytest.approx(by_hand, rel=1e-9)
    assert bound < 0.6 * 5.7e-3
