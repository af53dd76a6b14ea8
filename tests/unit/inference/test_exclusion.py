"""Excluded fractions and their Monte-Carlo errors against direct counts and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from g2fit.inference.exclusion import (
    EXCLUSION_DELTA_CHI2,
    excluded,
    fraction_with_error,
    summarize_exclusion,
)
from g2fit.likelihood.terms import Gaussian, SmoothBound


def test_threshold_is_the_one_dof_95_quantile() -> None:
    assert pytest.approx(1.959963984540054**2, rel=1e-12) == EXCLUSION_DELTA_CHI2


def test_gaussians_sum_and_a_cut_is_its_cut() -> None:
    obs = {"a": np.array([0.0, 1.5, 2.0, 1.5]), "b": np.array([0.0, 0.0, 0.0, 1.5])}
    sm = {"a": np.zeros(1), "b": np.zeros(1)}
    a, b = Gaussian("a", "a", 0.0, 1.0), Gaussian("b", "b", 0.0, 1.0)
    np.testing.assert_array_equal(excluded([a], obs, sm), [False, False, True, False])
    np.testing.assert_array_equal(excluded([a, b], obs, sm), [False, False, True, True])
    cut = SmoothBound("m", "a", 1.0, "lower", 0.1, 3.84)
    np.testing.assert_array_equal(excluded([cut], obs, sm), [True, False, False, False])


def test_fraction_is_a_direct_count_and_error_shrinks_as_one_over_root_n() -> None:
    rng = np.random.default_rng(0)
    flags = rng.random(10_000) < 0.3
    natural = rng.random(10_000) < 0.25
    summary = summarize_exclusion(flags, natural, effective_size=10_000)
    assert summary.excluded_fraction == flags.sum() / 10_000
    assert summary.excluded_fraction_natural == flags[natural].sum() / natural.sum()
    f = summary.excluded_fraction
    assert summary.mc_error == pytest.approx(np.sqrt(f * (1 - f) / 10_000), rel=1e-12, abs=0)
    _, error_4n = fraction_with_error(flags, 40_000)
    assert error_4n == pytest.approx(summary.mc_error / 2, rel=1e-12, abs=0)


def test_a_cut_is_not_added_to_the_projections() -> None:
    # Inside a cut its smoothing still gives chi^2 > 0; that must not tip a sub-threshold
    # Gaussian over: the cut excludes on its own, the projections on their own.
    cut = SmoothBound("reach", "m", 1250.0, "lower", 62.5, 3.84)
    gaussian = Gaussian("g", "a", 0.0, 1.0)
    obs = {"m": np.array([1260.0, 1200.0, 2000.0]), "a": np.array([1.9, 0.0, 2.0])}
    sm = {"m": np.array([np.inf]), "a": np.zeros(1)}
    assert cut.chi2(obs)[0] > 3.84 - 1.9**2  # the sum would exceed 3.84
    np.testing.assert_array_equal(excluded([cut, gaussian], obs, sm), [False, True, True])


def test_rule_of_three_when_nothing_or_everything_is_excluded() -> None:
    assert fraction_with_error(np.zeros(100, dtype=bool), 50.0) == (0.0, 3.0 / 50.0)
    assert fraction_with_error(np.ones(100, dtype=bool), 300.0) == (1.0, 0.01)


def test_no_natural_samples_is_reported_as_none() -> None:
    summary = summarize_exclusion(np.array([True, False]), np.array([False, False]), 2.0)
    assert summary.excluded_fraction_natural is None
    assert summary.n_natural == 0
