"""Scenarios and likelihood modules of likelihoods/, read and checked into typed specs.

A module file (likelihoods/terms/*.toml, likelihoods/futures/*.toml) names terms: which
observable, which measurement of data/, which form. A scenario (likelihoods/scenarios/) names
its terms, its free parameters with their priors, and its fixed parameters; it may `extends`
another. The terms themselves are built by g2fit.likelihood (their forms); here they stay
checked TOML entries.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from g2fit.config.toml_entry import Entry, read_toml, shipped_folder
from g2fit.errors import ConstantError, InputError
from g2fit.model.constants import DEFAULT_CONSTANTS
from g2fit.model.observables import (
    CUTOFF_REASON,
    EXACT_MASS_RANGE_GEV,
    EXPANSION_REASON,
    LOOPS,
    MASS_PARAMETERS,
    MASS_RANGE_GEV,
    MODEL_PARAMETERS,
    check_loops,
)

PRIORS = ("log-uniform", "uniform")
#: Why a mass or cutoff above MASS_RANGE_GEV is refused.
RANGE_REASON = "the largest mass g2fit evaluates (beyond it squares of mass ratios overflow)"
#: The folder of likelihoods/ whose files define terms (besides futures/).
TERMS_FOLDER = "terms"


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A free parameter: its prior (log-uniform or uniform) on [low, high]."""

    name: str
    prior: str
    low: float
    high: float


@dataclasses.dataclass(frozen=True)
class ScenarioSpec:
    """A scenario as its file says, `extends` resolved and every field checked.

    term_names: the scenario's terms, then those of `futures`; source: the merged table."""

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    fixed: dict[str, float]
    term_names: tuple[str, ...]
    futures: tuple[str, ...]
    two_loop_top: bool
    loops: str
    #: Steps a plain `g2fit mcmc` of this scenario runs (None: the default).
    mcmc_steps: int | None
    #: Walkers a plain `g2fit mcmc` of this scenario runs (None: the default).
    mcmc_walkers: int | None
    cutoff: float
    max_YL_YR: float
    source: dict[str, Any]

    @property
    def label(self) -> str:
        """SCENARIO[+FUTURE...]: the scenario with the futures it was loaded with."""
        return "+".join([self.name, *self.futures])


def likelihoods_folder(folder: Path | None = None) -> Path:
    """likelihoods/ ($G2FIT_LIKELIHOODS, or the shipped folder) unless `folder` is given."""
    return shipped_folder("likelihoods") if folder is None else folder


def names_in(subfolder: str, folder: Path | None = None) -> list[str]:
    """The definitions in likelihoods/SUBFOLDER/NAME.toml, sorted by name."""
    return sorted(p.stem for p in (likelihoods_folder(folder) / subfolder).glob("*.toml"))


def definition_file(subfolder: str, kind: str, name: str, folder: Path | None = None) -> Path:
    """likelihoods/SUBFOLDER/NAME.toml; an unknown name is an InputError listing the valid."""
    valid = names_in(subfolder, folder)
    if name not in valid:
        raise InputError(f"unknown {kind} {name!r}; valid: {', '.join(valid)}")
    return likelihoods_folder(folder) / subfolder / f"{name}.toml"


def scenario_names(folder: Path | None = None) -> list[str]:
    """The scenarios (likelihoods/scenarios/NAME.toml), sorted."""
    return names_in("scenarios", folder)


def future_names(folder: Path | None = None) -> list[str]:
    """The futures (likelihoods/futures/NAME.toml), sorted."""
    return names_in("futures", folder)


def _terms_table(module: Entry) -> dict[str, Any]:
    terms = module.table.get("terms", {})
    if not isinstance(terms, dict):
        raise module.error("terms", "must be a table of named terms")
    return terms


