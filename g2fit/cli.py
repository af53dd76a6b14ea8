"""The command line: parse, call a job (g2fit.jobs), print. `g2fit COMMAND --help` for each.

Bad input ends with one line on stderr, `g2fit: error: ...`, and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from g2fit.cli_parser import build_parser, fail
from g2fit.errors import InputError
from g2fit.jobs.defaults import DEFAULT_STEPS
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants

if TYPE_CHECKING:
    from g2fit.likelihood.scenario import Scenario

#: Where runs go unless --out says otherwise.
RESULTS = Path("results")


def _constants_from(overrides: list[tuple[str, float]]) -> Constants:
    try:
        return dataclasses.replace(DEFAULT_CONSTANTS, **dict(overrides))
    except ValueError as error:
        fail(f"argument --set: {error}")


def default_output(
    scenario: str, futures: list[str], loops: str | None = None, sampler: str = "emcee"
) -> Path:
    """results/<scenario>[+<future>...][@exact][@nested]/: @exact when --loops exact is
    given, @nested for the nested sampler's run."""
    suffix = ("@exact" if loops == "exact" else "") + ("@nested" if sampler == "nested" else "")
    return RESULTS / ("+".join([scenario, *futures]) + suffix)


def run_observables(args: argparse.Namespace) -> int:
    from g2fit.jobs.observables import run_observables as run

    point = {k: getattr(args, k) for k in ("m_L", "m_S", "Y_L", "Y_R", "Y_V", "Y_Vp")}
    result = run(
        point,
        cutoff=args.cutoff,
        two_loop_top=not args.no_two_loop_top,
        constants=_constants_from(args.set),
        loops=args.loops,
    )
    print(result.json() if args.json else result.table())
    return 0


def _scenario(args: argparse.Namespace) -> Scenario:
    from g2fit.likelihood.scenario import load_scenario

    constants = _constants_from(args.set)
    return load_scenario(args.scenario, args.futures, constants=constants, loops=args.loops)


def run_fit(args: argparse.Namespace) -> int:
    from g2fit.jobs.fit import run_fit as run

    scenario = _scenario(args)
    report = run(
        scenario,
        args.out or default_output(args.scenario, args.futures, args.loops),
        seed=args.seed,
        n_profile=args.profile_points,
        n_profile_2d=args.profile_2d_points,
    )
    print(report.table())
    print(f"written: {report.path}")
    return 0


def run_mcmc(args: argparse.Namespace) -> int:
    from g2fit.inference.sampler import RunSettings
    from g2fit.jobs.mcmc import McmcSettings, format_summary
    from g2fit.jobs.mcmc import run_mcmc as run

    scenario = _scenario(args)
    out = args.out or default_output(args.scenario, args.futures, args.loops, args.sampler)
    if args.sampler == "nested":
        return _run_nested(scenario, out, args)
    steps = args.steps or scenario.mcmc_steps or DEFAULT_STEPS
    settings = McmcSettings(
        RunSettings(seed=args.seed, walkers=args.walkers, steps=steps),
        burn=steps // 4 if args.burn is None else args.burn,
        thin=args.thin,
        progress=not args.no_progress,
    )
    try:
        result = run(scenario, out, settings)
    except KeyboardInterrupt:
        print(
            f"g2fit: interrupted; the checkpoint in {out / 'checkpoint'} is kept: "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    if result.resumed_from:
        print(f"resumed from step {result.resumed_from} of {steps}")
    print(format_summary(result, [p.name for p in scenario.parameters]))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"written: {out / 'posterior.nc'}, {out / 'summary.csv'}, {out / 'corner.png'}")
    return 0


