"""Measurements and projections from data/*.toml, checked when loaded (data/README.md)."""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from g2fit.config.toml_entry import Entry, read_toml, shipped_folder
from g2fit.errors import InputError

STATUSES = ("verified", "to-verify")
_COMMON = {"kind", "unit", "source", "status"}
#: Uncertainties whose square is a normal double: chi^2 divides by the square (or by the
#: covariance), which under- or overflows outside this range.
SIGMA_RANGE = (math.sqrt(sys.float_info.min), math.sqrt(sys.float_info.max))


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where a number comes from; `status` is verified or to-verify."""

    source: str
    status: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Value:
    """One measured quantity with a Gaussian uncertainty."""

    id: str
    quantity: str
    value: float
    uncertainty: float
    unit: str
    provenance: Provenance


@dataclasses.dataclass(frozen=True)
class Correlated:
    """Several quantities with uncertainties and a correlation matrix."""

    id: str
    quantities: tuple[str, ...]
    values: tuple[float, ...]
    uncertainties: tuple[float, ...]
    correlation: tuple[tuple[float, ...], ...]
    unit: str
    provenance: Provenance

    @property
    def covariance(self) -> np.ndarray:
        sigma = np.array(self.uncertainties)
        return np.array(self.correlation) * np.outer(sigma, sigma)


@dataclasses.dataclass(frozen=True)
class LowerLimit:
    """A lower bound on a quantity (a mass, GeV) at confidence level `cl`."""

    id: str
    quantity: str
    value: float
    cl: float
    smoothing_width_fraction: float
    unit: str
    provenance: Provenance


@dataclasses.dataclass(frozen=True)
class Projection:
    """A projected precision; the data are taken SM-like (Asimov)."""

    id: str
    quantity: str
    uncertainty: float
    uncertainty_kind: str
    unit: str
    provenance: Provenance


@dataclasses.dataclass(frozen=True)
class SignalLimit:
    """An upper limit on a signal cross section (fb), emulated from published mass limits:
    sigma_95 = sigma(mass limit) at reference_sqrt_s above the limit, rising log-linearly
    below it through low_mass_anchor_sigma (fb) at the mass of the low_mass_anchor entry;
    scaled as a whole from reference_luminosity to luminosity (fb^-1) by L_ref/L (regime
    background-free) or sqrt(L_ref/L) (background-limited) (see data/README.md)."""

    id: str
    quantity: str
    mass_limit: str
    reference_sqrt_s: float
    reference_luminosity: float
    sqrt_s: float
    luminosity: float
    regime: str
    low_mass_anchor: str
    low_mass_anchor_sigma: float
    cl: float
    method: str
    unit: str
    provenance: Provenance


Measurement = Value | Correlated | LowerLimit | Projection | SignalLimit
#: How a signal limit scales with luminosity, by regime.
SIGNAL_REGIMES = ("background-free", "background-limited")


def _provenance(entry: Entry) -> Provenance:
    note = entry.text("note") if entry.has("note") else ""
    return Provenance(entry.text("source"), entry.text("status", STATUSES), note)


def _checked_sigmas(entry: Entry, field: str, sigmas: list[float]) -> list[float]:
    """Positive uncertainties within SIGMA_RANGE, or an error naming the field and item."""
    low, high = SIGMA_RANGE
    for i, sigma in enumerate(sigmas):
        if not low <= sigma <= high:
            item = f"item {i + 1} = {sigma!r}" if field.endswith("ies") else f"{sigma!r}"
            raise entry.error(
                field,
                f"{item}: its square, which chi^2 divides by, under- or overflows double "
                f"precision outside [{low:.1e}, {high:.1e}]; give the quantity in another unit",
            )
    return sigmas


def _has_cholesky(matrix: np.ndarray) -> bool:
    """Whether the matrix is positive definite in double precision: the likelihood whitens
    residuals with its Cholesky factor (an eigenvalue test passes rounding noise, 5e-17)."""
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _value(entry: Entry) -> Value:
    entry.check_fields(_COMMON | {"quantity", "value", "uncertainty"}, {"note"})
    return Value(
        entry.name,
        entry.text("quantity"),
        entry.number("value"),
        _checked_sigmas(entry, "uncertainty", [entry.number("uncertainty", positive=True)])[0],
        entry.text("unit"),
        _provenance(entry),
    )


def _correlated(entry: Entry) -> Correlated:
    entry.check_fields(_COMMON | {"quantities", "values", "uncertainties", "correlation"}, {"note"})
    quantities = entry.texts("quantities")
    n = len(quantities)
    values = entry.numbers("values")
    uncertainties = entry.numbers("uncertainties", positive=True)
    for field, items in (("values", values), ("uncertainties", uncertainties)):
        if len(items) != n:
            raise entry.error(field, f"has {len(items)} items for {n} quantities")
    rho = np.array(entry.matrix("correlation", n))
    if np.any(np.abs(rho) > 1):
        raise entry.error("correlation", "entries must lie in [-1, 1]")
    if not np.allclose(np.diag(rho), 1.0) or not np.array_equal(rho, rho.T):
        raise entry.error("correlation", "must be symmetric with ones on the diagonal")
    if not _has_cholesky(rho):
        raise entry.error("correlation", "is not positive definite")
    _checked_sigmas(entry, "uncertainties", uncertainties)
    if not _has_cholesky(rho * np.outer(uncertainties, uncertainties)):
        raise entry.error("uncertainties", "make the covariance singular in double precision")
    return Correlated(
        entry.name,
        tuple(quantities),
        tuple(values),
        tuple(uncertainties),
        tuple(tuple(float(x) for x in row) for row in rho),
        entry.text("unit"),
        _provenance(entry),
    )


def _lower_limit(entry: Entry) -> LowerLimit:
    entry.check_fields(
        _COMMON | {"quantity", "value", "cl", "smoothing_width_fraction", "smoothing_note"},
        {"note"},
    )
    cl = entry.number("cl", positive=True)
    if cl >= 1:
        raise entry.error("cl", f"must lie in (0, 1), got {cl!r}")
    entry.text("smoothing_note")
    return LowerLimit(
        entry.name,
        entry.text("quantity"),
        entry.number("value", positive=True),
        cl,
        entry.number("smoothing_width_fraction", positive=True),
        entry.text("unit"),
        _provenance(entry),
    )


def _projection(entry: Entry) -> Projection:
    entry.check_fields(_COMMON | {"quantity", "uncertainty", "uncertainty_kind"}, {"note"})
    return Projection(
        entry.name,
        entry.text("quantity"),
        entry.number("uncertainty", positive=True),
        entry.text("uncertainty_kind", ("absolute", "relative")),
        entry.text("unit"),
        _provenance(entry),
    )


def conditional_gaussian(
    mean: np.ndarray, covariance: np.ndarray, keep: list[int], given: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Gaussian of x[keep] given the other components of x at `given`: mean
    mu_a + S_ab S_bb^-1 (given - mu_b), covariance S_aa - S_ab S_bb^-1 S_ba."""
    others = [i for i in range(len(mean)) if i not in keep]
    s_ab = covariance[np.ix_(keep, others)]
    s_bb = covariance[np.ix_(others, others)]
    shift = np.linalg.solve(s_bb, np.column_stack([given - mean[others], s_ab.T]))
    conditional = covariance[np.ix_(keep, keep)] - s_ab @ shift[:, 1:]
    return mean[keep] + s_ab @ shift[:, 0], (conditional + conditional.T) / 2


