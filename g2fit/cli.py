"""The command line: parse, call the library, print. `g2fit COMMAND --help` for each command.

Bad input ends with one line on stderr, `g2fit: error: ...`, and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.jobs.defaults import DEFAULT_STEPS, DEFAULT_THIN, DEFAULT_WALKERS
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants
from g2fit.model.observables import OBSERVABLES, observables

EXIT_BAD_INPUT = 2
DESCRIPTION = "Fits and inference for the vector-like lepton model of muon (g-2), arXiv:2106.01373."


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        fail(message)


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit with code 2."""
    print(f"g2fit: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def _positive_mass(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive mass in GeV, got {text!r}")
    return value


def _constant_override(text: str) -> tuple[str, float]:
    names = [f.name for f in dataclasses.fields(Constants) if f.name != "y_t_override"]
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    if name == "y_t":
        name = "y_t_override"
    elif name not in names:
        raise argparse.ArgumentTypeError(
            f"unknown constant {name!r}; valid: {', '.join([*names, 'y_t'])}"
        )
    return name, _finite(value)


def _constants_from(overrides: list[tuple[str, float]]) -> Constants:
    try:
        return dataclasses.replace(DEFAULT_CONSTANTS, **dict(overrides))
    except ValueError as error:
        fail(f"argument --set: {error}")


def _add_model_point(parser: argparse.ArgumentParser) -> None:
    point = parser.add_argument_group("model point (masses in GeV)")
    point.add_argument("--m-L", type=_positive_mass, required=True, help="doublet mass m_L")
    point.add_argument("--m-S", type=_positive_mass, required=True, help="singlet mass m_S")
    for name, help_text in [("Y-L", "Y_L"), ("Y-R", "Y_R"), ("Y-V", "Y_V"), ("Y-Vp", "Y'_V")]:
        point.add_argument(f"--{name}", type=_finite, required=True, help=f"Yukawa {help_text}")
    point.add_argument(
        "--cutoff", type=_positive_mass, default=1e5, help="Lambda of eq. 4 (default 1e5 GeV)"
    )
    point.add_argument(
        "--no-two-loop-top", action="store_true", help="leave eq. 14 out of delta_amu"
    )
    point.add_argument(
        "--set",
        type=_constant_override,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an SM constant, e.g. --set m_t=173.0 (repeatable)",
    )


def _format_table(rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c}" for a, b, c in rows)


def run_observables(args: argparse.Namespace) -> int:
    constants = _constants_from(args.set)
    inputs = {
        "m_L": args.m_L,
        "m_S": args.m_S,
        "Y_L": args.Y_L,
        "Y_R": args.Y_R,
        "Y_V": args.Y_V,
        "Y_Vp": args.Y_Vp,
        "cutoff": args.cutoff,
        "two_loop_top": not args.no_two_loop_top,
    }
    point = {k: v for k, v in inputs.items() if k not in ("cutoff", "two_loop_top")}
    values = observables(
        **point, cutoff=args.cutoff, two_loop_top=inputs["two_loop_top"], constants=constants
    )
    result = {name: float(np.asarray(value)) for name, value in values.items()}
    if args.json:
        # JSON has no infinity or NaN: such a value is null, and named in "non_finite".
        document: dict[str, Any] = {
            "g2fit_version": __version__,
            "inputs": inputs,
            "constants": constants.as_dict(),
            "observables": {k: v if math.isfinite(v) else None for k, v in result.items()},
            "non_finite": sorted(k for k, v in result.items() if not math.isfinite(v)),
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    rows = [("observable", "value", "meaning")]
    rows += [(name, f"{result[name]:.6e}", OBSERVABLES[name]) for name in OBSERVABLES]
    print(_format_table(rows))
    return 0


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of names, got {text!r}")
    return names


#: Upper limits on sizes: beyond them a run would not fit in memory or in a day.
#: (The memory a run needs is bounded too: g2fit.jobs.mcmc.MAX_MEMORY_BYTES.)
MAX_WALKERS = 100_000
MAX_STEPS = 10_000_000
MAX_GRID = 2000
MAX_PROFILE_POINTS = 1000
MAX_MASS_RATIO = 1e6


def _integer(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < low:
            problem = "must be positive" if low == 1 else f"must be at least {low}"
            raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high}, got {text!r}")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must lie in [0, 2^32), got {text!r}")
    return value


