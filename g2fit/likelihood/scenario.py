"""Scenarios and likelihood modules from likelihoods/ (likelihoods/README.md), checked when loaded.

A module file (likelihoods/*.toml, likelihoods/futures/*.toml) defines named terms: which
observable, which measurement in data/, which form. A scenario (likelihoods/scenarios/)
names its terms, its free parameters with their priors, and its fixed parameters.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from g2fit.config.measurements import (
    Correlated,
    LowerLimit,
    Measurement,
    Projection,
    Value,
    load_measurements,
)
from g2fit.config.toml_entry import Entry, read_toml, shipped_folder
from g2fit.errors import InputError
from g2fit.likelihood.terms import (
    CorrelatedGaussian,
    Gaussian,
    HalfGaussianBound,
    SmoothBound,
    Term,
    chi2_quantile,
)
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants
from g2fit.model.observables import CUTOFF_REASON, EXPANSION_REASON, OBSERVABLES, observables

MODEL_PARAMETERS = ("m_L", "m_S", "Y_L", "Y_R", "Y_V", "Y_Vp")
MASS_PARAMETERS = ("m_L", "m_S")
PRIORS = ("log-uniform", "uniform")
FORMS = (
    "gaussian",
    "correlated-gaussian",
    "bound",
    "pull-excess",
    "half-gaussian",
    "mass-limit",
    "projection",
)


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A free parameter: its prior (log-uniform or uniform) on [low, high]."""

    name: str
    prior: str
    low: float
    high: float


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Everything a global likelihood needs, and the specification it came from."""

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    fixed: dict[str, float]
    terms: tuple[Term, ...]
    two_loop_top: bool
    cutoff: float
    max_YL_YR: float
    constants: Constants
    spec: dict[str, Any]


def likelihoods_folder(folder: Path | None = None) -> Path:
    return shipped_folder("likelihoods") if folder is None else folder


def _sm_observables(constants: Constants) -> dict[str, float]:
    values = observables(1e3, 1e3, 0.0, 0.0, 0.0, 0.0, constants=constants)
    return {name: float(value) + 0.0 for name, value in values.items()}  # + 0.0: no -0.0


def _measurement(
    entry: Entry, measurements: dict[str, Measurement], kinds: tuple[type, ...]
) -> Any:
    name = entry.text("measurement")
    if name not in measurements:
        raise entry.error("measurement", f"no entry {name!r} in data/")
    found = measurements[name]
    if not isinstance(found, kinds):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise entry.error("measurement", f"{name!r} is a {type(found).__name__}, not a {wanted}")
    return found


def _observable(entry: Entry, allowed: tuple[str, ...] = ()) -> str:
    name = entry.text("observable")
    if name not in OBSERVABLES and name not in allowed:
        raise entry.error("observable", f"unknown observable {name!r}")
    return name


def _quantity_index(entry: Entry, observable: str, measurement: Measurement) -> int:
    if isinstance(measurement, Correlated):
        quantities = measurement.quantities
    else:
        quantities = (measurement.quantity,)
    if observable not in quantities:
        raise entry.error("observable", f"{observable!r} is not measured by {measurement.id!r}")
    return quantities.index(observable)


def _central_and_sigma(
    entry: Entry, observable: str, data: Value | Correlated
) -> tuple[float, float]:
    i = _quantity_index(entry, observable, data)
    if isinstance(data, Correlated):
        return data.values[i], data.uncertainties[i]
    return data.value, data.uncertainty


def _derived_bound(
    entry: Entry, measurements: dict[str, Measurement], constants: Constants
) -> Term:
    """The `bound`, `pull-excess` and `half-gaussian` forms: a bound derived from a Gaussian."""
    form = entry.table["form"]
    fields = {"form", "measurement", "observable", "n_sigma", "side"}
    if form != "half-gaussian":
        fields.add("smoothing_width_fraction")
    entry.check_fields(fields, {"description"})
    data = _measurement(entry, measurements, (Value, Correlated))
    observable = _observable(entry)
    central, sigma = _central_and_sigma(entry, observable, data)
    n_sigma = entry.number("n_sigma", positive=True)
    side = entry.text("side", ("lower", "upper"))
    sign = -1.0 if side == "lower" else 1.0
    sm = _sm_observables(constants)[observable]
    # pull-excess: the model's pull may exceed the SM's by n_sigma
    reach = abs(sm - central) / sigma + n_sigma if form == "pull-excess" else n_sigma
    bound = central + sign * reach * sigma
    if sign * (bound - sm) <= 0:
        raise entry.error("side", f"the {side} bound {bound!r} excludes the SM value {sm!r}")
    if form == "half-gaussian":
        if sm != 0:
            raise entry.error("observable", f"half-gaussian needs an SM value of 0, not {sm!r}")
        return HalfGaussianBound(entry.name, observable, bound, n_sigma)
    width = entry.number("smoothing_width_fraction", positive=True) * abs(bound - sm)
    return SmoothBound(entry.name, observable, bound, side, width, n_sigma**2, form)


def _term(entry: Entry, measurements: dict[str, Measurement], constants: Constants) -> Term:
    if "form" not in entry.table:
        raise InputError(f"{entry.where}: missing field 'form'")
    form = entry.text("form", FORMS)
    required = {"form", "measurement", "observable"}
    optional = {"description"}
    if form == "correlated-gaussian":
        entry.check_fields(required - {"observable"} | {"observables"}, optional)
        data = _measurement(entry, measurements, (Correlated,))
        names = tuple(entry.texts("observables"))
        if names != data.quantities:
            raise entry.error("observables", f"must be {list(data.quantities)} as in {data.id!r}")
        for name in names:
            if name not in OBSERVABLES:
                raise entry.error("observables", f"unknown observable {name!r}")
        covariance = tuple(tuple(float(x) for x in row) for row in data.covariance)
        return CorrelatedGaussian(entry.name, names, data.values, covariance)
    if form in ("bound", "pull-excess", "half-gaussian"):
        return _derived_bound(entry, measurements, constants)
    entry.check_fields(required, optional)
    if form == "mass-limit":
        limit = _measurement(entry, measurements, (LowerLimit,))
        observable = _observable(entry, MASS_PARAMETERS)
        _quantity_index(entry, observable, limit)
        width = limit.smoothing_width_fraction * limit.value
        chi2 = chi2_quantile(limit.cl)
        return SmoothBound(entry.name, observable, limit.value, "lower", width, chi2, form)
    observable = _observable(entry)
    if form == "projection":
        projection = _measurement(entry, measurements, (Projection,))
        _quantity_index(entry, observable, projection)
        sm = _sm_observables(constants)[observable]
        relative = projection.uncertainty_kind == "relative"
        sigma = projection.uncertainty * (abs(sm) if relative else 1.0)
        if sigma <= 0:
            raise entry.error("measurement", f"relative precision on {observable!r}, SM value 0")
        return Gaussian(entry.name, observable, sm, sigma, form="projection")
    value = _measurement(entry, measurements, (Value,))
    _quantity_index(entry, observable, value)
    return Gaussian(entry.name, observable, value.value, value.uncertainty)


def _module_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml")) + sorted((folder / "futures").glob("*.toml"))


def load_term_specs(folder: Path | None = None) -> dict[str, Entry]:
    """Every term defined in likelihoods/*.toml and likelihoods/futures/*.toml, by name."""
    folder = likelihoods_folder(folder)
    specs: dict[str, Entry] = {}
    for path in _module_files(folder):
        module = Entry(path, path.stem, read_toml(path))
        module.check_fields({"description"}, {"terms", "includes"})
        module.text("description")
        terms = module.table.get("terms", {})
        if not isinstance(terms, dict):
            raise module.error("terms", "must be a table of named terms")
        for name, table in terms.items():
            entry = Entry(path, f"terms.{name}", table)
            entry.name = name
            if name in specs:
                raise InputError(f"{entry.where}: term name {name!r} is defined twice")
            specs[name] = entry
    return specs


def load_terms(
    names: list[str], *, constants: Constants = DEFAULT_CONSTANTS, folder: Path | None = None
) -> list[Term]:
    """The named terms of likelihoods/, built against data/."""
    specs = load_term_specs(folder)
    measurements = load_measurements()
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise InputError(f"no term named {unknown[0]!r}; valid: {', '.join(sorted(specs))}")
    return [_term(specs[n], measurements, constants) for n in names]


def names_in(subfolder: str, folder: Path | None = None) -> list[str]:
    """The definitions in likelihoods/SUBFOLDER/NAME.toml, sorted by name."""
    return sorted(p.stem for p in (likelihoods_folder(folder) / subfolder).glob("*.toml"))


def definition_file(subfolder: str, kind: str, name: str, folder: Path | None = None) -> Path:
    """likelihoods/SUBFOLDER/NAME.toml; an unknown name is an InputError listing the valid."""
    valid = names_in(subfolder, folder)
    if name not in valid:
        raise InputError(f"unknown {kind} {name!r}; valid: {', '.join(valid)}")
    return likelihoods_folder(folder) / subfolder / f"{name}.toml"


def future_names(folder: Path | None = None) -> list[str]:
    """The futures (likelihoods/futures/NAME.toml), sorted."""
    return names_in("futures", folder)


def future_term_names(
    name: str, folder: Path | None = None, _seen: tuple[str, ...] = ()
) -> list[str]:
    """The terms of one future, following `includes` (e.g. lepton-colliders = ilc + gigaz)."""
    folder = likelihoods_folder(folder)
    path = definition_file("futures", "future", name, folder)
    if name in _seen:
        raise InputError(f"future {name!r} includes itself")
    module = Entry(path, name, read_toml(path))
    terms = module.table.get("terms", {})
    if not isinstance(terms, dict):
        raise module.error("terms", "must be a table of named terms")
    names = list(terms)
    for included in module.texts("includes") if module.has("includes") else []:
        names += [n for n in future_term_names(included, folder, (*_seen, name)) if n not in names]
    return names


def scenario_names(folder: Path | None = None) -> list[str]:
    return names_in("scenarios", folder)


def _scenario_table(
    name: str, folder: Path, chain: tuple[str, ...] = ()
) -> tuple[dict[str, Any], Path]:
    path = definition_file("scenarios", "scenario", name, folder)
    if name in chain:
        raise InputError(f"scenario {name!r} extends itself (via {' -> '.join(chain)})")
    table = read_toml(path)
    entry = Entry(path, name, table)
    entry.check_fields(
        {"description"},
        {"extends", "terms", "parameters", "fixed", "two_loop_top", "cutoff", "max_YL_YR"},
    )
    for field in ("parameters", "fixed"):
        if not isinstance(table.get(field, {}), dict):
            raise entry.error(field, "must be a table")
    both = set(table.get("parameters", {})) & set(table.get("fixed", {}))
    if both:
        raise entry.error("fixed", f"{sorted(both)} also listed under 'parameters'")
    if not entry.has("extends"):
        return dict(table), path
    parent, _ = _scenario_table(entry.text("extends"), folder, (*chain, name))
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
    return merged, path


def _parameter(path: Path, name: str, table: Any, m_W: float = DEFAULT_CONSTANTS.m_W) -> Parameter:
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
        raise entry.error(
            "range", f"starts at {name} = {low!r} GeV, below m_W = {m_W!r} GeV: {EXPANSION_REASON}"
        )
    return Parameter(name, prior, low, high)


def load_scenario(
    name: str,
    futures: list[str] | tuple[str, ...] = (),
    *,
    folder: Path | None = None,
    data_folder: Path | None = None,
    constants: Constants = DEFAULT_CONSTANTS,
) -> Scenario:
    """The named scenario of likelihoods/scenarios/, with the terms of `futures` added."""
    folder = likelihoods_folder(folder)
    table, path = _scenario_table(name, folder)
    entry = Entry(path, name, table)
    parameters_table = table.get("parameters", {})
    fixed_table = table.get("fixed", {})
    if not isinstance(parameters_table, dict) or not isinstance(fixed_table, dict):
        raise InputError(f"{entry.where}: 'parameters' and 'fixed' must be tables")
    for key in [*parameters_table, *fixed_table]:
        if key not in MODEL_PARAMETERS:
            raise InputError(
                f"{entry.where}: unknown parameter {key!r} (valid: {', '.join(MODEL_PARAMETERS)})"
            )
    missing = [p for p in MODEL_PARAMETERS if p not in parameters_table and p not in fixed_table]
    if missing:
        raise InputError(f"{entry.where}: parameters {missing} are neither free nor fixed")
    parameters = tuple(
        _parameter(path, p, parameters_table[p], constants.m_W)
        for p in MODEL_PARAMETERS
        if p in parameters_table
    )
    fixed_entry = Entry(path, f"{name}.fixed", fixed_table)
    fixed = {
        p: fixed_entry.number(p, positive=p in MASS_PARAMETERS)
        for p in MODEL_PARAMETERS
        if p in fixed_table
    }
    m_W = constants.m_W
    for p in MASS_PARAMETERS:
        if p in fixed and fixed[p] < m_W:
            raise fixed_entry.error(
                p, f"{p} = {fixed[p]!r} GeV is below m_W = {m_W!r} GeV: {EXPANSION_REASON}"
            )
    cutoff = entry.number("cutoff", positive=True, default=1e5)
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
    if "terms" not in table:
        raise InputError(f"{entry.where}: missing field 'terms'")
    term_names = entry.texts("terms")
    for future in futures:
        term_names += [t for t in future_term_names(future, folder) if t not in term_names]
    specs = load_term_specs(folder)
    measurements = load_measurements(data_folder)
    terms = []
    for term_name in term_names:
        if term_name not in specs:
            raise entry.error("terms", f"no term named {term_name!r} in {folder}")
        terms.append(_term(specs[term_name], measurements, constants))
    two_loop_top = table.get("two_loop_top", True)
    if not isinstance(two_loop_top, bool):
        raise entry.error("two_loop_top", f"must be true or false, got {two_loop_top!r}")
    spec = {
        "scenario": name,
        "futures": list(futures),
        "table": table,
        "measurements": {
            t: dataclasses.asdict(measurements[specs[t].table["measurement"]]) for t in term_names
        },
    }
    return Scenario(
        name=name,
        description=entry.text("description"),
        parameters=parameters,
        fixed=fixed,
        terms=tuple(terms),
        two_loop_top=two_loop_top,
        cutoff=cutoff,
        max_YL_YR=entry.number("max_YL_YR", positive=True, default=1.0),
        constants=constants,
        spec=spec,
    )