def load_term_specs(folder: Path | None = None) -> dict[str, Entry]:
    """Every term of likelihoods/terms/*.toml and likelihoods/futures/*.toml, by name."""
    folder = likelihoods_folder(folder)
    misplaced = sorted(path.name for path in folder.glob("*.toml"))
    if misplaced:
        raise InputError(
            f"{folder}: likelihood modules live in {folder / TERMS_FOLDER}/ (since g2fit 0.1); "
            f"move {', '.join(misplaced)} there"
        )
    paths = sorted((folder / TERMS_FOLDER).glob("*.toml"))
    paths += sorted((folder / "futures").glob("*.toml"))
    specs: dict[str, Entry] = {}
    for path in paths:
        module = Entry(path, path.stem, read_toml(path))
        module.check_fields({"description"}, {"terms", "includes"})
        module.text("description")
        for name, table in _terms_table(module).items():
            entry = Entry(path, f"terms.{name}", table)
            entry.name = name
            if name in specs:
                raise InputError(f"{entry.where}: term name {name!r} is defined twice")
            specs[name] = entry
    return specs


def future_term_names(
    name: str, folder: Path | None = None, _seen: tuple[str, ...] = ()
) -> list[str]:
    """The terms of one future, following `includes` (e.g. lepton-colliders = ilc + gigaz)."""
    folder = likelihoods_folder(folder)
    path = definition_file("futures", "future", name, folder)
    if name in _seen:
        raise InputError(f"future {name!r} includes itself")
    module = Entry(path, name, read_toml(path))
    names = list(_terms_table(module))
    for included in module.texts("includes") if module.has("includes") else []:
        names += [n for n in future_term_names(included, folder, (*_seen, name)) if n not in names]
    return names