def _output(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return Path(text)


def default_output(scenario: str, futures: list[str]) -> Path:
    """results/<scenario>[+<future>...]/"""
    return Path("results") / "+".join([scenario, *futures])


def run_fit(args: argparse.Namespace) -> int:
    from g2fit.io.files import owned_folder, prepare_output_folder, write_json
    from g2fit.jobs.fit import fit_scenario, format_fit_table
    from g2fit.jobs.run_folder import FIT_FILE, check_folder_results
    from g2fit.likelihood.global_likelihood import GlobalLikelihood
    from g2fit.likelihood.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.futures, constants=_constants_from(args.set))
    out = prepare_output_folder(args.out or default_output(args.scenario, args.futures))
    with owned_folder(out):
        check_folder_results(out, GlobalLikelihood(scenario))
        document = fit_scenario(
            scenario,
            seed=args.seed,
            n_profile=args.profile_points,
            n_profile_2d=args.profile_2d_points,
        )
        write_json(out / FIT_FILE, document)
    print(format_fit_table(document))
    print(f"written: {out / FIT_FILE}")
    return 0


def run_mcmc_command(args: argparse.Namespace) -> int:
    from g2fit.inference.sampler import RunSettings
    from g2fit.io.files import prepare_output_folder
    from g2fit.jobs.mcmc import McmcSettings, format_summary, run_mcmc
    from g2fit.likelihood.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.futures, constants=_constants_from(args.set))
    out = prepare_output_folder(args.out or default_output(args.scenario, args.futures))
    burn = args.steps // 4 if args.burn is None else args.burn
    settings = McmcSettings(
        RunSettings(seed=args.seed, walkers=args.walkers, steps=args.steps),
        burn=burn,
        thin=args.thin,
        progress=not args.no_progress,
    )
    try:
        result = run_mcmc(scenario, out, settings)
    except KeyboardInterrupt:
        print(
            f"g2fit: interrupted; the checkpoint in {out / 'checkpoint'} is kept: "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    if result.resumed_from:
        print(f"resumed from step {result.resumed_from} of {args.steps}")
    parameters = [p.name for p in scenario.parameters]
    print(format_summary(result, parameters))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"written: {out / 'posterior.nc'}, {out / 'summary.csv'}, {out / 'corner.png'}")
    return 0


def _check_target(path: Path) -> None:
    if path.is_dir():
        fail(f"argument --out: {path} is a folder; the output needs a file name there")


def run_plane(args: argparse.Namespace) -> int:
    from g2fit.inference.plane import compute_plane, grid_bytes, load_plane
    from g2fit.io.figures import plane_figure
    from g2fit.io.files import prepare_output_folder, write_files

    if args.out.suffix != ".png":
        fail(f"argument --out: must name a .png file, got {str(args.out)!r}")
    _check_target(args.out)
    _check_target(args.out.with_suffix(".nc"))
    spec = load_plane(args.benchmark)
    prepare_output_folder(args.out.parent)
    plane = compute_plane(spec, args.grid)
    grid_path = args.out.with_suffix(".nc")
    write_files([(args.out, plane_figure(plane)), (grid_path, grid_bytes(plane))])
    masks = plane["masks"]
    surviving, viable = masks["surviving"], masks["viable"]
    print(f"{spec.name}: {spec.description}")
    print(f"grid {args.grid} x {args.grid}; surviving today: {surviving.mean():.1%} of the plane")
    print(f"viable region: {plane['viable_region']}: {viable.mean():.1%} of the plane")
    if viable.any():
        for key in sorted(k for k in masks if k.startswith("covered_")):
            share = (masks[key] & viable).sum() / viable.sum()
            print(f"  {key[8:]:<18} covers {share:.1%} of the viable region")
    else:
        print("  the viable region is empty: no coverage to report")
    natural = viable & masks["natural"]
    if natural.any():
        top = plane["m_L"][natural.any(axis=0)].max()
        print(f"  natural (|dm_mu/m_mu| <= 1) and viable: m_L <= {top:.0f} GeV")
    print(f"written: {args.out}, {grid_path}")
    return 0


