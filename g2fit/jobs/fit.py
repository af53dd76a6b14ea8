"""The `fit` job: best fit, profiles of the masses and their 95 % CL upper limits, as JSON."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.inference.fit import (
    RESTART_TOLERANCE,
    UPPER_LIMIT_DELTA_CHI2,
    FitResult,
    best_fit,
    profile,
    upper_limit,
)
from g2fit.io.files import FIT_FILE, owned_folder, prepare_output_folder, write_json
from g2fit.jobs.run_folder import SCENARIO_FILE, check_folder_results
from g2fit.likelihood.global_likelihood import GlobalLikelihood, to_physical
from g2fit.likelihood.scenario import Scenario

PROFILED = ("m_L", "m_S")
#: A candidate for the lowest point: (chi^2, theta, where it was found).
Candidate = tuple[float, np.ndarray, str]


@dataclasses.dataclass(frozen=True)
class FitReport:
    """What `g2fit fit` found and wrote: fit.json's document and its path."""

    document: dict[str, Any]
    path: Path

    def table(self) -> str:
        """A short table: per-term chi^2 and pulls at the best fit and for the SM."""
        return format_fit_table(self.document)


def _grid(likelihood: GlobalLikelihood, name: str, n: int) -> np.ndarray:
    low, high = likelihood.bounds[likelihood.names.index(name)]
    return np.linspace(low, high, n)


def _profiles_1d(
    likelihood: GlobalLikelihood, names: list[str], n: int, seed: int
) -> tuple[dict[str, Any], list[Candidate]]:
    """The 1-D profile of each mass (physical values and chi^2), and each one's lowest point."""
    profiles: dict[str, Any] = {}
    lowest: list[Candidate] = []
    for name in names:
        grid = _grid(likelihood, name, n)
        found = profile(likelihood, [name], grid[:, None], seed=seed)
        parameter = likelihood.parameters[likelihood.names.index(name)]
        profiles[name] = {
            "values": to_physical(parameter, grid).tolist(),
            "chi2": found.chi2.tolist(),
        }
        best = int(np.argmin(found.chi2))
        lowest.append((float(found.chi2[best]), found.theta[best], f"profile of {name}"))
    return profiles, lowest


def _profile_2d(
    likelihood: GlobalLikelihood, names: list[str], n: int, seed: int
) -> tuple[dict[str, Any], Candidate]:
    """The 2-D profile over the two masses on an n x n grid, and its lowest point."""
    axes = [_grid(likelihood, name, n) for name in names]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    found = profile(likelihood, names, mesh, seed=seed)
    parameters = [likelihood.parameters[likelihood.names.index(name)] for name in names]
    document = {
        "axes": names,
        names[0]: to_physical(parameters[0], axes[0]).tolist(),
        names[1]: to_physical(parameters[1], axes[1]).tolist(),
        "chi2": found.chi2.reshape(n, n).tolist(),
    }
    best = int(np.argmin(found.chi2))
    return document, (float(found.chi2[best]), found.theta[best], "2-D profile")


def _lowest(
    likelihood: GlobalLikelihood, result: FitResult, candidates: list[Candidate]
) -> tuple[FitResult, str]:
    """The fit restarted from the lowest profile point if that lies below it; where it came from."""
    if candidates:
        value, theta, where = min(candidates, key=lambda item: item[0])
        if value < result.cost_min - RESTART_TOLERANCE:
            restarted = best_fit(likelihood, starts=theta[None, :])
            if restarted.cost_min < result.cost_min:
                return restarted, where
    return result, "scan"


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
    free_masses = [name for name in PROFILED if name in likelihood.names]
    profiles, candidates = _profiles_1d(likelihood, free_masses, n_profile, seed)
    profile_2d: dict[str, Any] | None = None
    if len(free_masses) == 2:
        profile_2d, lowest_2d = _profile_2d(likelihood, free_masses, n_profile_2d, seed)
        candidates.append(lowest_2d)
    result, start = _lowest(likelihood, result, candidates)
    limits = {
        name: upper_limit(
            likelihood,
            name,
            _grid(likelihood, name, n_profile),
            np.array(profiles[name]["chi2"]),
            result.chi2_min,
            best=float(result.theta[likelihood.names.index(name)]),
        )
        for name in free_masses
    }
    found = {"profiles": profiles, "profile_2d": profile_2d, "upper_limits_95": limits}
    return _document(scenario, likelihood, result, start, seed, found)


def _document(
    scenario: Scenario,
    likelihood: GlobalLikelihood,
    result: FitResult,
    start: str,
    seed: int,
    found: dict[str, Any],
) -> dict[str, Any]:
    """fit.json: the best fit and everything reported at it, the profiles and every input."""
    return {
        "g2fit_version": __version__,
        "scenario": scenario.name,
        "description": scenario.description,
        "futures": list(scenario.futures),
        "seed": seed,
        "best_fit": result.best_fit,
        "fit_valid": result.valid,
        "at_limit": result.at_limit,
        "hesse_errors_internal": result.hesse_errors,
        "minos_68": result.minos,
        "chi2_min": result.chi2_min,
        "best_fit_start": start,
        "chi2_sm": likelihood.chi2_sm(),
        "terms": result.terms,
        "terms_sm": likelihood.chi2_terms_sm(),
        "upper_limits_95": found["upper_limits_95"],
        "upper_limit_test": (
            f"profile likelihood ratio, Wilks, 1 dof, one-sided 95% CL: "
            f"Delta chi2 = {UPPER_LIMIT_DELTA_CHI2:.3f} above the minimum"
        ),
        "profiles": found["profiles"],
        "profile_2d": found["profile_2d"],
        "inputs": {**likelihood.describe(), SCENARIO_FILE: scenario.source},
        "measurements": scenario.measurements,
    }


def run_fit(
    scenario: Scenario, out: Path, *, seed: int = 0, n_profile: int = 25, n_profile_2d: int = 15
) -> FitReport:
    """Fit the scenario and write OUT/fit.json; OUT is locked meanwhile, and refused if it
    holds another scenario's results or the fit of another seed."""
    prepare_output_folder(out)
    with owned_folder(out):
        check_folder_results(out, GlobalLikelihood(scenario), fit_seed=seed)
        document = fit_scenario(scenario, seed=seed, n_profile=n_profile, n_profile_2d=n_profile_2d)
        write_json(out / FIT_FILE, document)
    return FitReport(document, out / FIT_FILE)


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