def _run_nested(scenario: Scenario, out: Path, args: argparse.Namespace) -> int:
    from g2fit.inference.nested import NestedSettings
    from g2fit.jobs.mcmc import format_summary
    from g2fit.jobs.nested import run_nested_sampling

    for given, option in ((args.steps, "--steps"), (args.burn, "--burn")):
        if given is not None:
            fail(f"argument {option}: not an option of --sampler nested")
    settings = NestedSettings(seed=args.seed, live_points=args.live_points)
    try:
        result, evidence = run_nested_sampling(scenario, out, settings)
    except KeyboardInterrupt:
        print(
            f"g2fit: interrupted; the points in {out / 'checkpoint-nested'} are kept: "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    print(format_summary(result, [p.name for p in scenario.parameters]))
    print(
        f"ln Z = {evidence['log_evidence']:.3f} +- {evidence['log_evidence_error']:.3f}, "
        f"ln L_SM = {evidence['log_likelihood_sm']:.3f}, "
        f"ln B (model vs SM) = {evidence['log_bayes_factor_vs_sm']:.3f}"
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"written: {out / 'posterior.nc'}, {out / 'summary.csv'}, {out / 'corner.png'}")
    return 0


def run_plane(args: argparse.Namespace) -> int:
    from g2fit.jobs.plane import run_plane as run

    report = run(args.benchmark, args.out, args.grid)
    print(report.text())
    print(f"written: {report.figure}, {report.grid}")
    return 0


def run_integrand(args: argparse.Namespace) -> int:
    from g2fit.jobs.integrand import run_integrand as run

    report = run(args.mL_over_mS, args.out)
    print(report.text())
    print(f"written: {report.figure}")
    return 0


def run_validity(args: argparse.Namespace) -> int:
    from g2fit.jobs.validity import run_validity as run

    couplings = {k: getattr(args, k) for k in ("Y_L", "Y_R", "Y_V", "Y_Vp")}
    report = run(couplings, args.out, args.grid, _constants_from(args.set))
    print(report.text())
    print(f"written: {report.figure}, {report.grid}")
    return 0


def _convergence_alarm(runs: dict[str, Any]) -> None:
    for run, convergence in runs.items():
        if not convergence["converged"]:
            print(
                f"g2fit: warning: the posterior in {run} is not converged "
                f"({'; '.join(convergence['warnings'])}); its fractions are not to be trusted: "
                "rerun its mcmc with more --steps",
                file=sys.stderr,
            )


def run_compare(args: argparse.Namespace) -> int:
    from g2fit.jobs.compare import run_exclusion
    from g2fit.jobs.compare_scenarios import run_comparison

    if (args.posterior is None) == (args.scenarios is None):
        fail("give exactly one of --posterior RUN_DIR and --scenarios A,B,...")
    if args.cross_check is not None and args.posterior is None:
        fail("argument --cross-check: needs --posterior RUN_DIR")
    if args.posterior is not None:
        report = run_exclusion(
            args.posterior,
            args.futures,
            args.out,
            fits=not args.no_fits,
            cross_check=args.cross_check,
        )
        print(report.table())
        _convergence_alarm({report.document["run"]: report.document["convergence"]})
        print(f"written: {', '.join(str(p) for p in report.paths)}")
        return 0
    comparison = run_comparison(
        args.scenarios,
        args.futures,
        args.out or RESULTS / "comparison",
        RESULTS,
        progress=not args.no_progress,
        nested=not args.no_nested,
        notify=lambda message: print(message, flush=True),
    )
    print(comparison.table)
    rows = comparison.document["scenarios"].values()
    _convergence_alarm({r["run"]: r["convergence"] for r in rows})
    print(f"written: {', '.join(str(p) for p in comparison.paths)}")
    return 0


#: What runs each command.
RUNNERS = {
    "observables": run_observables,
    "fit": run_fit,
    "mcmc": run_mcmc,
    "plane": run_plane,
    "integrand": run_integrand,
    "validity": run_validity,
    "compare": run_compare,
}


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    text = " ".join(str(message).split())
    print(f"g2fit: warning: {text}", file=sys.stderr)


def _quiet_stdout() -> None:
    """After a closed pipe (`g2fit ... | head`), send what is left to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `g2fit` and `python -m g2fit`; returns the exit code."""
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            args = build_parser().parse_args(argv)
            return RUNNERS[args.command](args)
        except InputError as error:
            fail(str(error))
        except BrokenPipeError:
            _quiet_stdout()
            return 141  # 128 + SIGPIPE, as a shell reports a command ended by a closed pipe
        except KeyboardInterrupt:
            print(
                "g2fit: interrupted; finished files are kept, none is half-written",
                file=sys.stderr,
            )
            return 130
