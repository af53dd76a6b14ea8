"""`mcmc --sampler nested`: the posterior and the evidence by nested sampling (UltraNest),
written in the same posterior.nc form as the emcee run, so every reader works on it.

The weighted points are resampled to about their effective number of equally weighted
samples (systematic resampling, random order), stored as 4 arviz chains. The evidence is in
the posterior's attrs: ln Z (prior-normalized, L = exp(-chi^2/2)) with its error, ln L of
the SM and the Bayes factor ln B = ln Z - ln L_SM against the SM, which has no free
parameter; ln B depends on the prior (PRIOR below).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from g2fit.errors import InputError
from g2fit.inference.nested import (
    NestedSettings,
    equal_weight_samples,
    fingerprint,
    run_nested,
)
from g2fit.io.checkpoint import check_fingerprint
from g2fit.io.files import owned_folder, prepare_output_folder, write_files, write_json
from g2fit.io.posterior import build_inference_data, summarize
from g2fit.jobs.mcmc import MIN_ESS, McmcResult, best_fit_truths, common_attrs, posterior_files
from g2fit.jobs.run_folder import check_folder_results
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import Scenario

#: The evidence's entries in the posterior's attrs.
EVIDENCE_KEYS = (
    "log_evidence",
    "log_evidence_error",
    "log_likelihood_sm",
    "log_bayes_factor_vs_sm",
)
#: The arviz chains the equally weighted samples are dealt into.
CHAINS = 4
#: The folder, inside the run folder, where UltraNest stores its points (and resumes from).
CHECKPOINT = "checkpoint-nested"
CONVERGENCE_RULE = (
    f"nested sampling run until the remaining evidence is below its dlogz tolerance, with an "
    f"effective sample size of at least {MIN_ESS}"
)
PRIOR = (
    "the scenario's prior: uniform in each parameter's internal coordinate (log10 of a "
    "log-uniform mass, the value of a uniform coupling) inside its box, zero where Y_L Y_R "
    "exceeds its bound, normalized to 1"
)


def _check_checkpoint(folder: Path, identity: dict[str, Any]) -> None:
    """Refuse stored points of another run; record the identity before the first point."""
    run_file = folder / "run.json"
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder; a nested run keeps its points there: move it")
    if run_file.exists():
        check_fingerprint(run_file, identity)
        return
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"{folder}: files without run.json; not a g2fit checkpoint")
    folder.mkdir(parents=True, exist_ok=True)
    write_json(run_file, {"fingerprint": identity})


def run_nested_sampling(
    scenario: Scenario, out: Path, settings: NestedSettings
) -> tuple[McmcResult, dict[str, float]]:
    """Sample by nested sampling (or resume), write the posterior set into `out`; the result
    and the evidence (ln Z, its error, ln L_SM, ln B)."""
    likelihood = GlobalLikelihood(scenario)
    identity = fingerprint(likelihood, settings)
    with owned_folder(prepare_output_folder(out)):
        check_folder_results(out, likelihood, fingerprint=identity)
        truths = best_fit_truths(out)
        _check_checkpoint(out / CHECKPOINT, identity)
        run = run_nested(likelihood, settings, out / CHECKPOINT)
        positions, log_l = equal_weight_samples(run, settings.seed)
        draws = len(positions) // CHAINS
        if draws < 1:
            raise InputError(f"{scenario.name}: the nested run has fewer than {CHAINS} samples")
        used = draws * CHAINS
        kept = positions[:used].reshape(CHAINS, draws, -1).transpose(1, 0, 2)
        kept_log_l = log_l[:used].reshape(CHAINS, draws).T
        evidence = evidence_of(likelihood, run.log_evidence, run.log_evidence_error)
        attrs = {
            **common_attrs(likelihood, settings.seed),
            "sampler": "nested",
            "engine": run.engine,
            "live_points": settings.live_points,
            "dlogz": settings.dlogz,
            "fingerprint": identity,
            "likelihood_calls": run.calls,
            "effective_sample_size": run.effective_size,
            "prior": PRIOR,
            "prior_support": run.prior_support,
            **evidence,
        }
        accepted = np.ones(kept_log_l.shape, dtype=bool)
        idata = build_inference_data(likelihood, kept, kept_log_l, accepted, attrs)
        tau = {name: math.nan for name in likelihood.names}
        summary = summarize(idata, list(likelihood.names), tau, math.nan)
        found = []
        if run.effective_size < MIN_ESS:
            found.append(
                f"effective sample size {run.effective_size:.0f} < {MIN_ESS}: run with more "
                "--live-points"
            )
        convergence = {"converged": not found, "warnings": found, "rule": CONVERGENCE_RULE}
        files = posterior_files(likelihood, idata, summary, convergence, truths)
        write_files([(out / name, content) for name, content in files.items()])
    return McmcResult(summary, found, 0, out), evidence


def evidence_of(
    likelihood: GlobalLikelihood, log_evidence: float, error: float
) -> dict[str, float]:
    """ln Z with its error, ln L of the SM (-chi^2_SM / 2) and ln B = ln Z - ln L_SM."""
    log_l_sm = -0.5 * likelihood.chi2_sm()
    return {
        "log_evidence": log_evidence,
        "log_evidence_error": error,
        "log_likelihood_sm": log_l_sm,
        "log_bayes_factor_vs_sm": log_evidence - log_l_sm,
    }
