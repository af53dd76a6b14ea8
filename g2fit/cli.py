"""The command line: parse, call g2fit.api (or a job of g2fit.jobs), print.
`g2fit COMMAND --help` for each.

Bad input ends with one line on stderr, `g2fit: error: ...`, and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from g2fit import api
from g2fit.cli_parser import EXIT_BAD_INPUT, build_parser, fail
from g2fit.errors import ConstantError, InputError
from g2fit.jobs.defaults import RESULTS, default_output
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants

__all__ = ["RESULTS", "default_output", "main"]


def _constants_from(overrides: list[tuple[str, float]]) -> Constants:
    try:
        return dataclasses.replace(DEFAULT_CONSTANTS, **dict(overrides))
    except ValueError as error:
        fail(f"argument --set: {error}")


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


def _scenario_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """--scenario, --futures, --loops, --set and --seed as keyword arguments of g2fit.api."""
    return {
        "scenario": args.scenario,
        "futures": args.futures,
        "loops": args.loops,
        "constants": _constants_from(args.set),
        "seed": args.seed,
    }


def run_fit(args: argparse.Namespace) -> int:
    report = api.fit(
        **_scenario_arguments(args),
        out=args.out,
        profile_points=args.profile_points,
        profile_2d_points=args.profile_2d_points,
        progress=not args.no_progress,
    )
    print(report.table())
    redrawn = "" if report.corner is None else f", {report.corner} (best fit marked)"
    print(f"written: {report.path}{redrawn}")
    return 0


def _engine_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments of mcmc's engine: walkers, steps, burn, thin (emcee) or live points."""
    if args.sampler == "nested":
        emcee_only = ((args.walkers, "--walkers"), (args.steps, "--steps"), (args.burn, "--burn"))
        for given, option in emcee_only:
            if given is not None:
                fail(f"argument {option}: not an option of --sampler nested")
        return {"live_points": args.live_points}
    return {"walkers": args.walkers, "steps": args.steps, "burn": args.burn, "thin": args.thin}


def _print_evidence(evidence: dict[str, float]) -> None:
    print(
        f"ln Z = {evidence['log_evidence']:.3f} +- {evidence['log_evidence_error']:.3f}, "
        f"ln L_SM = {evidence['log_likelihood_sm']:.3f}, "
        f"ln B (model vs SM) = {evidence['log_bayes_factor_vs_sm']:.3f}"
    )


def run_mcmc(args: argparse.Namespace) -> int:
    engine = _engine_arguments(args)
    overrides = _constants_from(args.set).overrides()
    out = args.out or default_output(
        args.scenario, args.futures, args.loops, args.sampler, overrides
    )
    try:
        result = api.sample(
            **_scenario_arguments(args),
            out=out,
            sampler=args.sampler,
            progress=not args.no_progress,
            **engine,
        )
    except KeyboardInterrupt:
        kept = (
            f"the points in {out / 'checkpoint-nested'} are kept"
            if args.sampler == "nested"
            else f"the checkpoint in {out / 'checkpoint'} is kept"
        )
        print(f"g2fit: interrupted; {kept}: run the same command again to resume", file=sys.stderr)
        return 130
    if result.already_complete:
        print(f"already complete: the checkpoint holds all {result.steps} steps; nothing sampled")
    elif result.run.resumed_from:
        print(f"resumed from step {result.run.resumed_from} of {result.steps}")
    print(result.table())
    if result.evidence is not None:
        _print_evidence(result.evidence)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"written: {out / 'posterior.nc'}, {out / 'summary.csv'}, {out / 'corner.png'}")
    return 0


def run_plane(args: argparse.Namespace) -> int:
    report = api.plane(args.benchmark, args.out, args.grid)
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
    print(f"written: {report.figure}, {report.grid}, {report.inputs}")
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
    given = [args.posterior, args.scenarios, args.grid]
    if sum(value is not None for value in given) != 1:
        fail("give exactly one of --posterior RUN_DIR, --scenarios A,B,... and --grid NAME")
    if args.cross_check is not None and args.posterior is None:
        fail("argument --cross-check: needs --posterior RUN_DIR")
    if args.grid is None and (args.scheduler is not None or args.workers is not None):
        fail("arguments --scheduler and --workers: need --grid NAME")
    if args.grid is not None:
        return _run_grid(args)
    if args.posterior is not None:
        report = api.compare(
            args.posterior,
            futures=args.futures,
            out=args.out,
            fits=not args.no_fits,
            cross_check=args.cross_check,
        )
        print(report.table())
        _convergence_alarm({report.document["run"]: report.document["convergence"]})
        print(f"written: {', '.join(str(p) for p in report.paths)}")
        return 0
    comparison = api.compare(
        scenarios=args.scenarios,
        futures=args.futures,
        out=args.out,
        progress=not args.no_progress,
        nested=not args.no_nested,
        notify=lambda message: print(message, flush=True),
    )
    print(comparison.table)
    rows = comparison.document["scenarios"].values()
    _convergence_alarm({r["run"]: r["convergence"] for r in rows})
    print(f"written: {', '.join(str(p) for p in comparison.paths)}")
    return 0


def _run_grid(args: argparse.Namespace) -> int:
    """compare --grid: progress lines on stderr, the robustness summary on stdout; exit 1
    when a member failed (the others' results are written)."""
    report = api.compare_grid(
        args.grid,
        futures=args.futures,
        out=args.out,
        nested=not args.no_nested,
        scheduler=args.scheduler,
        workers=args.workers,
        notify=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(report.robustness)
    print(f"written: {', '.join(str(p) for p in report.paths)}")
    if report.failures:
        for key, problem in report.failures.items():
            print(f"g2fit: member {key} failed: {problem}", file=sys.stderr)
        return 1
    return 0


def run_report(args: argparse.Namespace) -> int:
    path = api.report(args.folder, out=args.out)
    print(f"written: {path}")
    return 0


def run_cross_sections(args: argparse.Namespace) -> int:
    from g2fit.jobs.cross_sections import cross_section_rows, format_rows

    print(format_rows(cross_section_rows(args.masses, args.sqrt_s), args.json))
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
    "cross-sections": run_cross_sections,
    "report": run_report,
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
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):
        # No command: the help, with every command, as usage; exit 2 as argparse's usage errors.
        print(parser.format_help(), file=sys.stderr, end="")
        print("g2fit: error: a command is required", file=sys.stderr)
        return EXIT_BAD_INPUT
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            args = parser.parse_args(argv)
            return RUNNERS[args.command](args)
        except ConstantError as error:  # the command line's constants come from --set
            fail(f"argument --set: {error}")
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
