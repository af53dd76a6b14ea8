"""The Python API: the commands as functions, for scripts and notebooks.

Each function does what its command does (the same files in the same folders) and returns the
typed result the command prints; bad input raises InputError, never SystemExit. A scenario
is given by name, with `futures`, `loops` and `constants` as the command's --futures, --loops
and --set; `out` defaults to the command's folder (results/SCENARIO...).

    import g2fit
    report = g2fit.fit("paper-2021")                   # results/paper-2021/fit.json
    run = g2fit.sample("paper-2021", steps=2000)       # results/paper-2021/posterior.nc
    frame = run.posterior()                            # one row per sample
    excluded = g2fit.compare("results/paper-2021")     # exclusion.json in the run folder

Only the model is imported here: the jobs (and pandas, arviz, emcee) load on first use.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.errors import InputError
from g2fit.jobs.defaults import (
    DEFAULT_LIVE_POINTS,
    DEFAULT_STEPS,
    DEFAULT_THIN,
    DEFAULT_WALKERS,
    GRIDS,
    MAX_GRID,
    MAX_LIVE_POINTS,
    MAX_PROFILE_POINTS,
    MAX_STEPS,
    MAX_WALKERS,
    MAX_WORKERS,
    RESULTS,
    SAMPLERS,
    default_output,
)
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants
from g2fit.model.decays import DECAY_OBSERVABLES
from g2fit.model.lhc_signal import LHC_OBSERVABLES
from g2fit.model.observables import OBSERVABLES as MODEL_OBSERVABLES
from g2fit.model.observables import observables as model_observables

if TYPE_CHECKING:
    import pandas as pd

    from g2fit.jobs.compare import ExclusionReport
    from g2fit.jobs.compare_scenarios import ComparisonReport
    from g2fit.jobs.fit import FitReport
    from g2fit.jobs.grid import GridReport
    from g2fit.jobs.mcmc import McmcResult, McmcSettings
    from g2fit.jobs.plane import PlaneReport
    from g2fit.likelihood.scenario import Scenario

FloatArray = NDArray[np.float64]
#: Names: a sequence, or one string of comma-separated names (as the command line takes them).
Names = Sequence[str] | str
#: Constants: a Constants, or overrides of the defaults by name (y_t for the top Yukawa).
ConstantsLike = Constants | Mapping[str, float]

#: The keys of `observables`, with their meaning: the model's observables (eqs. 4, 12, 14,
#: 16), then the heavy states' masses (GeV) and the branching ratios the LHC searches assume.
OBSERVABLES: dict[str, str] = {**MODEL_OBSERVABLES, **DECAY_OBSERVABLES, **LHC_OBSERVABLES}


def observables(
    m_L: ArrayLike,
    m_S: ArrayLike,
    Y_L: ArrayLike,
    Y_R: ArrayLike,
    Y_V: ArrayLike,
    Y_Vp: ArrayLike,
    *,
    cutoff: ArrayLike = 1e5,
    two_loop_top: bool = True,
    constants: Constants = DEFAULT_CONSTANTS,
    loops: str = "eft",
    decays: bool = True,
) -> dict[str, FloatArray]:
    """Every observable `g2fit observables` prints, broadcast over numpy arrays (OBSERVABLES).

    m_L, m_S, cutoff in GeV; the Yukawas of eq. 3 (Y_Vp is Y'_V). With `decays` (the
    default) also m_E and m_N_doublet (GeV), BR_E_to_SM and BR_N_to_SM, from the mass
    eigenstates (~10 us a point; nan outside 1-1e5 GeV or where a state has no open decay),
    and what the LHC sees of them (LHC pair cross sections in fb, the share no doublet search
    covers: g2fit.model.lhc_signal; nan outside m_L = 100-5000 GeV); `decays=False` leaves
    them out. The rest: g2fit.model.observables.observables.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = model_observables(
            m_L,
            m_S,
            Y_L,
            Y_R,
            Y_V,
            Y_Vp,
            cutoff=cutoff,
            two_loop_top=two_loop_top,
            constants=constants,
            loops=loops,
        )
    for warning in caught:  # again, from the caller's line, under the caller's filters
        warnings.warn(warning.message, warning.category, stacklevel=2)
    if decays:
        shape = np.shape(values["delta_amu"])  # every observable's: the inputs broadcast
        mL, mS, YL, YR, YV, YVp = (
            np.broadcast_to(np.asarray(x, dtype=float), shape)
            for x in (m_L, m_S, Y_L, Y_R, Y_V, Y_Vp)
        )
        from g2fit.jobs.observables import heavy_lepton_observables

        values.update(heavy_lepton_observables((mL, mS, YL, YR, YV, YVp), constants))
    return values


