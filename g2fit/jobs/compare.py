"""`compare`: what each future experiment rules out of a posterior, and scenarios side by side."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from g2fit.errors import InputError
from g2fit.inference.exclusion import (
    EXCLUSION_DELTA_CHI2,
    excluded,
    natural_mask,
    summarize_exclusion,
)
from g2fit.io.posterior import effective_sample_size, load_posterior, run_attrs
from g2fit.jobs.run_folder import FIT_FILE, POSTERIOR_FILE, check_folder_results, read_fit
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import (
    MODEL_PARAMETERS,
    Scenario,
    future_names,
    future_term_names,
    load_scenario,
)
from g2fit.model.constants import Constants

#: The single experiments compared by default, then the combinations always added.
DEFAULT_FUTURES = ("hl-lhc", "ilc", "gigaz", "cepc", "fcc-ee")
COMBINATIONS = ("lepton-colliders", "all")
TEST = (
    "a posterior sample is excluded when the chi^2 of the future's projections (SM-like "
    f"Asimov data, SM chi^2 = 0) exceeds {EXCLUSION_DELTA_CHI2:.2f}, the 1-dof 95% CL "
    "quantile (a cut-like single term: its cut)"
)


def check_futures(names: list[str]) -> list[str]:
    valid = future_names()
    for name in names:
        if name not in valid:
            raise InputError(f"unknown future {name!r}; valid: {', '.join(valid)}")
    return [*names, *[c for c in COMBINATIONS if c not in names]]


def convergence_of(attrs: dict[str, Any]) -> dict[str, Any]:
    """The convergence a run recorded: converged, the warnings, the rule applied."""
    recorded = attrs.get("convergence")
    if (
        isinstance(recorded, dict)
        and isinstance(recorded.get("converged"), bool)
        and isinstance(recorded.get("warnings"), list)
    ):
        return recorded
    return {
        "converged": False,
        "warnings": ["no convergence record (a run of an earlier g2fit)"],
        "rule": None,
    }


def scenario_of_run(run: Path) -> tuple[Scenario, dict[str, Any]]:
    """The scenario a posterior was sampled from, with the run's own constants."""
    attrs = run_attrs(run)
    try:
        constants = Constants.from_dict(attrs["constants"])
        name, futures = str(attrs["scenario"]), list(attrs.get("futures") or [])
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{run}: the posterior's attributes are incomplete ({error})") from None
    return load_scenario(name, futures, constants=constants), attrs


def future_terms(scenario: Scenario, future: str) -> list[Any]:
    names = future_term_names(future)
    with_future = load_scenario(scenario.name, [future], constants=scenario.constants)
    return [t for t in with_future.terms if t.name in names]


def frequentist(scenario: Scenario, future: str) -> dict[str, Any]:
    """Best fit with the future's (SM-like) data added: does the model still explain Delta a_mu?"""
    from g2fit.inference.fit import best_fit

    combined = load_scenario(
        scenario.name, [*scenario.spec["futures"], future], constants=scenario.constants
    )
    likelihood = GlobalLikelihood(combined)
    result = best_fit(likelihood, n_starts=4)
    chi2_sm = likelihood.chi2_sm()
    delta = max(chi2_sm - result.chi2_min, 0.0)
    g2 = [t.name for t in combined.terms if t.observables == ("delta_amu",)]
    return {
        "chi2_min_with_future": result.chi2_min,
        "chi2_sm_with_future": chi2_sm,
        "delta_chi2_sm_minus_model": delta,
        "p_value_sm_vs_model": float(stats.chi2.sf(delta, likelihood.ndim)),
        "p_value_dof": likelihood.ndim,
        "p_value_note": (
            "Wilks with dof = number of free parameters: approximate, since the SM lies on "
            "the boundary of the parameter space (Y = 0, where the masses are undefined)"
        ),
        "g2_pull_at_best_fit": math.sqrt(result.terms[g2[0]]) if g2 else math.nan,
    }


