"""The `mcmc` job: sample a scenario's posterior and write posterior.nc, summary.csv, corner.png."""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from g2fit import __version__
from g2fit.defaults import DEFAULT_STEPS, DEFAULT_THIN, DEFAULT_WALKERS
from g2fit.errors import InputError
from g2fit.files import write_atomic
from g2fit.likelihood import GlobalLikelihood
from g2fit.plots import corner_plot
from g2fit.posterior import POSTERIOR_FILE, build_inference_data, summarize, write_inference_data
from g2fit.sampling import (
    MOVES_DESCRIPTION,
    Checkpoint,
    RunSettings,
    fingerprint,
    integrated_time,
    run_chain,
)
from g2fit.scenario import Scenario

#: Convergence rules that trigger a warning (not an error) at the end of a run.
MIN_STEPS_PER_TAU = 50
MAX_R_HAT = 1.01
MIN_ESS = 400


@dataclasses.dataclass(frozen=True)
class McmcSettings:
    """A run: RunSettings plus what is kept: burn-in steps dropped, every thin-th step kept."""

    run: RunSettings
    burn: int
    thin: int
    progress: bool = True


def default_settings(seed: int = 0, progress: bool = True) -> McmcSettings:
    """The settings of a plain `g2fit mcmc` run."""
    run = RunSettings(seed=seed, walkers=DEFAULT_WALKERS, steps=DEFAULT_STEPS)
    return McmcSettings(run, burn=DEFAULT_STEPS // 4, thin=DEFAULT_THIN, progress=progress)


@dataclasses.dataclass
class McmcResult:
    summary: pd.DataFrame
    warnings: list[str]
    resumed_from: int
    out: Path


def check_settings(likelihood: GlobalLikelihood, settings: McmcSettings) -> None:
    """Refuse impossible settings before any computation, naming the argument."""
    run = settings.run
    if run.walkers < 2 * likelihood.ndim:
        raise InputError(
            f"argument --walkers: need at least 2 x {likelihood.ndim} parameters = "
            f"{2 * likelihood.ndim} walkers, got {run.walkers}"
        )
    if not 0 <= settings.burn < run.steps:
        raise InputError(f"argument --burn: must lie in [0, --steps), got {settings.burn}")
    if settings.thin > run.steps - settings.burn:
        raise InputError(f"argument --thin: keeps no step after burn-in, got {settings.thin}")


def _progress_bar(total: int, initial: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="step",
        desc="sampling",
        disable=None if enabled else True,
        file=sys.stderr,
        mininterval=0.5,
    )


def _best_fit_truths(out: Path) -> dict[str, float] | None:
    path = out / "fit.json"
    if not path.exists():
        return None
    try:
        truths = json.loads(path.read_text())["best_fit"]
    except (ValueError, KeyError, TypeError):
        return None
    return {k: float(v) for k, v in truths.items()} if isinstance(truths, dict) else None


def convergence_warnings(
    summary: pd.DataFrame, parameters: list[str], kept_steps: int
) -> list[str]:
    found = []
    for name in parameters:
        row = summary.loc[name]
        if not np.isfinite(row["tau_steps"]):
            found.append(f"{name}: no autocorrelation time could be estimated: run longer")
        elif kept_steps < MIN_STEPS_PER_TAU * row["tau_steps"]:
            found.append(
                f"{name}: {kept_steps} steps after burn-in < {MIN_STEPS_PER_TAU} x tau = "
                f"{MIN_STEPS_PER_TAU * row['tau_steps']:.0f}: run longer (--steps)"
            )
        if not row["r_hat"] <= MAX_R_HAT:
            found.append(f"{name}: R-hat {row['r_hat']:.3f} > {MAX_R_HAT}")
        if not min(row["ess_bulk"], row["ess_tail"]) >= MIN_ESS:
            found.append(
                f"{name}: ESS bulk {row['ess_bulk']:.0f} / tail {row['ess_tail']:.0f} < {MIN_ESS}"
            )
    return found


def run_mcmc(scenario: Scenario, out: Path, settings: McmcSettings) -> McmcResult:
    """Sample (or resume), then write DIR/posterior.nc, summary.csv and corner.png."""
    likelihood = GlobalLikelihood(scenario)
    check_settings(likelihood, settings)
    run = settings.run
    checkpoint = Checkpoint(out / "checkpoint")
    done = checkpoint.check_compatible(fingerprint(likelihood, run), run.steps)
    bar = _progress_bar(run.steps, done, settings.progress)
    try:
        chain = run_chain(likelihood, run, checkpoint, progress=bar.update)
    finally:
        bar.close()

    after_burn = chain.positions[settings.burn :]
    kept = after_burn[:: settings.thin]
    kept_log_prob = chain.log_prob[settings.burn :][:: settings.thin]
    tau = dict(zip(likelihood.names, integrated_time(after_burn).tolist(), strict=True))
    # A walker moved at a step exactly when its proposal was accepted (the first step of a
    # chain has no predecessor here and counts as accepted).
    moved = np.ones(chain.log_prob.shape, dtype=bool)
    moved[1:] = np.any(chain.positions[1:] != chain.positions[:-1], axis=2)
    accepted = moved[settings.burn :]
    acceptance = float(accepted.mean())
    attrs = {
        "g2fit_version": __version__,
        "scenario": scenario.name,
        "futures": scenario.spec["futures"],
        "description": scenario.description,
        "parameters": list(likelihood.names),
        "seed": run.seed,
        "walkers": run.walkers,
        "steps": run.steps,
        "burn": settings.burn,
        "thin": settings.thin,
        "moves": MOVES_DESCRIPTION,
        "tau_steps": tau,
        "acceptance_fraction": acceptance,
        "inputs": likelihood.describe(),
        "measurements": scenario.spec["measurements"],
        "constants": scenario.constants.as_dict(),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    idata = build_inference_data(likelihood, kept, kept_log_prob, accepted[:: settings.thin], attrs)
    summary = summarize(idata, list(likelihood.names), tau, acceptance)
    write_inference_data(idata, out / POSTERIOR_FILE)
    write_atomic(out / "summary.csv", summary.to_csv(float_format="%.8g"))
    samples = {name: idata["posterior"][name].values.ravel() for name in likelihood.names}
    title = f"{scenario.name}: {kept.shape[0] * kept.shape[1]} samples"
    corner_plot(samples, _best_fit_truths(out), out / "corner.png", title)
    found = convergence_warnings(summary, list(likelihood.names), after_burn.shape[0])
    return McmcResult(summary, found, chain.resumed_from, out)


def format_summary(result: McmcResult, parameters: list[str]) -> str:
    """The printed table: parameters and Delta a_mu, with intervals and diagnostics."""
    header = (
        f"{'variable':<20} {'median':>10} {'68% interval':>23} {'95% interval':>23} "
        f"{'R-hat':>6} {'ESS bulk':>8} {'ESS tail':>8} {'tau':>6}"
    )
    lines = [header]
    frame = result.summary
    for name in [*parameters, "delta_amu", "delta_mmu_over_mmu", "YL_YR"]:
        if name not in frame.index:
            continue
        r = frame.loc[name]
        lines.append(
            f"{name:<20} {r['median']:>10.4g} [{r['q16']:>10.4g}, {r['q84']:>10.4g}] "
            f"[{r['q2.5']:>10.4g}, {r['q97.5']:>10.4g}] {r['r_hat']:>6.3f} "
            f"{r['ess_bulk']:>8.0f} {r['ess_tail']:>8.0f} "
            + (f"{r['tau_steps']:>6.1f}" if np.isfinite(r["tau_steps"]) else f"{'':>6}")
        )
    lines.append(f"acceptance fraction {frame['acceptance'].iloc[0]:.3f}")
    return "\n".join(lines)
