"""The posteriors of g2fit's engines against plain Monte Carlo over the prior, over seeds.

    python scripts/check_engines.py [--scenarios paper-2021,current,current-free-couplings]
        [--prior-draws 1e8] [--emcee-seeds 10] [--nested-seeds 3] [--steps N]
        [--out results/engines]

For each scenario: the prior Monte-Carlo reference (its ln Z and ln B against the SM), then
g2fit's default emcee run and its nested run at each seed, each cross-checked against the
reference (g2fit.inference.crosscheck: the probability below every 2.5-97.5 % quantile of
every parameter and every excluded fraction, within Monte-Carlo errors). Prints a table and
the headline fractions, and writes OUT/engines.json. Runs already in OUT are reused. With
--prior-draws 4e6 --steps 4000 it measures what tests/integration/mcmc/test_engines_vs_prior_mc.py
checks (emcee runs of 4000 steps; by default each scenario's own mcmc_steps).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from g2fit.inference.crosscheck import Draws, compare_draws, estimate
from g2fit.inference.nested import NestedSettings
from g2fit.io.posterior import run_attrs
from g2fit.jobs.cross_check import prior_mc_draws, run_draws
from g2fit.jobs.mcmc import default_settings, run_mcmc
from g2fit.jobs.nested import run_nested_sampling
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario

FUTURES = ["hl-lhc", "ilc", "gigaz", "cepc", "fcc-ee", "lepton-colliders", "all"]


def headline(draws: Draws) -> dict[str, str]:
    """The fractions of the issue's table, each with its Monte-Carlo error."""
    values = draws.values
    indicators = {"m_L > 1500 GeV": values["m_L"] > 1500}
    if "Y_V" in values:
        c = values["Y_V"] * values["m_S"] / values["m_L"] + values["Y_Vp"]
        indicators["c < 0"] = c < 0
    for future in ("hl-lhc", "ilc", "lepton-colliders"):
        indicators[f"excl. {future}"] = values[f"excluded by {future}"] > 0.5
    out = {}
    for label, flags in indicators.items():
        f, error, _ = estimate(draws, flags)
        out[label] = f"{f:.3f} ± {error:.3f}"
    return out


def check(
    name: str, reference: Draws, log_z: tuple[float, float], run: Path, engine: str
) -> dict[str, Any]:
    draws, scenario = run_draws(run, FUTURES)
    result = compare_draws(draws, reference, [p.name for p in scenario.parameters])
    row = {
        "scenario": name,
        "engine": engine,
        "family_p": result["family_p_value"],
        "max_abs_z": result["max_abs_z"],
        "agree": result["agree"],
        "fractions": headline(draws),
    }
    attrs = run_attrs(run)
    if "log_evidence" in attrs:
        error = math.hypot(float(attrs["log_evidence_error"]), log_z[1])
        row["log_z"] = float(attrs["log_evidence"])
        row["log_z_error"] = float(attrs["log_evidence_error"])
        row["log_z_z"] = (row["log_z"] - log_z[0]) / error
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="paper-2021,current,current-free-couplings")
    parser.add_argument("--prior-draws", type=float, default=1e8)
    parser.add_argument("--emcee-seeds", type=int, default=10)
    parser.add_argument("--nested-seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, help="emcee steps (default: the scenario's)")
    parser.add_argument("--out", type=Path, default=Path("results/engines"))
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    references: dict[str, Any] = {}
    for name in args.scenarios.split(","):
        scenario = load_scenario(name)
        likelihood = GlobalLikelihood(scenario)
        reference, exact = prior_mc_draws(scenario, FUTURES, int(args.prior_draws), seed=7)
        log_z = (exact.log_evidence, exact.log_evidence_error)
        log_l_sm = -0.5 * likelihood.chi2_sm()
        references[name] = {
            "draws": int(args.prior_draws),
            "effective_size": exact.effective_size,
            "log_z": log_z[0],
            "log_z_error": log_z[1],
            "log_bayes_factor_vs_sm": log_z[0] - log_l_sm,
            "fractions": headline(reference),
        }
        print(f"{name}: prior MC {references[name]}", flush=True)
        for seed in range(args.emcee_seeds):
            run = args.out / name / f"emcee-{seed}"
            if not (run / "posterior.nc").exists():
                steps = args.steps or scenario.mcmc_steps
                settings = default_settings(seed=seed, progress=False, steps=steps)
                run_mcmc(scenario, run, settings)
            rows.append(check(name, reference, log_z, run, f"emcee seed {seed}"))
            print(rows[-1], flush=True)
        for seed in range(args.nested_seeds):
            run = args.out / name / f"nested-{seed}"
            if not (run / "posterior.nc").exists():
                run_nested_sampling(scenario, run, NestedSettings(seed=seed))
            rows.append(check(name, reference, log_z, run, f"nested seed {seed}"))
            print(rows[-1], flush=True)
    print()
    print(f"{'scenario':<24} {'engine':<16} {'family p':>9} {'max|z|':>7} {'ln Z z':>7}")
    for row in rows:
        z = f"{row['log_z_z']:>7.2f}" if "log_z_z" in row else f"{'':>7}"
        print(
            f"{row['scenario']:<24} {row['engine']:<16} {row['family_p']:>9.3g} "
            f"{row['max_abs_z']:>7.2f} {z}"
        )
    for name in references:
        ps = [r["family_p"] for r in rows if r["scenario"] == name]
        zs = [r["max_abs_z"] for r in rows if r["scenario"] == name]
        if ps:
            print(f"{name}: min family p {np.min(ps):.3g}, largest max|z| {np.max(zs):.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    document = {"prior_mc": references, "runs": rows}
    (args.out / "engines.json").write_text(json.dumps(document, indent=1) + "\n")
    print(f"written: {args.out / 'engines.json'}")


if __name__ == "__main__":
    main()