def exclusion_summary(
    run: Path, futures: list[str] | None = None, *, fits: bool = True
) -> dict[str, Any]:
    """For each future (and lepton-colliders, all): the excluded fraction of the posterior."""
    names = check_futures(list(futures or DEFAULT_FUTURES))
    scenario, attrs = scenario_of_run(run)
    likelihood = GlobalLikelihood(scenario)
    frame = load_posterior(run)
    n = len(frame)
    point = {
        p: frame[p].to_numpy() if p in frame else np.full(n, scenario.fixed[p])
        for p in MODEL_PARAMETERS
    }
    obs = likelihood.observables_at(point)
    sm = likelihood.sm_observables()
    natural = natural_mask(obs)
    shape = (frame["chain"].max() + 1, frame["draw"].max() + 1)
    results: dict[str, Any] = {}
    for future in names:
        flags = excluded(future_terms(scenario, future), obs, sm)
        n_eff = effective_sample_size(flags.reshape(shape))
        entry: dict[str, Any] = dataclasses.asdict(summarize_exclusion(flags, natural, n_eff))
        entry["n_eff"] = n_eff
        entry["terms"] = future_term_names(future)
        if fits:
            entry.update(frequentist(scenario, future))
        results[future] = entry
    return {
        "run": str(run),
        "scenario": scenario.name,
        "run_futures": attrs.get("futures") or [],
        "convergence": convergence_of(attrs),
        "test": TEST,
        "natural": "|Delta m_mu / m_mu| <= 1 at the scenario's cutoff",
        "fraction_natural": float(natural.mean()),
        "futures": results,
    }


def exclusion_csv(document: dict[str, Any]) -> str:
    """exclusion.csv: one row per future."""
    columns = (
        "excluded_fraction",
        "mc_error",
        "excluded_fraction_natural",
        "mc_error_natural",
    )
    lines = [",".join(("future", *columns))]
    for name, r in document["futures"].items():
        lines.append(",".join([name, *(str(r[c]) for c in columns)]))
    return "\n".join(lines) + "\n"


def format_exclusion(document: dict[str, Any]) -> str:
    lines = [
        f"posterior {document['run']} (scenario {document['scenario']}); "
        f"natural part: {document['fraction_natural']:.1%} of the samples",
    ]
    if not document["convergence"]["converged"]:
        lines.append("WARNING: this posterior is NOT CONVERGED; the fractions below are unreliable")
    lines.append(
        f"{'future':<18} {'excluded':>17} {'natural part':>17} {'chi2_min+future':>16} {'p(SM)':>8}"
    )
    for name, r in document["futures"].items():
        natural = (
            f"{r['excluded_fraction_natural']:.3f} ± {r['mc_error_natural']:.3f}"
            if r["excluded_fraction_natural"] is not None
            else "no samples"
        )
        fit = (
            f"{r['chi2_min_with_future']:>16.2f} {r['p_value_sm_vs_model']:>8.2g}"
            if "chi2_min_with_future" in r
            else ""
        )
        lines.append(
            f"{name:<18} {r['excluded_fraction']:>9.3f} ± {r['mc_error']:.3f} {natural:>17} {fit}"
        )
    lines.append(f"test: {document['test']}")
    return "\n".join(lines)


def _interval(values: np.ndarray) -> dict[str, float]:
    q = np.quantile(values, [0.025, 0.5, 0.975])
    return {"median": float(q[1]), "low95": float(q[0]), "high95": float(q[2])}