def run_integrand(args: argparse.Namespace) -> int:
    from g2fit.io.figures import integrand_figure
    from g2fit.io.files import prepare_output_folder, write_atomic
    from g2fit.model.integrand import f_prime, integrals

    if args.out.suffix != ".png":
        fail(f"argument --out: must name a .png file, got {str(args.out)!r}")
    _check_target(args.out)
    prepare_output_folder(args.out.parent)
    ratio = args.mL_over_mS
    u = np.geomspace(1e-4, max(1e4, 1e4 * ratio**2), 2000)
    total, magnitude = integrals(ratio)
    write_atomic(args.out, integrand_figure(u, u * f_prime(u, ratio), ratio, total, magnitude))
    print(
        f"m_L/m_S = {ratio:g}: integral du f'(u) = {total:.3e} (quadrature), "
        f"integral du |f'(u)| = {magnitude:.6g} m_S^-2 "
        f"(= 2/(1 + m_L/m_S)^2 = {2 / (1 + ratio) ** 2:.6g})"
    )
    print(f"written: {args.out}")
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
    from g2fit.io.figures import comparison_figure
    from g2fit.io.files import json_text, owned_folder, prepare_output_folder, write_files
    from g2fit.io.posterior import run_attrs
    from g2fit.jobs.compare import (
        DEFAULT_FUTURES,
        check_futures,
        compare_scenarios,
        exclusion_csv,
        exclusion_summary,
        format_comparison,
        format_exclusion,
    )
    from g2fit.likelihood.scenario import load_scenario

    if (args.posterior is None) == (args.scenarios is None):
        fail("give exactly one of --posterior RUN_DIR and --scenarios A,B,...")
    check_futures(list(args.futures or DEFAULT_FUTURES))
    if args.posterior is not None:
        run_attrs(args.posterior)  # a g2fit run, before anything is written
        out = prepare_output_folder(args.out or args.posterior)
        with owned_folder(out):
            document = exclusion_summary(args.posterior, args.futures, fits=not args.no_fits)
            write_files(
                [
                    (out / "exclusion.json", json_text(document)),
                    (out / "exclusion.csv", exclusion_csv(document)),
                ]
            )
        print(format_exclusion(document))
        _convergence_alarm({document["run"]: document["convergence"]})
        print(f"written: {out / 'exclusion.json'}, {out / 'exclusion.csv'}")
        return 0
    for name in args.scenarios:
        load_scenario(name)
    out = prepare_output_folder(args.out or Path("results") / "comparison")
    with owned_folder(out):
        comparison = compare_scenarios(args.scenarios, args.futures, progress=not args.no_progress)
        table = format_comparison(comparison)
        write_files(
            [
                (out / "comparison.json", json_text(comparison)),
                (out / "comparison.md", table + "\n"),
                (out / "comparison.png", comparison_figure(comparison)),
            ]
        )
    print(table)
    _convergence_alarm({r["run"]: r["convergence"] for r in comparison["scenarios"].values()})
    print(f"written: {out / 'comparison.json'}, {out / 'comparison.md'}, {out / 'comparison.png'}")
    return 0


def _at_least_one(text: str) -> float:
    value = _finite(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (m_L >= m_S), got {text!r}")
    if value > MAX_MASS_RATIO:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_MASS_RATIO:g}, got {text!r}")
    return value


