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
from g2fit.io.files import (
    FIT_FILE,
    POSTERIOR_FILE,
    json_text,
    owned_folder,
    prepare_output_folder,
    write_files,
)
from g2fit.jobs.progress import Stage, quiet
from g2fit.jobs.run_folder import SCENARIO_FILE, check_folder_results
from g2fit.likelihood.global_likelihood import GlobalLikelihood, to_physical
from g2fit.likelihood.scenario import Scenario

PROFILED = ("m_L", "m_S")
#: The posterior's corner plot, written by mcmc and redrawn by fit.
CORNER_FILE = "corner.png"
#: A candidate for the lowest point: (chi^2, theta, where it was found).
Candidate = tuple[float, np.ndarray, str]


@dataclasses.dataclass(frozen=True)
class FitReport:
    """What `g2fit fit` found and wrote: fit.json's document and its path, and the corner
    plot redrawn with the best fit marked when the folder holds a posterior."""

    document: dict[str, Any]
    path: Path
    corner: Path | None = None

    def table(self) -> str:
        """A short table: per-term chi^2 and pulls at the best fit and for the SM."""
        return format_fit_table(self.document)


def _grid(likelihood: GlobalLikelihood, name: str, n: int) -> np.ndarray:
    low, high = likelihood.bounds[likelihood.names.index(name)]
    return np.linspace(low, high, n)


def _profiles_1d(
    likelihood: GlobalLikelihood, names: list[str], n: int, seed: int, stage: Stage = quiet
) -> tuple[dict[str, Any], list[Candidate]]:
    """The 1-D profile of each mass (physical values and chi^2), and each one's lowest point."""
    profiles: dict[str, Any] = {}
    lowest: list[Candidate] = []
    for name in names:
        stage(f"fit: profile of {name} ({n} points)...")
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
    scenario: Scenario,
    *,
    seed: int = 0,
    n_profile: int = 25,
    n_profile_2d: int = 15,
    stage: Stage = quiet,
) -> dict[str, Any]:
    """Everything `g2fit fit` writes to fit.json (see README).

    The best fit is the lowest point found: MIGRAD from a scan, then the 1-D and 2-D
    profiles; if a profile point lies lower, the fit (MIGRAD, HESSE, MINOS) restarts from
    it and the lower of the two is kept. Everything is then reported at that one point, and
    the upper limits are taken relative to its chi2_min. `stage` is told each step as it starts.
    """
    likelihood = GlobalLikelihood(scenario)
    stage(f"fit: {scenario.name}: scanning the prior, then MIGRAD, HESSE and MINOS...")
    result = best_fit(likelihood, seed=seed)
    chi2_sm = likelihood.chi2_sm()
    if not (np.isfinite(chi2_sm) and np.isfinite(result.chi2_min)):
        raise InputError(
            f"scenario {scenario.name}: chi^2 is not finite with these inputs "
            f"(constants {scenario.constants.as_dict()})"
        )
    free_masses = [name for name in PROFILED if name in likelihood.names]
    profiles, candidates = _profiles_1d(likelihood, free_masses, n_profile, seed, stage)
    profile_2d: dict[str, Any] | None = None
    if len(free_masses) == 2:
        stage(f"fit: 2-D profile of m_L, m_S ({n_profile_2d} x {n_profile_2d} points)...")
        profile_2d, lowest_2d = _profile_2d(likelihood, free_masses, n_profile_2d, seed)
        candidates.append(lowest_2d)
    result, start = _lowest(likelihood, result, candidates)
    stage(f"fit: 95% CL upper limits of {', '.join(free_masses) or 'no mass'}...")
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
        "minos_68_note": _minos_note(result),
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


def _minos_note(result: FitResult) -> str | None:
    """Why minos_68 lacks parameters (None when it has them all), for fit.json."""
    if not result.minos_missing:
        return None
    reasons = "; ".join(f"{name}: {why}" for name, why in result.minos_missing.items())
    return f"no MINOS 68% interval for {', '.join(result.minos_missing)} ({reasons})"


def run_fit(
    scenario: Scenario,
    out: Path,
    *,
    seed: int = 0,
    n_profile: int = 25,
    n_profile_2d: int = 15,
    stage: Stage = quiet,
) -> FitReport:
    """Fit the scenario and write OUT/fit.json; OUT is locked meanwhile, and refused if it
    holds another scenario's results or the fit of another seed. A posterior already in OUT
    gets its corner.png redrawn with the best fit marked. `stage` hears each step."""
    prepare_output_folder(out)
    with owned_folder(out):
        likelihood = GlobalLikelihood(scenario)
        check_folder_results(out, likelihood, fit_seed=seed)
        document = fit_scenario(
            scenario, seed=seed, n_profile=n_profile, n_profile_2d=n_profile_2d, stage=stage
        )
        files: list[tuple[Path, str | bytes]] = [(out / FIT_FILE, json_text(document))]
        if (out / POSTERIOR_FILE).exists():
            stage("fit: redrawing corner.png with the best fit marked...")
            files.append((out / CORNER_FILE, corner_with_best_fit(out, likelihood, document)))
        write_files(files)
    corner = out / CORNER_FILE if len(files) > 1 else None
    return FitReport(document, out / FIT_FILE, corner)


def corner_with_best_fit(
    out: Path, likelihood: GlobalLikelihood, document: dict[str, Any]
) -> bytes:
    """The corner plot of the posterior in OUT (as mcmc draws it) with fit.json's best fit
    marked, as PNG bytes."""
    from g2fit.io.figures import corner_plot  # matplotlib and arviz load on use
    from g2fit.io.posterior import load_posterior

    frame = load_posterior(out)
    samples = {name: frame[name].to_numpy() for name in likelihood.names}
    truths = {name: float(value) for name, value in document["best_fit"].items()}
    return corner_plot(samples, truths, f"{likelihood.scenario.name}: {len(frame)} samples")


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