def compare_scenarios(
    names: list[str],
    futures: list[str] | None = None,
    *,
    results: Path = Path("results"),
    progress: bool = True,
) -> dict[str, Any]:
    """paper-2021, current, current-lattice (or any list) side by side; runs what is missing.

    For each scenario: posterior intervals of m_L, m_S and Y_L Y_R, the fit's 95 % CL upper
    mass limits, and the excluded fraction of its posterior for every future.
    """
    from g2fit.io.files import owned_folder, prepare_output_folder, write_json
    from g2fit.jobs.fit import fit_scenario
    from g2fit.jobs.mcmc import default_settings, run_mcmc

    scenarios = [load_scenario(name) for name in names]  # fail on a bad name before running
    check_futures(list(futures or DEFAULT_FUTURES))
    rows: dict[str, Any] = {}
    for scenario in scenarios:
        run = prepare_output_folder(results / scenario.name)
        with owned_folder(run):
            check_folder_results(run, GlobalLikelihood(scenario))
            if not (run / POSTERIOR_FILE).exists():
                print(f"{scenario.name}: no posterior in {run}; running g2fit mcmc", flush=True)
                run_mcmc(scenario, run, default_settings(progress=progress))
            if not (run / FIT_FILE).exists():
                print(f"{scenario.name}: no fit in {run}; running g2fit fit", flush=True)
                write_json(run / FIT_FILE, fit_scenario(scenario))
        rows[scenario.name] = _scenario_row(scenario, run, futures)
    return {"test": TEST, "scenarios": rows}


def _scenario_row(scenario: Scenario, run: Path, futures: list[str] | None) -> dict[str, Any]:
    """One scenario's line of the comparison, from the results in its run folder."""
    fit = read_fit(run / FIT_FILE)
    frame = load_posterior(run)
    exclusion = exclusion_summary(run, futures, fits=False)
    return {
        "description": scenario.description,
        "run": str(run),
        **{name: _interval(frame[name].to_numpy()) for name in ("m_L", "m_S", "YL_YR")},
        "delta_amu": _interval(frame["delta_amu"].to_numpy()),
        "upper_limits_95": fit["upper_limits_95"],
        "chi2_min": fit["chi2_min"],
        "chi2_sm": fit["chi2_sm"],
        "fraction_natural": exclusion["fraction_natural"],
        "convergence": exclusion["convergence"],
        "excluded_fraction": {k: v["excluded_fraction"] for k, v in exclusion["futures"].items()},
        "mc_error": {k: v["mc_error"] for k, v in exclusion["futures"].items()},
    }


def format_comparison(document: dict[str, Any]) -> str:
    """A markdown table, one row per scenario."""
    rows = document["scenarios"]
    futures = list(next(iter(rows.values()))["excluded_fraction"])
    header = (
        "| scenario | m_L [GeV] | m_S [GeV] | Y_L Y_R | m_L, m_S < (95% CL) | "
        "chi2_SM - chi2_min | " + " | ".join(f"excl. {f}" for f in futures) + " |"
    )
    lines = [header, "|" + " --- |" * (6 + len(futures))]

    def interval(r: dict[str, float], fmt: str) -> str:
        return f"{r['median']:{fmt}} [{r['low95']:{fmt}}, {r['high95']:{fmt}}]"

    unconverged = [name for name, r in rows.items() if not r["convergence"]["converged"]]
    for name, r in rows.items():
        label = f"{name} (NOT CONVERGED)" if name in unconverged else name
        limits = ", ".join(
            "none" if v is None else f"{v:.0f}" for v in r["upper_limits_95"].values()
        )
        excl = " | ".join(f"{r['excluded_fraction'][f]:.2f}" for f in futures)
        lines.append(
            f"| {label} | {interval(r['m_L'], '.0f')} | {interval(r['m_S'], '.0f')} | "
            f"{interval(r['YL_YR'], '.2f')} | {limits} | {r['chi2_sm'] - r['chi2_min']:.1f} | "
            f"{excl} |"
        )
    if unconverged:
        lines.append("")
        lines.append(
            f"WARNING: the posteriors of {', '.join(unconverged)} are not converged; their "
            "intervals and fractions are unreliable (rerun their mcmc with more --steps)."
        )
    return "\n".join(lines)
