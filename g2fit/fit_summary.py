"""The `fit` job: best fit, profiles of the masses and their 95 % CL upper limits, as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.fit import UPPER_LIMIT_DELTA_CHI2, best_fit, profile, upper_limit
from g2fit.likelihood import GlobalLikelihood, to_physical
from g2fit.scenario import Scenario

PROFILED = ("m_L", "m_S")


def _grid(likelihood: GlobalLikelihood, name: str, n: int) -> np.ndarray:
    low, high = likelihood.bounds[likelihood.names.index(name)]
    return np.linspace(low, high, n)


def fit_scenario(
    scenario: Scenario, *, seed: int = 0, n_profile: int = 25, n_profile_2d: int = 15
) -> dict[str, Any]:
    """Everything `g2fit fit` writes to fit.json (see README)."""
    likelihood = GlobalLikelihood(scenario)
    result = best_fit(likelihood, seed=seed)
    chi2_sm = likelihood.chi2_sm()
    if not (np.isfinite(chi2_sm) and np.isfinite(result.chi2_min)):
        raise InputError(
            f"scenario {scenario.name}: chi^2 is not finite with these inputs "
            f"(constants {scenario.constants.as_dict()})"
        )
    chi2_min = result.chi2_min
    profiles: dict[str, Any] = {}
    limits: dict[str, float | None] = {}
    free_masses = [name for name in PROFILED if name in likelihood.names]
    for name in free_masses:
        grid = _grid(likelihood, name, n_profile)
        values = profile(likelihood, [name], grid[:, None], seed=seed)
        chi2_min = min(chi2_min, float(values.min()))
        parameter = likelihood.parameters[likelihood.names.index(name)]
        profiles[name] = {"values": to_physical(parameter, grid).tolist(), "chi2": values.tolist()}
    for name in free_masses:
        grid = _grid(likelihood, name, n_profile)
        limits[name] = upper_limit(
            likelihood, name, grid, np.array(profiles[name]["chi2"]), chi2_min
        )
    profile_2d: dict[str, Any] | None = None
    if len(free_masses) == 2:
        axes = [_grid(likelihood, name, n_profile_2d) for name in free_masses]
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
        values = profile(likelihood, free_masses, mesh, seed=seed)
        chi2_min = min(chi2_min, float(values.min()))
        parameters = [likelihood.parameters[likelihood.names.index(n)] for n in free_masses]
        profile_2d = {
            "axes": free_masses,
            free_masses[0]: to_physical(parameters[0], axes[0]).tolist(),
            free_masses[1]: to_physical(parameters[1], axes[1]).tolist(),
            "chi2": values.reshape(n_profile_2d, n_profile_2d).tolist(),
        }
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
        "chi2_min_migrad": result.chi2_min,
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