def _add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default="paper-2021",
        help=f"a scenario of likelihoods/scenarios/: {_valid('scenarios')} (default paper-2021)",
    )
    parser.add_argument(
        "--futures",
        type=_names,
        default=[],
        metavar="A,B",
        help=f"future experiments' projections to add (likelihoods/futures/): {_valid('futures')}",
    )
    parser.add_argument(
        "--out",
        type=_output,
        metavar="DIR",
        help="the run folder (default results/SCENARIO, or results/SCENARIO+FUTURE+... "
        "with --futures)",
    )
    parser.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--set",
        type=_constant_override,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an SM constant, e.g. --set m_t=173.0 (repeatable)",
    )


def _valid(subfolder: str) -> str:
    """The definitions in likelihoods/SUBFOLDER, for a help text."""
    from g2fit.likelihood.scenario import names_in

    try:
        return ", ".join(names_in(subfolder))
    except InputError as error:
        return f"(cannot list them: {error})"


FIT_HELP = """\
Best fit (multi-start MIGRAD from a vectorized prior scan, then HESSE and MINOS), the 1-D
profile likelihoods of m_L and m_S with their one-sided 95% CL upper limits (Delta chi2 =
2.71, Wilks), and the 2-D (m_L, m_S) profile. Prints per-term chi2 and pulls at the best
fit and for the SM, and writes DIR/fit.json with every input."""

MCMC_HELP = """\
Sample the scenario's posterior with emcee (differential-evolution and snooker moves,
vectorized) and write DIR/posterior.nc (arviz InferenceData), DIR/summary.csv and
DIR/corner.png; load it with g2fit.load_posterior(DIR).

Checkpoint and resume: the chain is checkpointed in DIR/checkpoint/ every 250 steps (each
chunk written whole, with checksums). After Ctrl-C, a kill or a crash, run the same command
again: it resumes where the run stopped and ends with the same samples as an uninterrupted
run. A larger --steps extends a finished run. A checkpoint or results of another scenario,
seed or walker count are refused, never overwritten; a folder is used by one run at a time.

Convergence: a warning when the run after burn-in is shorter than 50 autocorrelation times
or its effective sample size walkers x steps / tau is below 400; the verdict is recorded in
the posterior and flagged by every summary that uses it (compare)."""

COMPARE_HELP = """\
With --posterior RUN_DIR: the fraction of that posterior each future experiment excludes at
95% CL (with its Monte-Carlo error), the same for its natural part (|Delta m_mu/m_mu| <= 1),
and the best fit with the future's SM-like data added; writes exclusion.json and
exclusion.csv. With --scenarios A,B,...: runs mcmc and fit where results/SCENARIO lacks
them, then writes comparison.json, comparison.md and comparison.png. A posterior that did
not converge is flagged in every table that uses it."""

