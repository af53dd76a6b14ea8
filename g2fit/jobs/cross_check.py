"""`compare --posterior RUN --cross-check OTHER`: does RUN's posterior agree with another
engine's? OTHER is a run folder (another seed, or `mcmc --sampler nested`) or `prior-mc`
(plain Monte Carlo over the prior, exact up to its Monte-Carlo error).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from g2fit.errors import InputError
from g2fit.inference.crosscheck import Draws, compare_draws
from g2fit.inference.prior_mc import WeightedPosterior, prior_monte_carlo
from g2fit.io.posterior import load_posterior, run_attrs
from g2fit.jobs.compare import excluded_flags, point_of, scenario_of_run
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import Scenario

#: `--cross-check prior-mc`: prior draws (~1 us each; ln Z to ~0.02 on current-free-couplings).
PRIOR_MC_DRAWS = 20_000_000
PRIOR_MC = "prior-mc"


def _fraction_name(future: str) -> str:
    return f"excluded by {future}"


def run_draws(run: Path, futures: list[str]) -> tuple[Draws, Scenario]:
    """A run's posterior as Draws: its parameters and each future's exclusion flags."""
    scenario, attrs = scenario_of_run(run)
    frame = load_posterior(run)
    shape = (int(frame["chain"].max()) + 1, int(frame["draw"].max()) + 1)
    point = point_of(frame, scenario)
    _, flags, _ = excluded_flags(scenario, point, futures)
    values = {p.name: point[p.name] for p in scenario.parameters}
    values.update({_fraction_name(f): flags[f].astype(float) for f in futures})
    label = f"{attrs.get('sampler', 'emcee')} {run.name}"
    fractions = tuple(_fraction_name(f) for f in futures)
    return Draws(label, values, shape=shape, fractions=fractions), scenario


def prior_mc_draws(
    scenario: Scenario, futures: list[str], draws: int, seed: int
) -> tuple[Draws, WeightedPosterior]:
    """The scenario's posterior by plain Monte Carlo over the prior, as weighted Draws, and
    the weighted sample itself (with the evidence)."""
    likelihood = GlobalLikelihood(scenario)
    reference = prior_monte_carlo(likelihood, draws, seed)
    point = likelihood.point(reference.positions)
    _, flags, _ = excluded_flags(scenario, point, futures)
    values = {p.name: point[p.name] for p in scenario.parameters}
    values.update({_fraction_name(f): flags[f].astype(float) for f in futures})
    fractions = tuple(_fraction_name(f) for f in futures)
    label = f"{PRIOR_MC} ({draws:.0e} draws)"
    return Draws(label, values, weights=reference.weights, fractions=fractions), reference


def cross_check(run: Path, other: str, futures: list[str], seed: int = 1) -> dict[str, Any]:
    """Compare RUN's posterior with OTHER's (a run folder of the same scenario, or prior-mc)."""
    draws, scenario = run_draws(run, futures)
    if other == PRIOR_MC:
        reference, _ = prior_mc_draws(scenario, futures, PRIOR_MC_DRAWS, seed)
    else:
        other_path = Path(other)
        other_scenario, _ = scenario_of_run(other_path)
        if other_scenario.label != scenario.label or (
            GlobalLikelihood(other_scenario).sha256() != GlobalLikelihood(scenario).sha256()
        ):
            raise InputError(
                f"argument --cross-check: {other} holds a posterior of "
                f"{other_scenario.label!r}, not of {scenario.label!r}'s likelihood"
            )
        run_attrs(other_path)
        reference, _ = run_draws(other_path, futures)
    return compare_draws(draws, reference, [p.name for p in scenario.parameters])
