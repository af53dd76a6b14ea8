"""Measurements and projections from data/*.toml, checked when loaded (data/README.md)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from g2fit.config.toml_entry import Entry, read_toml, shipped_folder
from g2fit.errors import InputError

STATUSES = ("verified", "to-verify")
_COMMON = {"kind", "unit", "source", "status"}


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


Measurement = Value | Correlated | LowerLimit | Projection


def _provenance(entry: Entry) -> Provenance:
    note = entry.text("note") if entry.has("note") else ""
    return Provenance(entry.text("source"), entry.text("status", STATUSES), note)


def _value(entry: Entry) -> Value:
    entry.check_fields(_COMMON | {"quantity", "value", "uncertainty"}, {"note"})
    return Value(
        entry.name,
        entry.text("quantity"),
        entry.number("value"),
        entry.number("uncertainty", positive=True),
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
    if np.linalg.eigvalsh(rho).min() <= 0:
        raise entry.error("correlation", "is not positive definite")
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


_READERS: dict[str, Callable[[Entry], Measurement]] = {
    "value": _value,
    "correlated": _correlated,
    "lower-limit": _lower_limit,
    "projection": _projection,
}
KINDS = (*_READERS, "difference")


def load_measurements(folder: Path | None = None) -> dict[str, Measurement]:
    """Every entry of every data/*.toml, by id (differences resolved)."""
    folder = shipped_folder("data") if folder is None else folder
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise InputError(f"{folder}: no data files (*.toml)")
    entries: dict[str, Measurement] = {}
    pending: list[Entry] = []
    for path in paths:
        for name, table in read_toml(path).items():
            entry = Entry(path, name, table)
            if name in entries or any(p.name == name for p in pending):
                raise InputError(f"{entry.where}: the id {name!r} is used twice in {folder}")
            if "kind" not in table:
                raise InputError(f"{entry.where}: missing field 'kind'")
            kind = entry.text("kind", KINDS)
            if kind == "difference":
                pending.append(entry)
            else:
                entries[name] = _READERS[kind](entry)
    values = {k: v for k, v in entries.items() if isinstance(v, Value)}
    for entry in pending:
        entries[entry.name] = _difference(entry, values)
    return entries