def _merge(parent: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """A scenario over the one it extends: what it names replaces the parent's."""
    merged = {**parent, **{k: v for k, v in table.items() if k not in ("parameters", "fixed")}}
    parameters = dict(parent.get("parameters", {}))
    fixed = dict(parent.get("fixed", {}))
    for key, value in table.get("parameters", {}).items():
        parameters[key] = value
        fixed.pop(key, None)
    for key, value in table.get("fixed", {}).items():
        fixed[key] = value
        parameters.pop(key, None)
    merged["parameters"], merged["fixed"] = parameters, fixed
    merged.pop("extends", None)
    return merged


#: The fields of a scenario file (besides `description`).
SCENARIO_FIELDS = frozenset(
    {
        "extends",
        "terms",
        "parameters",
        "fixed",
        "two_loop_top",
        "loops",
        "mcmc_steps",
        "mcmc_walkers",
        "cutoff",
        "max_YL_YR",
    }
)


def _scenario_table(
    name: str,
    folder: Path,
    chain: tuple[str, ...] = (),
    given: tuple[dict[str, Any], Path] | None = None,
) -> tuple[dict[str, Any], Path]:
    """The scenario's table with `extends` resolved; `given`: a table (and the file it comes
    from) for a scenario without a file of its own, such as a member of a grid."""
    if given is None:
        path = definition_file("scenarios", "scenario", name, folder)
        table = read_toml(path)
    else:
        table, path = given
    if name in chain:
        raise InputError(f"scenario {name!r} extends itself (via {' -> '.join(chain)})")
    entry = Entry(path, name, table)
    entry.check_fields({"description"}, set(SCENARIO_FIELDS))
    for field in ("parameters", "fixed"):
        if not isinstance(table.get(field, {}), dict):
            raise entry.error(field, "must be a table")
    both = set(table.get("parameters", {})) & set(table.get("fixed", {}))
    if both:
        raise entry.error("fixed", f"{sorted(both)} also listed under 'parameters'")
    if not entry.has("extends"):
        return dict(table), path
    parent, _ = _scenario_table(entry.text("extends"), folder, (*chain, name))
    return _merge(parent, table), path


def _parameter(path: Path, name: str, table: Any, m_W: float) -> Parameter:
    entry = Entry(path, f"parameters.{name}", table)
    entry.check_fields({"prior", "range"})
    prior = entry.text("prior", PRIORS)
    bounds = entry.numbers("range")
    if len(bounds) != 2:
        raise entry.error("range", f"must be [low, high], got {bounds!r}")
    low, high = bounds
    if not low < high:
        raise entry.error("range", f"low must be below high, got [{low!r}, {high!r}]")
    if (prior == "log-uniform" or name in MASS_PARAMETERS) and low <= 0:
        raise entry.error("range", f"must be positive for {name} ({prior}), got low = {low!r}")
    if name in MASS_PARAMETERS and low < m_W:
        _check_m_W(low, m_W, f"the {name} prior's start, {low!r} GeV")
        raise entry.error(
            "range", f"starts at {name} = {low!r} GeV, below m_W = {m_W!r} GeV: {EXPANSION_REASON}"
        )
    if name in MASS_PARAMETERS:
        _check_below_top(entry, "range", f"its top, {name} = {high!r} GeV,", high)
    return Parameter(name, prior, low, high)


def _check_m_W(mass: float, m_W: float, what: str) -> None:
    """A mass (GeV) below the given m_W but not below the default: the constant is at fault,
    not the scenario, so the error names the constant."""
    if mass >= DEFAULT_CONSTANTS.m_W:
        raise ConstantError(
            f"constant m_W = {m_W!r} GeV lies above {what}: {EXPANSION_REASON}; choose m_W "
            f"below {mass!r} GeV"
        )


def _check_below_top(entry: Entry, field: str, what: str, mass: float) -> None:
    """Refuse a mass (GeV) above the top of MASS_RANGE_GEV, naming the field."""
    top = MASS_RANGE_GEV[1]
    if mass > top:
        raise entry.error(field, f"{what} lies above {top:g} GeV, {RANGE_REASON}")


def _parameters(
    entry: Entry, path: Path, m_W: float
) -> tuple[tuple[Parameter, ...], dict[str, float]]:
    """The free parameters with their priors, and the fixed values, every one checked."""
    free, fixed_table = entry.table.get("parameters", {}), entry.table.get("fixed", {})
    for key in [*free, *fixed_table]:
        if key not in MODEL_PARAMETERS:
            raise InputError(
                f"{entry.where}: unknown parameter {key!r} (valid: {', '.join(MODEL_PARAMETERS)})"
            )
    missing = [p for p in MODEL_PARAMETERS if p not in free and p not in fixed_table]
    if missing:
        raise InputError(f"{entry.where}: parameters {missing} are neither free nor fixed")
    parameters = tuple(_parameter(path, p, free[p], m_W) for p in MODEL_PARAMETERS if p in free)
    fixed_entry = Entry(path, f"{entry.name}.fixed", fixed_table)
    fixed = {
        p: fixed_entry.number(p, positive=p in MASS_PARAMETERS)
        for p in MODEL_PARAMETERS
        if p in fixed_table
    }
    for p in MASS_PARAMETERS:
        if p in fixed and fixed[p] < m_W:
            _check_m_W(fixed[p], m_W, f"the fixed {p} = {fixed[p]!r} GeV")
            raise fixed_entry.error(
                p, f"{p} = {fixed[p]!r} GeV is below m_W = {m_W!r} GeV: {EXPANSION_REASON}"
            )
        if p in fixed:
            _check_below_top(fixed_entry, p, f"{p} = {fixed[p]!r} GeV", fixed[p])
    return parameters, fixed


def _cutoff(entry: Entry, parameters: tuple[Parameter, ...], fixed: dict[str, float]) -> float:
    """Lambda of eq. 4 (GeV), refused below any mass the scenario can reach."""
    cutoff = entry.number("cutoff", positive=True, default=1e5)
    _check_below_top(entry, "cutoff", f"{cutoff!r} GeV", cutoff)
    tops = [
        (f"top of the {p.name} prior range", p.high)
        for p in parameters
        if p.name in MASS_PARAMETERS
    ]
    tops += [(f"fixed {p}", fixed[p]) for p in MASS_PARAMETERS if p in fixed]
    default = "" if entry.has("cutoff") else " (the default)"
    for what, mass in tops:
        if cutoff < mass:
            raise entry.error(
                "cutoff",
                f"{cutoff!r} GeV{default} is below the {what}, {mass!r} GeV: {CUTOFF_REASON}",
            )
    return cutoff


def _check_exact_masses(
    entry: Entry, parameters: tuple[Parameter, ...], fixed: dict[str, float], loops: str
) -> None:
    """The exact mode evaluates masses within EXACT_MASS_RANGE_GEV only."""
    if loops != "exact":
        return
    low, high = EXACT_MASS_RANGE_GEV
    spans = [(p.name, p.low, p.high) for p in parameters if p.name in MASS_PARAMETERS]
    spans += [(p, fixed[p], fixed[p]) for p in MASS_PARAMETERS if p in fixed]
    for name, bottom, top in spans:
        if bottom < low or top > high:
            raise InputError(
                f"{entry.where}: {name} reaches [{bottom!r}, {top!r}] GeV, outside the exact "
                f"one-loop mode's [{low:g}, {high:g}] GeV"
            )


#: The most steps a scenario may ask `g2fit mcmc` for (as the CLI's --steps cap).
MAX_MCMC_STEPS = 10**7


#: The most walkers a scenario may ask `g2fit mcmc` for (as the CLI's --walkers cap).
MAX_MCMC_WALKERS = 100_000


def _mcmc_size(entry: Entry, field: str, low: int, high: int) -> int | None:
    """A scenario's own default chain length (mcmc_steps, for posteriors that mix slowly) or
    walker count (mcmc_walkers, for likelihoods that cost more than a call's overhead)."""
    if not entry.has(field):
        return None
    value = entry.table[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise entry.error(field, f"must be an integer in [{low}, {high}], got {value!r}")
    return value


def load_scenario_spec(
    name: str,
    futures: list[str] | tuple[str, ...] = (),
    *,
    folder: Path | None = None,
    m_W: float = DEFAULT_CONSTANTS.m_W,
    loops: str | None = None,
    given: tuple[dict[str, Any], Path] | None = None,
) -> ScenarioSpec:
    """The named scenario of likelihoods/scenarios/ with the terms of `futures` added.

    m_W (GeV): the W mass below which a mass prior or a fixed mass is refused; loops: the
    one-loop mode (g2fit.model.observables.LOOPS), if not the scenario's own; given: the
    scenario's table and the file it comes from, when it has no file of its own (a grid's
    member, g2fit.config.grids)."""
    folder = likelihoods_folder(folder)
    table, path = _scenario_table(name, folder, given=given)
    entry = Entry(path, name, table)
    parameters, fixed = _parameters(entry, path, m_W)
    cutoff = _cutoff(entry, parameters, fixed)
    if "terms" not in table:
        raise InputError(f"{entry.where}: missing field 'terms'")
    term_names = entry.texts("terms")
    for future in futures:
        term_names += [t for t in future_term_names(future, folder) if t not in term_names]
    two_loop_top = table.get("two_loop_top", True)
    if not isinstance(two_loop_top, bool):
        raise entry.error("two_loop_top", f"must be true or false, got {two_loop_top!r}")
    if loops is None:
        loops = entry.text("loops", LOOPS) if entry.has("loops") else "eft"
    check_loops(loops)
    _check_exact_masses(entry, parameters, fixed, loops)
    return ScenarioSpec(
        name=name,
        description=entry.text("description"),
        parameters=parameters,
        fixed=fixed,
        term_names=tuple(term_names),
        futures=tuple(futures),
        two_loop_top=two_loop_top,
        loops=loops,
        mcmc_steps=_mcmc_size(entry, "mcmc_steps", 1, MAX_MCMC_STEPS),
        mcmc_walkers=_mcmc_size(entry, "mcmc_walkers", 2 * len(parameters), MAX_MCMC_WALKERS),
        cutoff=cutoff,
        max_YL_YR=entry.number("max_YL_YR", positive=True, default=1.0),
        source=table,
    )
