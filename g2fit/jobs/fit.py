"""The `fit` job: best fit, profiles of the masses and their 95 % CL upper limits, as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.inference.fit import (
    RESTART_TOLERANCE,
    UPPER_LIMIT_DELTA_CHI2,
    best_fit,
    profile,
    upper_limit,
)
from g2fit.likelihood.global_likelihood import GlobalLikelihood, to_physical
from g2fit.likelihood.scenario import Scenario

PROFILED = ("m_L", "m_S")


def _grid(likelihood: GlobalLikelihood, name: str, n: int) -> np.ndarray:
    low, high = likelihood.bounds[likelihood.names.index(name)]
    return np.linspace(low, high, n)


def fit_scenario(
    scenario: Scenario, *, seed: int = 0, n_profile: int = 25, n_profile_2d: int = 15
) -> dict[str, Any]:
    """Everything `g2fit fit` writes to fit.json (see README).

    The best fit is the lowest point found: MIGRAD from a scan, then the 1-D and 2-D
    profiles; if a profile point lies lower, the fit (MIGRAD, HESSE, MINOS) restarts from
    it and the lower of the two is kept. Everything is then reported at that one point, and
    the upper limits are taken relative to its chi2_min.
    """
    likelihood = GlobalLikelihood(scenario)
    result = best_fit(likelihood, seed=seed)
    chi2_sm = likelihood.chi2_sm()
    if not (np.isfinite(chi2_sm) and np.isfinite(result.chi2_min)):
        raise InputError(
            f"scenario {scenario.name}: chi^2 is not finite with these inputs "
            f"(constants {scenario.constants.as_dict()})"
        )
    profiles: dict[str, Any] = {}
    lowest: list[tuple[float, np.ndarray, str]] = []
    free_masses = [name for name in PROFILED if name in likelihood.names]
    for name in free_masses:
        grid = _grid(likelihood, name, n_profile)
        found = profile(likelihood, [name], grid[:, None], seed=seed)
        parameter = likelihood.parameters[likelihood.names.index(name)]
        profiles[name] = {
            "values": to_physical(parameter, grid).tolist(),
            "chi2": found.chi2.tolist(),
        }
        best = int(np.argmin(found.chi2))
        lowest.append((float(found.chi2[best]), found.theta[best], f"profile of {name}"))
    profile_2d: dict[str, Any] | None = None
    if len(free_masses) == 2:
        axes = [_grid(likelihood, name, n_profile_2d) for name in free_masses]
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
        found = profile(likelihood, free_masses, mesh, seed=seed)
        parameters = [likelihood.parameters[likelihood.names.index(n)] for n in free_masses]
        profile_2d = {
            "axes": free_masses,
            free_masses[0]: to_physical(parameters[0], axes[0]).tolist(),
            free_masses[1]: to_physical(parameters[1], axes[1]).tolist(),
            "chi2": found.chi2.reshape(n_profile_2d, n_profile_2d).tolist(),
        }
        best = int(np.argmin(found.chi2))
        lowest.append((float(found.chi2[best]), found.theta[best], "2-D profile"))
    start = "scan"
    if lowest:
        value, theta, where = min(lowest, key=lambda item: item[0])
        if value < result.cost_min - RESTART_TOLERANCE:
            restarted = best_fit(likelihood, starts=theta[None, :])
            if restarted.cost_min < result.cost_min:
                result, start = restarted, where
    chi2_min = result.chi2_min
    limits: dict[str, float | None] = {}
    for name in free_masses:
        grid = _grid(likelihood, name, n_profile)
        limits[name] = upper_limit(
            likelihood, name, grid, np.array(profiles[name]["chi2"]), chi2_min
        )
    return {
        "g2fit_version": __version__,
        "scenario": scenario.name,
        "description": scenario.description,
        "futures": scenario.spec["futures"],
        "seed": seed,
        "best_fit": result.best_fit,
        "fit_valid": result.valid,
        "at_limit": result.at_limit,
        "hesse_errors_internal": result.hesse_errors,
        "minos_68": result.minos,
        "chi2_min": chi2_min,
        "best_fit_start": start,
        "chi2_sm": chi2_sm,
        "terms": result.terms,
        "terms_sm": likelihood.chi2_terms_sm(),
        "upper_limits_95": limits,
        "upper_limit_test": (
            f"profile likelihood ratio, Wilks, 1 dof, one-sided 95% CL: "
            f"Delta chi2 = {UPPER_LIMIT_DELTA_CHI2:.3f} above the minimum"
        ),
        "profiles": profiles,
        "profile_2d": profile_2d,
        "inputs": {**likelihood.describe(), "scenario_file": scenario.spec["table"]},
        "measurements": scenario.spec["measurements"],
    }


def format_fit_table(document: dict[str, Any]) -> str:
    """A short table: per-term chi^2 and pulls at the best fit and for the SM."""
    lines = [f"scenario {document['scenario']}: {document['description']}", ""]
    lines.append(f"{'term':<26} {'chi2 fit':>9} {'pull':>6} {'chi2 SM':>9} {'pull':>6}")
    for name, chi2 in document["terms"].items():
        sm = document["terms_sm"][name]
        lines.append(
            f"{name:<26} {chi2:>9.3f} {np.sqrt(chi2):>6.2f} {sm:>9.3f} {np.sqrt(sm):>6.2f}"
        )
    lines.append(f"{'total':<26} {document['chi2_min']:>9.3f} {'':>6} {document['chi2_sm']:>9.3f}")
    delta = document["chi2_sm"] - document["chi2_min"]
    lines.append(f"chi2_SM - chi2_min = {delta:.3f}; fit valid: {document['fit_valid']}")
    lines.append(
        "best fit: " + ", ".join(f"{k} = {v:.4g}" for k, v in document["best_fit"].items())
    )
    limits = ", ".join(
        f"{k} < {v:.0f} GeV" if v is not None else f"{k}: no limit within the prior range"
        for k, v in document["upper_limits_95"].items()
    )
    lines.append(f"95% CL upper limits (one-sided, profile likelihood): {limits}")
    return "\n".join(lines)
