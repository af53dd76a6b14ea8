"""The argument parser of the command line: every command, its arguments and its help."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

from g2fit import __version__
from g2fit.cli_arguments import (
    at_least_one,
    comma_floats,
    constant_override,
    finite,
    integer,
    name_list,
    output,
    positive_mass,
    seed,
)
from g2fit.errors import InputError
from g2fit.jobs.defaults import (
    DEFAULT_LIVE_POINTS,
    DEFAULT_STEPS,
    DEFAULT_THIN,
    DEFAULT_WALKERS,
    MAX_GRID,
    MAX_LIVE_POINTS,
    MAX_PROFILE_POINTS,
    MAX_STEPS,
    MAX_WALKERS,
    MAX_WORKERS,
    SAMPLERS,
)
from g2fit.model.observables import LOOPS

EXIT_BAD_INPUT = 2
DESCRIPTION = "Fits and inference for the vector-like lepton model of muon (g-2), arXiv:2106.01373."


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit with code 2."""
    print(f"g2fit: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2, and a negative number in
    scientific notation (--Y-R -1e-3) is a value, not an option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message: str) -> NoReturn:
        fail(message)


def _valid(subfolder: str) -> str:
    """The definitions in likelihoods/SUBFOLDER, for a help text."""
    from g2fit.config.scenarios import names_in

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
Sample the scenario's posterior with emcee (differential-evolution, snooker and prior moves,
vectorized), or with --sampler nested by nested sampling (UltraNest), which also gives the
evidence ln Z and the Bayes factor against the SM. Writes DIR/posterior.nc (arviz
InferenceData), DIR/summary.csv and DIR/corner.png; load it with g2fit.load_posterior(DIR).
The nested run goes to results/SCENARIO@nested by default.

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


OBSERVABLES_HELP = (
    "Every observable of the model at one point: Delta a_mu (eqs. 12 and 14), the "
    "radiative muon mass (eq. 4), the W and Z couplings (eq. 16) and what follows from "
    "them. Masses in GeV."
)
VALIDITY_HELP = """\
Where the paper's eq. 12 holds: the one-loop Delta a_mu of the exact mode (mass eigenstates,
every W, Z and h loop) over eq. 12's, and the same for its chirally enhanced part, on an
(m_L, m_S) grid from 100 to 5000 GeV at fixed Yukawas. Prints how much of the plane eq. 12
misses by more than 1 %, 5 % and 20 %; writes the figure, the grid beside it (FILE.csv, plain
CSV) and what it was computed from (FILE.json: couplings, constants, g2fit version)."""
#: The Yukawas of the validity map by default: (Y_V, Y'_V) = (1, 0) as the paper's Fig. 5
#: left, Y_L = Y_R = 0.7 (Y_L Y_R ~ 0.5, inside the vacuum-stability bound).
VALIDITY_BENCHMARK = (
    ("Y-L", "Y_L", 0.7),
    ("Y-R", "Y_R", 0.7),
    ("Y-V", "Y_V", 1.0),
    ("Y-Vp", "Y'_V", 0.0),
)
INTEGRAND_HELP = (
    "The paper's Fig. 2: u f'(u), the integrand of eq. 7, whose integral vanishes (the "
    "dimension-six term is a total derivative); prints the integral by quadrature."
)


def _add_constants(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        type=constant_override,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an SM constant, e.g. --set m_t=173.0 (repeatable)",
    )


def _add_loops(parser: argparse.ArgumentParser, default: str | None) -> None:
    fallback = "the scenario's own, eft unless it sets loops" if default is None else default
    parser.add_argument(
        "--loops",
        choices=LOOPS,
        default=default,
        help="one-loop Delta a_mu and W, Z couplings: eft (the paper's eqs. 12, 16) or exact "
        f"(mass eigenstates, every W, Z, h loop); default {fallback}",
    )


def _add_observables(parser: argparse.ArgumentParser) -> None:
    point = parser.add_argument_group("model point (masses in GeV)")
    point.add_argument("--m-L", type=positive_mass, required=True, help="doublet mass m_L")
    point.add_argument("--m-S", type=positive_mass, required=True, help="singlet mass m_S")
    for name, help_text in [("Y-L", "Y_L"), ("Y-R", "Y_R"), ("Y-V", "Y_V"), ("Y-Vp", "Y'_V")]:
        point.add_argument(f"--{name}", type=finite, required=True, help=f"Yukawa {help_text}")
    point.add_argument(
        "--cutoff", type=positive_mass, default=1e5, help="Lambda of eq. 4 (default 1e5 GeV)"
    )
    point.add_argument(
        "--no-two-loop-top", action="store_true", help="leave eq. 14 out of delta_amu"
    )
    _add_constants(point)  # type: ignore[arg-type]
    _add_loops(parser, "eft")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


