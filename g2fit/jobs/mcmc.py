"""The `mcmc` job: sample a scenario's posterior and write posterior.nc, summary.csv, corner.png."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.inference.sampler import (
    Chain,
    RunSettings,
    describe_moves,
    fingerprint,
    integrated_time,
    moves,
    run_chain,
)
from g2fit.io.checkpoint import Checkpoint
from g2fit.io.figures import corner_plot
from g2fit.io.files import (
    FIT_FILE,
    POSTERIOR_FILE,
    owned_folder,
    prepare_output_folder,
    write_files,
)
from g2fit.io.posterior import (
    build_inference_data,
    digest_name,
    digest_text,
    inference_data_bytes,
    summarize,
)
from g2fit.jobs.defaults import DEFAULT_STEPS, DEFAULT_THIN, DEFAULT_WALKERS
from g2fit.jobs.run_folder import check_folder_results, read_fit
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import Scenario

#: Convergence rules that trigger a warning (not an error) at the end of a run. The walkers of
#: an ensemble sampler are not independent chains, so convergence is judged by the run's
#: length in autocorrelation times (emcee's rule of thumb: at least 50 tau) and by the
#: effective sample size walkers x steps / tau, never by R-hat across walkers.
MIN_STEPS_PER_TAU = 50
MIN_ESS = 400
CONVERGENCE_RULE = (
    f"at least {MIN_STEPS_PER_TAU} integrated autocorrelation times tau after burn-in, and an "
    f"effective sample size walkers x steps / tau of at least {MIN_ESS}, for every parameter"
)
#: Memory a run may use, bytes. The chain is kept in memory, and the derived observables and
#: per-term chi^2 of every kept sample are computed at once for the posterior file.
MAX_MEMORY_BYTES = 8 * 2**30
#: Memory per chain value (positions and ln p in the checkpoint's backend, the chunk being
#: written and the acceptance flags) and per kept sample (derived observables, chi^2 terms, their
#: intermediates, the netCDF buffer), bytes, and the interpreter with its libraries: 1.5 x
#: what was measured (~10, ~600 bytes, ~200 MB; benchmarks/run.py, case "mcmc memory").
_BYTES_PER_CHAIN_VALUE = 16
_BYTES_PER_KEPT_SAMPLE = 1000
_BASE_BYTES = 300 * 2**20


@dataclasses.dataclass(frozen=True)
class McmcSettings:
    """A run: RunSettings plus what is kept: burn-in steps dropped, every thin-th step kept."""

    run: RunSettings
    burn: int
    thin: int
    progress: bool = True


def default_settings(
    seed: int = 0, progress: bool = True, steps: int | None = None, walkers: int | None = None
) -> McmcSettings:
    """The settings of a plain `g2fit mcmc` run (steps, walkers: a scenario's mcmc_steps and
    mcmc_walkers, if it has them)."""
    steps = DEFAULT_STEPS if steps is None else steps
    walkers = DEFAULT_WALKERS if walkers is None else walkers
    run = RunSettings(seed=seed, walkers=walkers, steps=steps)
    return McmcSettings(run, burn=steps // 4, thin=DEFAULT_THIN, progress=progress)


@dataclasses.dataclass
class McmcResult:
    summary: pd.DataFrame
    warnings: list[str]
    resumed_from: int
    out: Path


def memory_needed(likelihood: GlobalLikelihood, settings: McmcSettings) -> float:
    """An upper estimate of a run's peak memory, bytes (benchmarks/run.py checks it)."""
    run = settings.run
    chain_values = run.walkers * run.steps * (likelihood.ndim + 1)
    kept = run.walkers * math.ceil((run.steps - settings.burn) / settings.thin)
    return _BASE_BYTES + _BYTES_PER_CHAIN_VALUE * chain_values + _BYTES_PER_KEPT_SAMPLE * kept


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
    needed = memory_needed(likelihood, settings)
    if needed > MAX_MEMORY_BYTES:
        raise InputError(
            f"argument --walkers/--steps: {run.walkers} walkers x {run.steps} steps would need "
            f"about {needed / 2**30:.1f} GiB of memory (the chain is kept in memory and every "
            f"kept sample's observables are computed at once), more than the "
            f"{MAX_MEMORY_BYTES / 2**30:.0f} GiB g2fit allows; use fewer walkers or steps, or "
            "a larger --thin"
        )


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


def best_fit_truths(out: Path) -> dict[str, float] | None:
    path = out / FIT_FILE
    if not path.exists():
        return None
    return {k: float(v) for k, v in read_fit(path)["best_fit"].items()}