def pair_cross_section(
    m_L: ArrayLike, sqrt_s: float = 13000.0, channel: str = "total"
) -> FloatArray:
    """The doublet's LHC pair-production cross section (fb) at degenerate masses m_L (GeV):
    channel EE (E+E-), EN (E+N and E-Nbar), NN (N Nbar) or total, at sqrt_s 13000 or 14000
    GeV (`g2fit cross-sections`; sources in data/cross_sections/). A mass outside 100-5000
    GeV or another energy is an InputError."""
    from g2fit.config.cross_sections import load_cross_sections

    return load_cross_sections().sigma(m_L, float(sqrt_s), channel)


def _names(value: Names | None, argument: str) -> list[str]:
    """A list of names from a sequence or a comma-separated string."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) for item in items):
        raise InputError(f"{argument}: expected names (strings), got {value!r}")
    return [item.strip() for item in items if item.strip()]


def _constants(constants: ConstantsLike | None) -> Constants:
    """The constants of a run: the defaults with `constants`' overrides (y_t: the top Yukawa)."""
    if constants is None:
        return DEFAULT_CONSTANTS
    if isinstance(constants, Constants):
        return constants
    overrides = {("y_t_override" if k == "y_t" else k): v for k, v in dict(constants).items()}
    valid = [f.name for f in dataclasses.fields(Constants) if f.name != "y_t_override"]
    for name in overrides:
        if name not in valid and name != "y_t_override":
            raise InputError(
                f"constants: unknown constant {name!r}; valid: {', '.join([*valid, 'y_t'])}"
            )
    try:
        return dataclasses.replace(DEFAULT_CONSTANTS, **overrides)
    except (TypeError, ValueError) as error:
        raise InputError(f"constants: {error}") from None