PLANE_HELP = """\
The paper's Fig. 5 (Delta a_mu fixed) and Fig. 6 (Delta m_mu = -3 m_mu, Delta a_mu band)
(m_L, m_S) planes from the scenario's own likelihood terms: excluded regions today, the
future experiments' reach, and how much of the viable region each future covers. Writes the
figure and, beside it, the grid with every region mask as netCDF (FILE.nc)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="g2fit", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"g2fit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, summary: str, description: str | None = None) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=description or summary,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    obs = command(
        "observables",
        "the model's observables at one parameter point (eqs. 4, 12, 14, 16)",
        "Every observable of the model at one point: Delta a_mu (eqs. 12 and 14), the "
        "radiative muon mass (eq. 4), the W and Z couplings (eq. 16) and what follows from "
        "them. Masses in GeV.",
    )
    _add_model_point(obs)
    obs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    obs.set_defaults(run=run_observables)

    fit = command("fit", "best fit, profile likelihoods and 95%% CL upper mass limits", FIT_HELP)
    _add_scenario_arguments(fit)
    fit.add_argument(
        "--profile-points",
        type=_integer(2, MAX_PROFILE_POINTS),
        default=25,
        help="1-D profile grid size (default 25)",
    )
    fit.add_argument(
        "--profile-2d-points",
        type=_integer(2, MAX_PROFILE_POINTS // 10),
        default=15,
        help="2-D profile grid size per axis (default 15)",
    )
    fit.set_defaults(run=run_fit)

    mcmc = command("mcmc", "sample the posterior with emcee (checkpointed, resumable)", MCMC_HELP)
    _add_scenario_arguments(mcmc)
    mcmc.add_argument(
        "--walkers",
        type=_integer(1, MAX_WALKERS),
        default=DEFAULT_WALKERS,
        help=f"walkers (default {DEFAULT_WALKERS})",
    )
    mcmc.add_argument(
        "--steps",
        type=_integer(1, MAX_STEPS),
        default=DEFAULT_STEPS,
        help=f"steps (default {DEFAULT_STEPS})",
    )
    mcmc.add_argument(
        "--burn", type=_integer(0, MAX_STEPS), help="burn-in steps dropped (default steps/4)"
    )
    mcmc.add_argument(
        "--thin",
        type=_integer(1, MAX_STEPS),
        default=DEFAULT_THIN,
        help=f"keep every N-th step (default {DEFAULT_THIN})",
    )
    mcmc.add_argument("--no-progress", action="store_true", help="no progress bar")
    mcmc.set_defaults(run=run_mcmc_command)

    plane = command("plane", "the paper's Fig. 5/6 (m_L, m_S) planes, with the grid", PLANE_HELP)
    plane.add_argument("--benchmark", required=True, help=f"one of {_valid('planes')}")
    plane.add_argument(
        "--out",
        type=_output,
        required=True,
        metavar="FILE.png",
        help="the figure; the grid goes beside it (FILE.nc)",
    )
    plane.add_argument(
        "--grid", type=_integer(2, MAX_GRID), default=300, help="points per axis (default 300)"
    )
    plane.set_defaults(run=run_plane)

    integrand = command(
        "integrand",
        "the paper's Fig. 2: the loop integrand of eq. 7 and its integral",
        "The paper's Fig. 2: u f'(u), the integrand of eq. 7, whose integral vanishes (the "
        "dimension-six term is a total derivative); prints the integral by quadrature.",
    )
    integrand.add_argument(
        "--mL-over-mS",
        dest="mL_over_mS",
        type=_at_least_one,
        default=1000.0,
        help="m_L/m_S (default 1000)",
    )
    integrand.add_argument(
        "--out", type=_output, required=True, metavar="FILE.png", help="the figure"
    )
    integrand.set_defaults(run=run_integrand)

    compare = command(
        "compare",
        "what future experiments exclude of a posterior; scenarios side by side",
        COMPARE_HELP,
    )
    compare.add_argument("--posterior", type=_output, metavar="RUN_DIR", help="a g2fit mcmc run")
    compare.add_argument(
        "--scenarios",
        type=_names,
        metavar="A,B",
        help=f"scenarios to compare, of: {_valid('scenarios')}",
    )
    compare.add_argument(
        "--futures",
        type=_names,
        metavar="A,B",
        help=f"of: {_valid('futures')} (default hl-lhc,ilc,gigaz,cepc,fcc-ee; "
        "lepton-colliders and all are always added)",
    )
    compare.add_argument(
        "--out",
        type=_output,
        metavar="DIR",
        help="output folder (default: the run folder; with --scenarios results/comparison)",
    )
    compare.add_argument("--no-fits", action="store_true", help="skip the best fits with futures")
    compare.add_argument("--no-progress", action="store_true", help="no progress bar")
    compare.set_defaults(run=run_compare)
    return parser


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
            return int(args.run(args))
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