def convergence_warnings(
    summary: pd.DataFrame, parameters: list[str], walkers: int, kept_steps: int
) -> list[str]:
    """Warnings for a run too short to trust: fewer than MIN_STEPS_PER_TAU autocorrelation
    times after burn-in, or an effective sample size walkers x steps / tau below MIN_ESS."""
    found = []
    for name in parameters:
        tau = summary.loc[name, "tau_steps"]
        if not np.isfinite(tau):
            found.append(f"{name}: no autocorrelation time could be estimated: run longer")
            continue
        if kept_steps < MIN_STEPS_PER_TAU * tau:
            found.append(
                f"{name}: {kept_steps} steps after burn-in < {MIN_STEPS_PER_TAU} x tau = "
                f"{MIN_STEPS_PER_TAU * tau:.0f}: run longer (--steps)"
            )
        ess = walkers * kept_steps / tau
        if ess < MIN_ESS:
            found.append(
                f"{name}: effective sample size {walkers} walkers x {kept_steps} steps / tau "
                f"= {ess:.0f} < {MIN_ESS}: run longer or with more walkers"
            )
    return found


def run_mcmc(scenario: Scenario, out: Path, settings: McmcSettings) -> McmcResult:
    """Sample (or resume), then write DIR/summary.csv, corner.png and posterior.nc.

    The folder is locked for the run; a folder holding another run's results is refused."""
    likelihood = GlobalLikelihood(scenario)
    check_settings(likelihood, settings)
    run = settings.run
    identity = fingerprint(likelihood, run)
    with owned_folder(prepare_output_folder(out)):
        check_folder_results(out, likelihood, fingerprint=identity)
        truths = best_fit_truths(out)
        checkpoint = Checkpoint(out / "checkpoint")
        done = checkpoint.check_compatible(identity, run.steps)
        bar = _progress_bar(run.steps, done, settings.progress)
        try:
            chain = run_chain(likelihood, run, checkpoint, progress=bar.update)
        finally:
            bar.close()
        files, summary, found = _result_files(likelihood, chain, settings, identity, truths)
        # posterior.nc last: once it is renamed into place, the set is complete.
        write_files([(out / name, content) for name, content in files.items()])
    return McmcResult(summary, found, chain.resumed_from, out)


def common_attrs(likelihood: GlobalLikelihood, seed: int) -> dict[str, Any]:
    """The posterior attributes every engine records: scenario, inputs, seed, versions."""
    scenario = likelihood.scenario
    given = (
        {}
        if scenario.given is None
        else {"scenario_table": scenario.given[0], "scenario_origin": str(scenario.given[1])}
    )
    return {
        **given,
        "g2fit_version": __version__,
        "scenario": scenario.name,
        "futures": list(scenario.futures),
        "description": scenario.description,
        "parameters": list(likelihood.names),
        "seed": seed,
        "inputs": likelihood.describe(),
        "measurements": scenario.measurements,
        "constants": scenario.constants.as_dict(),
        "loops": scenario.loops,
        "chi2_sm": likelihood.chi2_sm(),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _result_files(
    likelihood: GlobalLikelihood,
    chain: Chain,
    settings: McmcSettings,
    identity: dict[str, Any],
    truths: dict[str, float] | None,
) -> tuple[dict[str, bytes], pd.DataFrame, list[str]]:
    """summary.csv, corner.png and posterior.nc of a finished chain, in memory, with the
    summary table and the convergence warnings."""
    run = settings.run
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
        **common_attrs(likelihood, run.seed),
        "walkers": run.walkers,
        "steps": run.steps,
        "burn": settings.burn,
        "thin": settings.thin,
        "sampler": "emcee",
        "moves": describe_moves(moves(likelihood.bounds)),
        "fingerprint": identity,
        "tau_steps": tau,
        "acceptance_fraction": acceptance,
    }
    idata = build_inference_data(likelihood, kept, kept_log_prob, accepted[:: settings.thin], attrs)
    summary = summarize(idata, list(likelihood.names), tau, acceptance)
    found = convergence_warnings(summary, list(likelihood.names), run.walkers, after_burn.shape[0])
    convergence = {"converged": not found, "warnings": found, "rule": CONVERGENCE_RULE}
    files = posterior_files(likelihood, idata, summary, convergence, truths)
    return files, summary, found


def posterior_files(
    likelihood: GlobalLikelihood,
    idata: Any,
    summary: pd.DataFrame,
    convergence: dict[str, Any],
    truths: dict[str, float] | None,
) -> dict[str, bytes]:
    """summary.csv, corner.png, posterior.nc and its digest of a run's InferenceData, with
    its convergence verdict recorded in the posterior's attrs."""
    idata["posterior"].attrs["convergence"] = json.dumps(convergence)
    samples = {name: idata["posterior"][name].values.ravel() for name in likelihood.names}
    title = f"{likelihood.scenario.name}: {samples[likelihood.names[0]].size} samples"
    posterior = inference_data_bytes(idata)
    return {
        "summary.csv": summary.to_csv(float_format="%.8g").encode(),
        "corner.png": corner_plot(samples, truths, title),
        digest_name(POSTERIOR_FILE): digest_text(posterior),
        POSTERIOR_FILE: posterior,
    }


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
    if np.isfinite(frame["acceptance"].iloc[0]):
        lines.append(f"acceptance fraction {frame['acceptance'].iloc[0]:.3f}")
    return "\n".join(lines)
