"""`compare --posterior`: what each future experiment rules out of a posterior.

(`compare --scenarios`, scenarios side by side, is g2fit.jobs.compare_scenarios.)"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from g2fit.config.scenarios import future_names, future_term_names
from g2fit.errors import InputError
from g2fit.inference.crosscheck import effective_size
from g2fit.inference.exclusion import (
    EXCLUSION_DELTA_CHI2,
    excluded,
    natural_mask,
    summarize_exclusion,
)
from g2fit.io.files import json_text, owned_folder, prepare_output_folder, write_files
from g2fit.io.posterior import load_posterior, run_attrs
from g2fit.jobs.run_folder import same_inputs
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import Scenario, load_scenario, load_terms, with_futures
from g2fit.likelihood.terms import Term, terms_on
from g2fit.model.constants import Constants
from g2fit.model.observables import LOOPS, MODEL_PARAMETERS

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
    loops = attrs.get("loops")  # absent in runs of g2fit before the exact mode: eft
    if loops is not None and loops not in LOOPS:
        raise InputError(
            f"{run}: the posterior's attribute loops = {loops!r} is not one of {LOOPS}"
        )
    given = None
    if "scenario_table" in attrs:  # a scenario without a file of its own (a grid's member)
        table, origin = attrs["scenario_table"], attrs.get("scenario_origin")
        if not isinstance(table, dict) or not isinstance(origin, str):
            raise InputError(f"{run}: the posterior's attribute scenario_table is damaged")
        given = (table, Path(origin))
    scenario = load_scenario(name, futures, constants=constants, loops=loops, given=given)
    if "inputs" in attrs and not same_inputs(attrs["inputs"], GlobalLikelihood(scenario)):
        raise InputError(
            f"{run}: the posterior was sampled from another version of {scenario.label!r}'s "
            "likelihood (data, terms, priors, constants or one-loop mode) than the one "
            "g2fit reads now; rerun its mcmc, or point G2FIT_DATA / G2FIT_LIKELIHOODS at the "
            "files it was run with"
        )
    return scenario, attrs


def future_terms(scenario: Scenario, future: str) -> list[Term]:
    """The terms of one future, built with the scenario's constants."""
    return load_terms(future_term_names(future), constants=scenario.constants)


def frequentist(scenario: Scenario, future: str) -> dict[str, Any]:
    """Best fit with the future's (SM-like) data added: does the model still explain Delta a_mu?"""
    from g2fit.inference.fit import best_fit

    combined = with_futures(scenario, [*scenario.futures, future])
    likelihood = GlobalLikelihood(combined)
    result = best_fit(likelihood, n_starts=4)
    chi2_sm = likelihood.chi2_sm()
    delta = max(chi2_sm - result.chi2_min, 0.0)
    g2 = [t.name for t in terms_on(combined.terms, "delta_amu")]
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


#: Samples whose observables and decays are computed at once: bounds the intermediates'
#: memory (~3 kB a sample: a 1.5 M sample posterior at once would need several GB).
CHUNK_SAMPLES = 100_000

#: Below this branching ratio into the channels the doublet searches assume, a pair leaves
#: less than a quarter of the signal their limits assume (both legs: BR^2).
LHC_BR_THRESHOLD = 0.5


#: What the posterior's LHC summary reads of every sample (g2fit.model.lhc_signal).
LHC_SAMPLE_KEYS = ("BR_E_to_SM", "BR_N_to_SM", "sigma_pair_13", "lhc_uncovered_share")


def lhc_decay_assumption(values: dict[str, np.ndarray]) -> dict[str, Any]:
    """How often the LHC doublet searches' decay assumption fails in a posterior: the share of
    samples with BR(E -> SM lepton + boson) or BR(N -> SM lepton + boson) below threshold, and
    the share of the pair cross section that no doublet search covers (per sample, and
    summed over samples weighted by their 13 TeV cross section)."""
    names = ("BR_E_to_SM", "BR_N_to_SM")
    below = {name: values[name] < LHC_BR_THRESHOLD for name in names}
    uncovered, sigma = values["lhc_uncovered_share"], values["sigma_pair_13"]
    return {
        "threshold": LHC_BR_THRESHOLD,
        "fraction_BR_E_to_SM_below": float(below["BR_E_to_SM"].mean()),
        "fraction_BR_N_to_SM_below": float(below["BR_N_to_SM"].mean()),
        "fraction_either_below": float((below["BR_E_to_SM"] | below["BR_N_to_SM"]).mean()),
        "median_BR_E_to_SM": float(np.nanmedian(values["BR_E_to_SM"])),
        "median_BR_N_to_SM": float(np.nanmedian(values["BR_N_to_SM"])),
        "mean_uncovered_share": float(np.nanmean(uncovered)),
        "median_uncovered_share": float(np.nanmedian(uncovered)),
        "fraction_mostly_uncovered": float(
            np.nanmean(np.where(np.isnan(uncovered), np.nan, uncovered > 0.5))
        ),
        "uncovered_share_of_cross_section": float(
            np.nansum(uncovered * sigma) / np.nansum(np.where(np.isnan(uncovered), 0.0, sigma))
        ),
    }


def point_of(frame: Any, scenario: Scenario) -> dict[str, np.ndarray]:
    """The six model parameters of every sample of a posterior frame (GeV)."""
    n = len(frame)
    return {
        p: frame[p].to_numpy() if p in frame else np.full(n, scenario.fixed[p])
        for p in MODEL_PARAMETERS
    }


def _chunks(point: dict[str, np.ndarray], chunk: int) -> Iterator[dict[str, np.ndarray]]:
    """The points in consecutive slices of at most `chunk` samples (one empty slice if none)."""
    n = len(next(iter(point.values())))
    for start in range(0, max(n, 1), chunk):
        yield {name: values[start : start + chunk] for name, values in point.items()}


def excluded_flags(
    scenario: Scenario,
    point: dict[str, np.ndarray],
    futures: list[str],
    chunk: int = CHUNK_SAMPLES,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Whether each point is natural (natural_mask), for each future whether it excludes
    each point, and what the LHC sees of each (LHC_SAMPLE_KEYS); `chunk` samples at a time."""
    likelihood = GlobalLikelihood(scenario)
    sm = likelihood.sm_observables()
    terms = {f: future_terms(scenario, f) for f in futures}
    natural, flags, lhc = [], [], []
    for part in _chunks(point, chunk):
        obs = likelihood.observables_at(part)
        natural.append(natural_mask(obs))
        flags.append({f: excluded(terms[f], obs, sm) for f in futures})
        lhc.append({name: obs[name] for name in LHC_SAMPLE_KEYS})
    return (
        np.concatenate(natural),
        {f: np.concatenate([c[f] for c in flags]) for f in futures},
        {name: np.concatenate([c[name] for c in lhc]) for name in LHC_SAMPLE_KEYS},
    )


def exclusion_summary(
    run: Path, futures: list[str] | None = None, *, fits: bool = True
) -> dict[str, Any]:
    """For each future (and lepton-colliders, all): the excluded fraction of the posterior."""
    names = check_futures(list(futures or DEFAULT_FUTURES))
    scenario, attrs = scenario_of_run(run)
    frame = load_posterior(run)
    point = point_of(frame, scenario)
    natural, flags_of, lhc = excluded_flags(scenario, point, names)
    shape = (frame["chain"].max() + 1, frame["draw"].max() + 1)
    results: dict[str, Any] = {}
    for future in names:
        flags = flags_of[future]
        n_eff = effective_size(flags.reshape(shape).astype(float))
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
        "lhc_decay_assumption": lhc_decay_assumption(lhc),
        "futures": results,
    }


def exclusion_csv(document: dict[str, Any]) -> str:
    """exclusion.csv: one row per future; `posterior_converged` repeats the run's verdict on
    every row, so that a table cut from the file still says it."""
    columns = (
        "excluded_fraction",
        "mc_error",
        "excluded_fraction_natural",
        "mc_error_natural",
    )
    converged = str(document["convergence"]["converged"])
    run = (document["scenario"], document["run"])
    lines = [",".join(("scenario", "run", "future", *columns, "posterior_converged"))]
    for name, r in document["futures"].items():
        lines.append(",".join([*run, name, *(str(r[c]) for c in columns), converged]))
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
    if "cross_check" in document:
        from g2fit.inference.crosscheck import format_cross_check

        lines.append(format_cross_check(document["cross_check"]))
    lhc = document["lhc_decay_assumption"]
    lines.append(
        "LHC doublet searches assume E, N -> SM lepton + boson: BR below "
        f"{lhc['threshold']:g} for E in {lhc['fraction_BR_E_to_SM_below']:.1%}, for N in "
        f"{lhc['fraction_BR_N_to_SM_below']:.1%} of the samples (cascades through S); no "
        f"doublet search covers {lhc['mean_uncovered_share']:.1%} of a sample's pair cross "
        f"section on average ({lhc['uncovered_share_of_cross_section']:.1%} of the posterior's "
        "summed cross section)"
    )
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class ExclusionReport:
    """What `compare --posterior` found and wrote: exclusion.json's document, the files."""

    document: dict[str, Any]
    paths: tuple[Path, ...]

    def table(self) -> str:
        return format_exclusion(self.document)


def _check_exclusion_target(folder: Path, run: Path) -> None:
    """Refuse to write one run's exclusion files into the folder of another run."""
    if folder.resolve() == run.resolve() or not (folder / "posterior.nc").exists():
        return
    raise InputError(
        f"argument --out: {folder} holds another run's posterior; its exclusion files would "
        f"be mistaken for those of {run}: choose another --out"
    )


def run_exclusion(
    run: Path,
    futures: list[str] | None,
    out: Path | None,
    *,
    fits: bool = True,
    cross_check: str | None = None,
) -> ExclusionReport:
    """The exclusion summary of the posterior in RUN, written to OUT (default RUN) as
    exclusion.json and exclusion.csv; OUT is locked meanwhile. With `cross_check` (a run
    folder or prior-mc), the comparison of RUN's posterior with that engine's is added."""
    names = check_futures(list(futures or DEFAULT_FUTURES))
    run_attrs(run)  # a g2fit run, before anything is written
    folder = prepare_output_folder(out or run)
    with owned_folder(folder):
        _check_exclusion_target(folder, run)
        document = exclusion_summary(run, futures, fits=fits)
        if cross_check is not None:
            from g2fit.jobs.cross_check import cross_check as check

            document["cross_check"] = check(run, cross_check, names)
        paths = (folder / "exclusion.json", folder / "exclusion.csv")
        write_files([(paths[0], json_text(document)), (paths[1], exclusion_csv(document))])
    return ExclusionReport(document, paths)