def _conditional(entry: Entry, parents: dict[str, Correlated]) -> Correlated:
    """A `conditional` entry: some quantities of a `correlated` parent, the others fixed."""
    entry.check_fields(_COMMON | {"parent", "quantities", "others_fixed_at"}, {"note"})
    name = entry.text("parent")
    if name not in parents:
        raise entry.error("parent", f"no 'correlated' entry named {name!r} in data/")
    parent = parents[name]
    quantities = entry.texts("quantities")
    unknown = [q for q in quantities if q not in parent.quantities]
    if unknown or len(set(quantities)) != len(quantities):
        problem = f"{unknown} not in {name!r}" if unknown else "names a quantity twice"
        raise entry.error("quantities", problem)
    if len(quantities) == len(parent.quantities):
        raise entry.error("quantities", f"leaves none of {name!r} to fix")
    if entry.text("unit") != parent.unit:
        raise entry.error("unit", f"{entry.text('unit')!r} differs from {name!r}'s {parent.unit!r}")
    provenance = _provenance(entry)
    if provenance.status == "verified" and parent.provenance.status != "verified":
        raise entry.error("status", f"cannot be verified: its parent {name!r} is to-verify")
    keep = [parent.quantities.index(q) for q in quantities]
    given = np.full(len(parent.quantities) - len(keep), entry.number("others_fixed_at"))
    mean, covariance = conditional_gaussian(np.array(parent.values), parent.covariance, keep, given)
    sigma = np.sqrt(np.diag(covariance))
    rho = covariance / np.outer(sigma, sigma)
    np.fill_diagonal(rho, 1.0)
    return Correlated(
        entry.name,
        tuple(quantities),
        tuple(float(x) for x in mean),
        tuple(float(x) for x in sigma),
        tuple(tuple(float(x) for x in row) for row in rho),
        parent.unit,
        provenance,
    )