def _integer(argument: str, value: Any, low: int, high: int) -> int:
    """An integer argument (int or numpy integer) in [low, high], or an InputError naming it."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise InputError(f"{argument}: must be an integer, got {value!r}")
    number = operator.index(value)
    if not low <= number <= high:
        raise InputError(f"{argument}: must lie in [{low}, {high}], got {number}")
    return number


def _folder(
    out: str | os.PathLike[str] | None, default: Path | None = None, argument: str = "out"
) -> Path:
    """`out` as a Path (`default` if None); an empty path is refused, naming the argument."""
    if out is None and default is not None:
        return default
    if out is None or not str(out).strip():
        raise InputError(f"{argument}: must name a folder or file, got {out!r}")
    return Path(out)


def _scenario(
    scenario: str,
    futures: Names | None = None,
    *,
    loops: str | None = None,
    constants: ConstantsLike | None = None,
) -> Scenario:
    """The named scenario with its terms built, as `fit` and `sample` run it."""
    from g2fit.likelihood.scenario import load_scenario

    if not isinstance(scenario, str):
        raise InputError(f"scenario: expected a scenario's name, got {scenario!r}")
    return load_scenario(
        scenario, _names(futures, "futures"), constants=_constants(constants), loops=loops
    )


def fit(
    scenario: str = "paper-2021",
    *,
    futures: Names | None = None,
    out: str | os.PathLike[str] | None = None,
    seed: int = 0,
    loops: str | None = None,
    constants: ConstantsLike | None = None,
    profile_points: int = 25,
    profile_2d_points: int = 15,
    progress: bool = True,
) -> FitReport:
    """`g2fit fit`: the best fit, the mass profiles and their 95 % CL upper limits (GeV),
    written to OUT/fit.json (default results/SCENARIO[+FUTURE...][@exact][@inputs-HASH]).
    The report's `document` is fit.json's content; `table()` the printed table. `progress`:
    a line on stderr per stage when stderr is a terminal."""
    from g2fit.jobs.fit import run_fit
    from g2fit.jobs.progress import stage_printer

    seed = _integer("seed", seed, 0, 2**32 - 1)
    n_profile = _integer("profile_points", profile_points, 2, MAX_PROFILE_POINTS)
    n_2d = _integer("profile_2d_points", profile_2d_points, 2, MAX_PROFILE_POINTS // 10)
    loaded = _scenario(scenario, futures, loops=loops, constants=constants)
    overrides = loaded.constants.overrides()
    folder = _folder(out, default_output(scenario, loaded.futures, loops, overrides=overrides))
    stage = stage_printer(progress)
    return run_fit(loaded, folder, seed=seed, n_profile=n_profile, n_profile_2d=n_2d, stage=stage)


@dataclasses.dataclass(frozen=True)
class SampleResult:
    """A posterior run (`g2fit mcmc`): the job's result (the summary table, one row per
    parameter and derived observable; the convergence warnings; the step a resumed emcee run
    started from; the folder), the engine, the free parameters, the steps an emcee run asked
    for, and a nested run's evidence (ln Z, its error, ln L_SM, ln B against the SM)."""

    run: McmcResult
    sampler: str
    parameters: tuple[str, ...]
    steps: int | None = None
    evidence: dict[str, float] | None = None

    @property
    def summary(self) -> pd.DataFrame:
        return self.run.summary

    @property
    def warnings(self) -> list[str]:
        return self.run.warnings

    @property
    def out(self) -> Path:
        return self.run.out

    @property
    def already_complete(self) -> bool:
        """Whether the folder held the whole emcee run already, so that nothing was sampled."""
        return self.steps is not None and self.run.resumed_from >= self.steps

    def table(self) -> str:
        """The printed table: median, 68 % and 95 % intervals and diagnostics."""
        from g2fit.jobs.mcmc import format_summary

        return format_summary(self.run, list(self.parameters))

    def posterior(self) -> pd.DataFrame:
        """The samples as a DataFrame (g2fit.load_posterior of the run folder)."""
        from g2fit.io.posterior import load_posterior

        return load_posterior(self.run.out)

    def inference_data(self) -> Any:
        """The run's arviz InferenceData (posterior, sample_stats, log_likelihood groups)."""
        from g2fit.io.posterior import load_inference_data

        return load_inference_data(self.run.out)