CROSS_SECTIONS_HELP = """\
The doublet's pair-production cross sections at the LHC per channel (E+E-, E N with both
charges, N Nbar) in fb: at 13 TeV the LHC SUSY cross-section working group's NLO+NNLL
higgsino sum (the doublet's quantum numbers), split into channels at leading order; at 14 TeV
the same times the leading-order 14/13 ratio, whose uncertainty (PDF sets and scale) is
shown. From data/cross_sections/ (sources there); masses 100-5000 GeV."""


def _add_cross_sections(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--masses",
        type=comma_floats,
        required=True,
        help="doublet masses in GeV, comma-separated (e.g. 1000,1270,2000)",
    )
    parser.add_argument(
        "--sqrt-s",
        type=comma_floats,
        default=[13000.0, 14000.0],
        help="centre-of-mass energies in GeV (default 13000,14000)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default="paper-2021",
        help=f"a scenario of likelihoods/scenarios/: {_valid('scenarios')} (default paper-2021)",
    )
    parser.add_argument(
        "--futures",
        type=name_list,
        default=[],
        metavar="A,B",
        help=f"future experiments' projections to add (likelihoods/futures/): {_valid('futures')}",
    )
    parser.add_argument(
        "--out",
        type=output,
        metavar="DIR",
        help="the run folder (default results/SCENARIO, or results/SCENARIO+FUTURE+... "
        "with --futures; @inputs-HASH added with --set, G2FIT_DATA or G2FIT_LIKELIHOODS)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    _add_constants(parser)
    _add_loops(parser, None)


def _add_fit(parser: argparse.ArgumentParser) -> None:
    _add_scenario_arguments(parser)
    parser.add_argument(
        "--profile-points",
        type=integer(2, MAX_PROFILE_POINTS),
        default=25,
        help="1-D profile grid size (default 25)",
    )
    parser.add_argument(
        "--profile-2d-points",
        type=integer(2, MAX_PROFILE_POINTS // 10),
        default=15,
        help="2-D profile grid size per axis (default 15)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no line per stage on stderr (fit, profiles)"
    )


def _add_mcmc(parser: argparse.ArgumentParser) -> None:
    _add_scenario_arguments(parser)
    parser.add_argument(
        "--walkers",
        type=integer(1, MAX_WALKERS),
        help=f"emcee walkers (default: the scenario's mcmc_walkers, else {DEFAULT_WALKERS})",
    )
    parser.add_argument(
        "--steps",
        type=integer(1, MAX_STEPS),
        help=f"emcee steps (default: the scenario's mcmc_steps, else {DEFAULT_STEPS})",
    )
    parser.add_argument(
        "--burn", type=integer(0, MAX_STEPS), help="emcee burn-in steps dropped (default steps/4)"
    )
    parser.add_argument(
        "--thin",
        type=integer(1, MAX_STEPS),
        default=DEFAULT_THIN,
        help=f"emcee: keep every N-th step (default {DEFAULT_THIN})",
    )
    parser.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default="emcee",
        help="emcee (default) or nested sampling (UltraNest; also gives the evidence ln Z)",
    )
    parser.add_argument(
        "--live-points",
        type=integer(10, MAX_LIVE_POINTS),
        default=DEFAULT_LIVE_POINTS,
        help=f"live points of the nested sampler (default {DEFAULT_LIVE_POINTS})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_figure_with_grid(parser: argparse.ArgumentParser, suffix: str, points: int) -> None:
    """--out FILE.png (the grid written beside it, FILE<suffix>) and --grid."""
    parser.add_argument(
        "--out",
        type=output,
        required=True,
        metavar="FILE.png",
        help=f"the figure; the grid goes beside it (FILE{suffix})",
    )
    parser.add_argument(
        "--grid",
        type=integer(2, MAX_GRID),
        default=points,
        help=f"points per axis (default {points})",
    )


def _add_plane(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--benchmark", required=True, help=f"one of {_valid('planes')}")
    _add_figure_with_grid(parser, ".nc", 300)


def _add_integrand(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mL-over-mS",
        dest="mL_over_mS",
        type=at_least_one,
        default=1000.0,
        help="m_L/m_S (default 1000)",
    )
    parser.add_argument("--out", type=output, required=True, metavar="FILE.png", help="the figure")


def _add_validity(parser: argparse.ArgumentParser) -> None:
    for name, label, default in VALIDITY_BENCHMARK:
        parser.add_argument(
            f"--{name}", type=finite, default=default, help=f"Yukawa {label} (default {default:g})"
        )
    _add_figure_with_grid(parser, ".csv", 80)
    _add_constants(parser)


def _add_compare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--posterior", type=output, metavar="RUN_DIR", help="a g2fit mcmc run")
    parser.add_argument(
        "--scenarios",
        type=name_list,
        metavar="A,B",
        help=f"scenarios to compare, of: {_valid('scenarios')}",
    )
    parser.add_argument(
        "--grid",
        metavar="NAME",
        help=f"every scenario of a grid of data choices (likelihoods/grids/), run with dask, "
        f"and which conclusions hold for all; of: {_valid('grids')}",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --grid: an existing dask cluster's scheduler (tcp://host:8786); default a "
        "local cluster",
    )
    parser.add_argument(
        "--workers",
        type=integer(1, MAX_WORKERS),
        metavar="N",
        help="with --grid: worker processes of the local cluster (default: the cores)",
    )
    parser.add_argument(
        "--futures",
        type=name_list,
        metavar="A,B",
        help=f"of: {_valid('futures')} (default hl-lhc,ilc,gigaz,cepc,fcc-ee; "
        "lepton-colliders and all are always added)",
    )
    parser.add_argument(
        "--out",
        type=output,
        metavar="DIR",
        help="output folder (default: the run folder; with --scenarios results/comparison; "
        "with --grid results/grids/NAME)",
    )
    parser.add_argument(
        "--cross-check",
        metavar="RUN_DIR|prior-mc",
        help="with --posterior: compare it with another run of the same scenario (another "
        "seed, or --sampler nested) or with plain Monte Carlo over the prior (prior-mc)",
    )
    parser.add_argument(
        "--no-nested",
        action="store_true",
        help="with --scenarios: no nested runs (no evidence, no emcee-vs-nested cross-check)",
    )
    parser.add_argument("--no-fits", action="store_true", help="skip the best fits with futures")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


REPORT_HELP = """\
One self-contained HTML page (tables, figures embedded, no script, no external file) of a
run folder (mcmc, fit, compare --posterior), a comparison (compare --scenarios) or a grid
(compare --grid): the results, the convergence and cross-checks, the inputs with their
sources, and the versions of g2fit and its libraries. Written to DIR/report.html."""


def _add_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=output, metavar="DIR", help="a run, comparison or grid")
    parser.add_argument(
        "--out", type=output, metavar="FILE.html", help="the page (default DIR/report.html)"
    )


#: Each command: its one-line summary, its description, and what adds its arguments.
COMMANDS = {
    "observables": (
        "the model's observables at one parameter point (eqs. 4, 12, 14, 16)",
        OBSERVABLES_HELP,
        _add_observables,
    ),
    "fit": ("best fit, profile likelihoods and 95%% CL upper mass limits", FIT_HELP, _add_fit),
    "mcmc": (
        "sample the posterior with emcee or nested sampling (checkpointed, resumable)",
        MCMC_HELP,
        _add_mcmc,
    ),
    "plane": ("the paper's Fig. 5/6 (m_L, m_S) planes, with the grid", PLANE_HELP, _add_plane),
    "integrand": (
        "the paper's Fig. 2: the loop integrand of eq. 7 and its integral",
        INTEGRAND_HELP,
        _add_integrand,
    ),
    "validity": (
        "where eq. 12 holds: exact one-loop / eq. 12 over the (m_L, m_S) plane",
        VALIDITY_HELP,
        _add_validity,
    ),
    "compare": (
        "what future experiments exclude of a posterior; scenarios side by side",
        COMPARE_HELP,
        _add_compare,
    ),
    "report": (
        "one self-contained HTML page of a run, a comparison or a grid",
        REPORT_HELP,
        _add_report,
    ),
    "cross-sections": (
        "the doublet's LHC pair cross sections per channel at 13 and 14 TeV",
        CROSS_SECTIONS_HELP,
        _add_cross_sections,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="g2fit", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"g2fit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, (summary, description, add_arguments) in COMMANDS.items():
        add_arguments(
            commands.add_parser(
                name,
                help=summary,
                description=description,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser
