"""A scenario's own walker count (mcmc_walkers) is the default of `g2fit mcmc`, the API and
`compare --scenarios` alike, and --walkers overrides it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import emcee
import numpy as np
import pytest

from g2fit.api import _emcee_settings
from g2fit.cli_parser import build_parser
from g2fit.inference.sampler import VectorizedSampler
from g2fit.jobs.defaults import DEFAULT_WALKERS
from g2fit.likelihood.scenario import load_scenario

SCENARIOS = Path(__file__).parents[3] / "likelihoods" / "scenarios"


def test_current_names_its_walkers_and_its_variants_inherit_them() -> None:
    declared = tomllib.loads((SCENARIOS / "current.toml").read_text())["mcmc_walkers"]
    assert load_scenario("current").mcmc_walkers == declared
    assert load_scenario("current-plain-cut").mcmc_walkers == declared  # extends current
    assert load_scenario("paper-2021").mcmc_walkers is None


def test_the_cli_leaves_walkers_to_the_scenario_unless_given() -> None:
    parser = build_parser()
    assert parser.parse_args(["mcmc", "--scenario", "current"]).walkers is None
    assert parser.parse_args(["mcmc", "--walkers", "64"]).walkers == 64
    given = {"walkers": None, "steps": None, "burn": None, "thin": None}
    assert _emcee_settings(0, (None, 256), given, False).run.walkers == 256
    assert _emcee_settings(0, (None, None), given, False).run.walkers == DEFAULT_WALKERS
    chosen = {**given, "walkers": 64}
    assert _emcee_settings(0, (None, 256), chosen, False).run.walkers == 64


def test_vectorized_sampler_needs_a_vectorized_log_prob() -> None:
    def log_prob(x: np.ndarray) -> float:
        return -0.5 * float(np.sum(x**2))

    with pytest.raises(ValueError, match="vectorized"):
        VectorizedSampler(8, 2, log_prob)
    assert emcee.EnsembleSampler(8, 2, log_prob) is not None  # emcee's own takes it