def _engine_arguments(sampler: str, given: dict[str, object]) -> None:
    """Refuse the other engine's arguments (walkers, steps, burn, thin: emcee; live_points:
    nested)."""
    if sampler not in SAMPLERS:
        raise InputError(f"sampler: must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    foreign = ("live_points",) if sampler == "emcee" else ("walkers", "steps", "burn", "thin")
    for name in foreign:
        if given[name] is not None:
            raise InputError(f"{name}: not an argument of sampler={sampler!r}")


def sample(
    scenario: str = "paper-2021",
    *,
    futures: Names | None = None,
    out: str | os.PathLike[str] | None = None,
    sampler: str = "emcee",
    seed: int = 0,
    walkers: int | None = None,
    steps: int | None = None,
    burn: int | None = None,
    thin: int | None = None,
    live_points: int | None = None,
    loops: str | None = None,
    constants: ConstantsLike | None = None,
    progress: bool = True,
) -> SampleResult:
    """`g2fit mcmc`: sample the posterior (or resume it) and write OUT/posterior.nc,
    summary.csv and corner.png (default results/SCENARIO[+FUTURE...][@exact][@nested]).

    sampler="emcee" (walkers, steps, burn, thin; defaults the scenario's mcmc_walkers or
    1024, its mcmc_steps or 4000, steps/4, 20) or "nested" (UltraNest: live_points, default
    400; also the evidence).
    """
    given = {"walkers": walkers, "steps": steps, "burn": burn, "thin": thin}
    _engine_arguments(sampler, {**given, "live_points": live_points})
    seed = _integer("seed", seed, 0, 2**32 - 1)
    loaded = _scenario(scenario, futures, loops=loops, constants=constants)
    overrides = loaded.constants.overrides()
    default = default_output(scenario, loaded.futures, loops, sampler, overrides)
    folder = _folder(out, default)
    names = tuple(p.name for p in loaded.parameters)
    if sampler == "nested":
        from g2fit.inference.nested import NestedSettings
        from g2fit.jobs.nested import run_nested_sampling

        points = DEFAULT_LIVE_POINTS if live_points is None else live_points
        nested = NestedSettings(seed, _integer("live_points", points, 10, MAX_LIVE_POINTS))
        result, evidence = run_nested_sampling(loaded, folder, nested)
        return SampleResult(result, "nested", names, evidence=evidence)
    from g2fit.jobs.mcmc import run_mcmc

    settings = _emcee_settings(seed, (loaded.mcmc_steps, loaded.mcmc_walkers), given, progress)
    return SampleResult(run_mcmc(loaded, folder, settings), "emcee", names, settings.run.steps)


def _emcee_settings(
    seed: int,
    scenario_sizes: tuple[int | None, int | None],
    given: dict[str, int | None],
    progress: bool,
) -> McmcSettings:
    """An emcee run's settings: the given walkers, steps, burn, thin, or their defaults (the
    scenario's own steps and walkers, if it has them)."""
    from g2fit.inference.sampler import RunSettings
    from g2fit.jobs.mcmc import McmcSettings

    def value(name: str, default: int, low: int, high: int) -> int:
        chosen = given[name]
        return _integer(name, default if chosen is None else chosen, low, high)

    scenario_steps, scenario_walkers = scenario_sizes
    steps = value("steps", scenario_steps or DEFAULT_STEPS, 1, MAX_STEPS)
    walkers = value("walkers", scenario_walkers or DEFAULT_WALKERS, 1, MAX_WALKERS)
    run = RunSettings(seed=seed, walkers=walkers, steps=steps)
    return McmcSettings(
        run,
        burn=value("burn", steps // 4, 0, MAX_STEPS),
        thin=value("thin", DEFAULT_THIN, 1, MAX_STEPS),
        progress=progress,
    )


@overload
def compare(
    posterior: str | os.PathLike[str],
    *,
    futures: Names | None = None,
    out: str | os.PathLike[str] | None = None,
    fits: bool = True,
    cross_check: str | os.PathLike[str] | None = None,
) -> ExclusionReport: ...


@overload
def compare(
    *,
    scenarios: Names,
    futures: Names | None = None,
    out: str | os.PathLike[str] | None = None,
    nested: bool = True,
    progress: bool = True,
    notify: Callable[[str], None] | None = None,
) -> ComparisonReport: ...


def compare(
    posterior: str | os.PathLike[str] | None = None,
    *,
    scenarios: Names | None = None,
    futures: Names | None = None,
    out: str | os.PathLike[str] | None = None,
    fits: bool = True,
    cross_check: str | os.PathLike[str] | None = None,
    nested: bool = True,
    progress: bool = True,
    notify: Callable[[str], None] | None = None,
) -> ExclusionReport | ComparisonReport:
    """`g2fit compare`, given exactly one of `posterior` and `scenarios`.

    posterior=RUN_DIR: the fraction of that posterior each future excludes at 95 % CL, written
    to OUT (default RUN_DIR) as exclusion.json and .csv; `fits`: the best fits with each
    future; `cross_check`: another run folder of the scenario, or "prior-mc".
    scenarios=[A, B, ...]: runs mcmc (and with `nested` the nested engine) and fit where
    results/SCENARIO lacks them, then writes comparison.json, .md, .png into OUT (default
    results/comparison); `notify` receives what is run (default: print).
    """
    if (posterior is None) == (scenarios is None):
        raise InputError("compare: give exactly one of posterior=RUN_DIR and scenarios=[A, B, ...]")
    names = _names(futures, "futures") or None
    if posterior is not None:
        from g2fit.jobs.compare import run_exclusion

        run = _folder(posterior, argument="posterior")
        check = None if cross_check is None else os.fspath(cross_check)
        if check is not None and not check.strip():
            raise InputError("cross_check: must name a run folder or prior-mc, got ''")
        folder = None if out is None else _folder(out)
        return run_exclusion(run, names, folder, fits=fits, cross_check=check)
    if cross_check is not None:
        raise InputError("cross_check: needs posterior=RUN_DIR")
    from g2fit.jobs.compare_scenarios import run_comparison

    listed = _names(scenarios, "scenarios")
    if not listed:
        raise InputError("scenarios: expected at least one scenario's name")
    return run_comparison(
        listed,
        names,
        _folder(out, RESULTS / "comparison"),
        RESULTS,
        progress=progress,
        nested=nested,
        notify=print if notify is None else notify,
    )


def compare_grid(
    grid: str,
    *,
    futures: Names | None = None,
    out: str | os.PathLike[str] | None = None,
    nested: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    notify: Callable[[str], None] | None = None,
) -> GridReport:
    """`g2fit compare --grid`: every member of grid GRID (likelihoods/grids/) run with
    dask.distributed (a local cluster of `workers` processes, default the cores, or the
    cluster at `scheduler`) into OUT (default results/grids/GRID), then comparison.json/.md
    and the robustness summary robustness.json/.csv/.md/.png. A member that fails is reported
    in `.failures` and the others finish; `notify` hears a line per member (default: print).
    """
    from g2fit.jobs.grid import run_grid

    if not isinstance(grid, str) or not grid.strip():
        raise InputError(f"grid: expected a grid's name, got {grid!r}")
    if workers is not None:
        workers = _integer("workers", workers, 1, MAX_WORKERS)
    return run_grid(
        grid,
        _folder(out, GRIDS / grid),
        futures=_names(futures, "futures") or None,
        nested=nested,
        scheduler=scheduler,
        workers=workers,
        notify=print if notify is None else notify,
    )


def report(folder: str | os.PathLike[str], *, out: str | os.PathLike[str] | None = None) -> Path:
    """`g2fit report`: one self-contained HTML page of a run, a comparison or a grid folder,
    written to OUT (default FOLDER/report.html); returns its path."""
    from g2fit.jobs.report import write_report

    return write_report(_folder(folder, argument="folder"), None if out is None else _folder(out))


def plane(benchmark: str, out: str | os.PathLike[str], grid: int = 300) -> PlaneReport:
    """`g2fit plane`: one of the paper's Fig. 5/6 (m_L, m_S) planes (GeV) on a grid x grid
    grid, drawn into OUT (.png) with the grid and its region masks beside it (OUT with .nc)."""
    from g2fit.jobs.plane import run_plane

    if not isinstance(benchmark, str):
        raise InputError(f"benchmark: expected a plane's name, got {benchmark!r}")
    points = _integer("grid", grid, 2, MAX_GRID)
    return run_plane(benchmark, _folder(out), points)