def _difference(entry: Entry, values: dict[str, Value]) -> Value:
    entry.check_fields(_COMMON | {"quantity", "minuend", "subtrahend"}, {"note"})
    parts = []
    for field in ("minuend", "subtrahend"):
        name = entry.text(field)
        if name not in values:
            raise entry.error(field, f"no 'value' entry named {name!r} in data/")
        parts.append(values[name])
    a, b = parts
    if a.unit != b.unit:
        raise entry.error("subtrahend", f"unit {b.unit!r} differs from the minuend's {a.unit!r}")
    return Value(
        entry.name,
        entry.text("quantity"),
        a.value - b.value,
        math.hypot(a.uncertainty, b.uncertainty),
        entry.text("unit"),
        _provenance(entry),
    )


def _signal_limit(entry: Entry) -> SignalLimit:
    numbers = {
        "reference_sqrt_s",
        "reference_luminosity",
        "sqrt_s",
        "luminosity",
        "low_mass_anchor_sigma",
    }
    fields = {"quantity", "mass_limit", "regime", "cl", "method", "low_mass_anchor"} | numbers
    fields.add("low_mass_anchor_note")
    entry.check_fields(_COMMON | fields, {"note"})
    if entry.text("unit") != "fb":
        raise entry.error(
            "unit", f"a signal limit is a cross section in fb, not {entry.text('unit')!r}"
        )
    cl = entry.number("cl", positive=True)
    if not cl < 1:
        raise entry.error("cl", f"must lie in (0, 1), got {cl!r}")
    values = {name: entry.number(name, positive=True) for name in sorted(numbers)}
    entry.text("low_mass_anchor_note")
    return SignalLimit(
        entry.name,
        entry.text("quantity"),
        entry.text("mass_limit"),
        values["reference_sqrt_s"],
        values["reference_luminosity"],
        values["sqrt_s"],
        values["luminosity"],
        entry.text("regime", SIGNAL_REGIMES),
        entry.text("low_mass_anchor"),
        values["low_mass_anchor_sigma"],
        cl,
        entry.text("method"),
        entry.text("unit"),
        _provenance(entry),
    )


_READERS: dict[str, Callable[[Entry], Measurement]] = {
    "value": _value,
    "correlated": _correlated,
    "lower-limit": _lower_limit,
    "projection": _projection,
    "signal-limit": _signal_limit,
}
#: Kinds computed from other entries, once those are read.
_DERIVED = ("difference", "conditional")
KINDS = (*_READERS, *_DERIVED)


def load_measurements(folder: Path | None = None) -> dict[str, Measurement]:
    """Every entry of every data/*.toml, by id (differences resolved)."""
    folder = shipped_folder("data") if folder is None else folder
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise InputError(f"{folder}: no data files (*.toml)")
    entries: dict[str, Measurement] = {}
    wheres: dict[str, str] = {}
    pending: list[Entry] = []
    for path in paths:
        for name, table in read_toml(path).items():
            entry = Entry(path, name, table)
            wheres[name] = entry.where
            if name in entries or any(p.name == name for p in pending):
                raise InputError(f"{entry.where}: the id {name!r} is used twice in {folder}")
            if "kind" not in table:
                raise InputError(f"{entry.where}: missing field 'kind'")
            kind = entry.text("kind", KINDS)
            if kind in _DERIVED:
                pending.append(entry)
            else:
                entries[name] = _READERS[kind](entry)
    values = {k: v for k, v in entries.items() if isinstance(v, Value)}
    parents = {k: v for k, v in entries.items() if isinstance(v, Correlated)}
    for entry in pending:
        if entry.text("kind") == "difference":
            entries[entry.name] = _difference(entry, values)
        else:
            entries[entry.name] = _conditional(entry, parents)
    for name, found in entries.items():
        if not isinstance(found, SignalLimit):
            continue
        for field in ("mass_limit", "low_mass_anchor"):
            target = getattr(found, field)
            if not isinstance(entries.get(target), LowerLimit):
                raise InputError(
                    f"{wheres[name]} field {field!r}: {target!r} is not a lower-limit entry of "
                    f"{folder}"
                )
        anchor, limit = entries[found.low_mass_anchor], entries[found.mass_limit]
        assert isinstance(anchor, LowerLimit)
        assert isinstance(limit, LowerLimit)
        if not anchor.value < limit.value:
            raise InputError(
                f"{wheres[name]} field 'low_mass_anchor': {found.low_mass_anchor!r} must lie "
                f"below the mass limit {found.mass_limit!r}"
            )
    return entries
