"""`compare --scenarios`: scenarios side by side, running mcmc and fit where results lack."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from g2fit.inference.nested import NestedSettings
from g2fit.io.figures import comparison_figure
from g2fit.io.files import (
    FIT_FILE,
    POSTERIOR_FILE,
    json_text,
    owned_folder,
    prepare_output_folder,
    write_files,
    write_json,
)
from g2fit.io.posterior import load_posterior, run_attrs
from g2fit.jobs.compare import DEFAULT_FUTURES, TEST, check_futures, exclusion_summary
from g2fit.jobs.cross_check import cross_check
from g2fit.jobs.defaults import default_output
from g2fit.jobs.fit import fit_scenario
from g2fit.jobs.mcmc import default_settings, run_mcmc
from g2fit.jobs.nested import EVIDENCE_KEYS, run_nested_sampling
from g2fit.jobs.progress import Stage, quiet, stage_printer
from g2fit.jobs.run_folder import check_folder_results, read_fit
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import Scenario, load_scenario


def _interval(values: np.ndarray) -> dict[str, float]:
    q = np.quantile(values, [0.025, 0.5, 0.975])
    return {"median": float(q[1]), "low95": float(q[0]), "high95": float(q[2])}


def compare_scenarios(
    names: list[str],
    futures: list[str] | None,
    results: Path,
    *,
    progress: bool = True,
    nested: bool = True,
    notify: Callable[[str], None] = print,
    stage: Stage | None = None,
) -> dict[str, Any]:
    """paper-2021, current, current-lattice (or any list) side by side; runs what is missing
    in RESULTS/SCENARIO (mcmc and fit with their defaults) and, with `nested`, in
    RESULTS/SCENARIO@nested (mcmc --sampler nested), saying so through `notify`.

    For each scenario: posterior intervals of m_L, m_S and Y_L Y_R, the fit's 95 % CL upper
    mass limits, and the excluded fraction of its posterior for every future; with `nested`,
    the evidence (ln Z, ln B against the SM) and the cross-check of emcee against nested.
    `stage` hears each long step as it starts (default: stderr lines if `progress`).
    """
    stage = stage_printer(progress) if stage is None else stage
    scenarios = [load_scenario(name) for name in names]  # fail on a bad name before running
    check_futures(list(futures or DEFAULT_FUTURES))
    rows: dict[str, Any] = {}
    for scenario in scenarios:
        run = results / default_output(scenario.name, []).name
        nested_run = results / default_output(scenario.name, [], sampler="nested").name
        rows[scenario.name] = scenario_row(
            scenario,
            run,
            nested_run if nested else None,
            futures,
            progress=progress,
            notify=notify,
            stage=stage,
        )
    return {"test": TEST, "scenarios": rows}


def scenario_row(
    scenario: Scenario,
    run: Path,
    nested_run: Path | None,
    futures: list[str] | None,
    *,
    progress: bool = True,
    notify: Callable[[str], None] = print,
    stage: Stage = quiet,
) -> dict[str, Any]:
    """One scenario's line of a comparison: runs mcmc and fit in `run` where their results
    lack, and with `nested_run` the nested sampler there, saying so through `notify`."""
    run = prepare_output_folder(run)
    with owned_folder(run):
        check_folder_results(run, GlobalLikelihood(scenario))
        if not (run / POSTERIOR_FILE).exists():
            notify(f"{scenario.name}: no posterior in {run}; running g2fit mcmc")
            settings = default_settings(
                progress=progress, steps=scenario.mcmc_steps, walkers=scenario.mcmc_walkers
            )
            run_mcmc(scenario, run, settings)
        if not (run / FIT_FILE).exists():
            notify(f"{scenario.name}: no fit in {run}; running g2fit fit")
            write_json(run / FIT_FILE, fit_scenario(scenario, stage=stage))
    stage(f"compare: {scenario.name}: excluded fractions of its posterior...")
    row = _scenario_row(scenario, run, futures)
    if nested_run is not None:
        row.update(_nested_columns(scenario, run, nested_run, futures, notify, stage))
    return row


def _nested_columns(
    scenario: Scenario,
    run: Path,
    nested_run: Path,
    futures: list[str] | None,
    notify: Callable[[str], None],
    stage: Stage = quiet,
) -> dict[str, Any]:
    """The evidence from the scenario's nested run (run where missing), and the cross-check
    of the emcee posterior in `run` against it."""
    nested_run = prepare_output_folder(nested_run)
    if not (nested_run / POSTERIOR_FILE).exists():
        notify(f"{scenario.name}: no nested posterior in {nested_run}; running it")
        run_nested_sampling(scenario, nested_run, NestedSettings(seed=0))
    attrs = run_attrs(nested_run)
    stage(f"compare: {scenario.name}: cross-check of emcee against nested sampling...")
    check = cross_check(run, str(nested_run), check_futures(list(futures or DEFAULT_FUTURES)))
    return {
        "nested_run": str(nested_run),
        "evidence": {key: attrs[key] for key in EVIDENCE_KEYS},
        "cross_check": {
            key: check[key] for key in ("a", "b", "max_abs_z", "family_p_value", "agree", "rule")
        },
    }


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
        "lhc_uncovered_share": exclusion["lhc_decay_assumption"]["mean_uncovered_share"],
        "excluded_fraction": {k: v["excluded_fraction"] for k, v in exclusion["futures"].items()},
        "mc_error": {k: v["mc_error"] for k, v in exclusion["futures"].items()},
    }


def format_comparison(document: dict[str, Any]) -> str:
    """A markdown table, one row per scenario."""
    rows = document["scenarios"]
    futures = list(next(iter(rows.values()))["excluded_fraction"])
    nested = all("evidence" in r for r in rows.values())
    extra = ["ln B vs SM", "emcee vs nested"] if nested else []
    header = (
        "| scenario | m_L [GeV] | m_S [GeV] | Y_L Y_R | m_L, m_S < (95% CL) | "
        "chi2_SM - chi2_min | "
        + " | ".join([*extra, "LHC uncovered", *(f"excl. {f}" for f in futures)])
        + " |"
    )
    lines = [header, "|" + " --- |" * (7 + len(extra) + len(futures))]

    def interval(r: dict[str, float], fmt: str) -> str:
        return f"{r['median']:{fmt}} [{r['low95']:{fmt}}, {r['high95']:{fmt}}]"

    unconverged = [name for name, r in rows.items() if not r["convergence"]["converged"]]
    for name, r in rows.items():
        label = f"{name} (NOT CONVERGED)" if name in unconverged else name
        limits = ", ".join(
            "none" if v is None else f"{v:.0f}" for v in r["upper_limits_95"].values()
        )
        uncovered = r.get("lhc_uncovered_share")  # absent in comparisons of an earlier g2fit
        cells = ["-" if uncovered is None else f"{uncovered:.2f}"]
        cells += [f"{r['excluded_fraction'][f]:.2f}" for f in futures]
        if nested:
            evidence, check = r["evidence"], r["cross_check"]
            verdict = "agree" if check["agree"] else "DISAGREE"
            cells[:0] = [
                f"{evidence['log_bayes_factor_vs_sm']:+.1f} ± {evidence['log_evidence_error']:.1f}",
                f"{verdict} (max z {check['max_abs_z']:.1f})",
            ]
        lines.append(
            f"| {label} | {interval(r['m_L'], '.0f')} | {interval(r['m_S'], '.0f')} | "
            f"{interval(r['YL_YR'], '.2f')} | {limits} | {r['chi2_sm'] - r['chi2_min']:.1f} | "
            f"{' | '.join(cells)} |"
        )
    disagreeing = [
        n for n, r in rows.items() if "cross_check" in r and not r["cross_check"]["agree"]
    ]
    if disagreeing:
        lines.append("")
        lines.append(
            f"WARNING: emcee and nested sampling disagree on {', '.join(disagreeing)}: one of "
            "the two posteriors is wrong or too short (see comparison.json's cross_check)."
        )
    if unconverged:
        lines.append("")
        lines.append(
            f"WARNING: the posteriors of {', '.join(unconverged)} are not converged; their "
            "intervals and fractions are unreliable (rerun their mcmc with more --steps)."
        )
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class ComparisonReport:
    """What `compare --scenarios` found and wrote: comparison.json's document, its table."""

    document: dict[str, Any]
    table: str
    paths: tuple[Path, ...]


def run_comparison(
    names: list[str],
    futures: list[str] | None,
    out: Path,
    results: Path,
    *,
    progress: bool = True,
    nested: bool = True,
    notify: Callable[[str], None] = print,
) -> ComparisonReport:
    """Compare the scenarios; write comparison.json, .md and .png into OUT (locked meanwhile)."""
    check_futures(list(futures or DEFAULT_FUTURES))
    for name in names:
        load_scenario(name)
    prepare_output_folder(out)
    with owned_folder(out):
        document = compare_scenarios(
            names, futures, results, progress=progress, nested=nested, notify=notify
        )
        table = format_comparison(document)
        paths = tuple(out / f"comparison.{kind}" for kind in ("json", "md", "png"))
        contents: list[str | bytes] = [
            json_text(document),
            table + "\n",
            comparison_figure(document),
        ]
        write_files(list(zip(paths, contents, strict=True)))
    return ComparisonReport(document, table, paths)
