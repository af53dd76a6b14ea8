"""The paper's (m_L, m_S) planes (Figs. 5 and 6) as likelihoods/planes/NAME.toml defines them."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

from g2fit.config.measurements import Value, load_measurements
from g2fit.config.scenarios import definition_file, future_names
from g2fit.config.toml_entry import Entry, read_toml
from g2fit.errors import InputError
from g2fit.model.constants import DEFAULT_CONSTANTS
from g2fit.model.observables import EXPANSION_REASON

#: What a plane may fix at every point (both are proportional to Y_L Y_R).
FIXABLE = ("delta_amu", "delta_mmu_over_mmu")


@dataclasses.dataclass(frozen=True)
class PlaneSpec:
    """A plane of likelihoods/planes/NAME.toml."""

    name: str
    description: str
    scenario: str
    fix: str
    value: float
    band: tuple[float, float] | None
    futures: tuple[str, ...]
    m_L_range: tuple[float, float]
    m_S_range: tuple[float, float]
    contours: tuple[float, ...]


def _mass_range(entry: Entry, field: str) -> tuple[float, float]:
    values = entry.numbers(field, positive=True)
    if len(values) != 2 or not values[0] < values[1]:
        raise entry.error(field, f"must be [low, high] with 0 < low < high, got {values!r}")
    # The plane's scenario is loaded with the default constants (compute_plane).
    m_W = DEFAULT_CONSTANTS.m_W
    if values[0] < m_W:
        raise entry.error(
            field, f"starts at {values[0]!r} GeV, below m_W = {m_W!r} GeV: {EXPANSION_REASON}"
        )
    return values[0], values[1]


def load_plane(name: str, folder: Path | None = None) -> PlaneSpec:
    """A plane definition, checked; the value to fix may come from a measurement in data/."""
    path = definition_file("planes", "benchmark", name, folder)
    entry = Entry(path, name, read_toml(path))
    entry.check_fields(
        {"description", "scenario", "fix", "futures", "m_L_range", "m_S_range", "contours"},
        {"value", "measurement", "n_sigma", "band"},
    )
    fix = entry.text("fix", FIXABLE)
    measurements = load_measurements()

    def gaussian(field: str) -> Value:
        key = entry.text(field)
        found = measurements.get(key)
        if not isinstance(found, Value):
            raise entry.error(field, f"no value entry {key!r} in data/")
        return found

    if entry.has("value") == entry.has("measurement"):
        raise InputError(f"{entry.where}: give exactly one of 'value' and 'measurement'")
    if entry.has("value"):
        value = entry.number("value")
    else:
        data = gaussian("measurement")
        value = data.value + entry.number("n_sigma", default=0.0) * data.uncertainty
    band = None
    if entry.has("band"):
        data = gaussian("band")
        band = (data.value - data.uncertainty, data.value + data.uncertainty)
    futures = tuple(entry.texts("futures"))
    for future in futures:
        if future not in future_names(folder):
            raise entry.error("futures", f"unknown future {future!r}")
    contours = entry.table["contours"]
    numbers = isinstance(contours, list) and all(
        isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
        for c in contours
    )
    if not numbers or any(a >= b for a, b in itertools.pairwise(contours)):
        raise entry.error(
            "contours", f"must be finite numbers in increasing order, got {contours!r}"
        )
    return PlaneSpec(
        name,
        entry.text("description"),
        entry.text("scenario"),
        fix,
        value,
        band,
        futures,
        _mass_range(entry, "m_L_range"),
        _mass_range(entry, "m_S_range"),
        tuple(float(c) for c in contours),
    )
