"""The doublet's pair-production table from data/cross_sections/, checked when loaded.

Two kinds of entry (data/README.md):
- `nlo-cross-section-sum`: the 13 TeV NLO+NNLL sum over channels (the best normalization),
  with the masses left out of its interpolation and the leading-order set (`lo_reference`)
  that splits it into channels and carries it to other energies;
- `lo-cross-sections`: leading-order sigma per channel at one energy, PDF set and scale,
  computed by `python -m g2fit.collider.lo_table` (its `command`).

The table (g2fit.model.cross_sections.PairCrossSections), on the reference set's masses:
sigma_c(m, E) = sigma_NLO(m) x [LO(m, E) / LO(m, 13 TeV)] x [LO_c(m, E) / LO(m, E)], with
sigma_NLO interpolated in ln sigma up to its last mass and, above it, the leading order times
the K-factor's mean over its last 200 GeV. The ratio's uncertainty: the largest scale
variation and the other PDF sets' difference, in quadrature.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from g2fit.config.toml_entry import Entry, read_toml, shipped_folder
from g2fit.errors import InputError
from g2fit.model.cross_sections import CHANNELS, ENERGIES_GEV, PairCrossSections

FloatArray = NDArray[np.float64]

REFERENCE_SQRT_S = 13000.0
_COMMON = {"kind", "unit", "source", "status"}


@dataclasses.dataclass(frozen=True)
class _NLOSum:
    where: str
    masses: FloatArray
    sigma: FloatArray
    excluded: FloatArray
    lo_reference: str
    source: str


@dataclasses.dataclass(frozen=True)
class _LOTable:
    where: str
    pdf: str
    scale_factor: float
    sqrt_s: float
    masses: FloatArray
    sigma: FloatArray  # (3, k), CHANNELS
    command: str


def _grid(entry: Entry, field: str, positive: bool = True) -> FloatArray:
    values = np.array(entry.numbers(field, positive=positive))
    return values


def _masses(entry: Entry) -> FloatArray:
    masses = _grid(entry, "masses")
    if np.any(np.diff(masses) <= 0):
        raise entry.error("masses", "must increase strictly")
    return masses


def _same_length(entry: Entry, field: str, values: FloatArray, masses: FloatArray) -> FloatArray:
    if values.shape != masses.shape:
        raise entry.error(field, f"has {values.size} values for {masses.size} masses")
    return values


def _fb(entry: Entry) -> None:
    if entry.text("unit") != "fb":
        raise entry.error("unit", f"cross sections are in fb here, not {entry.text('unit')!r}")


def _nlo_sum(entry: Entry) -> _NLOSum:
    fields = {"process", "sqrt_s", "masses", "sigma", "mc_error", "excluded_masses"}
    entry.check_fields(_COMMON | fields | {"excluded_note", "lo_reference"}, {"note"})
    _fb(entry)
    entry.text("status", ("verified", "to-verify"))
    entry.text("excluded_note")
    if entry.number("sqrt_s") != REFERENCE_SQRT_S:
        raise entry.error("sqrt_s", f"the normalization is at {REFERENCE_SQRT_S:g} GeV")
    masses = _masses(entry)
    sigma = _same_length(entry, "sigma", _grid(entry, "sigma"), masses)
    _same_length(entry, "mc_error", _grid(entry, "mc_error"), masses)
    value = entry.table["excluded_masses"]
    excluded = np.array(entry.numbers("excluded_masses")) if value != [] else np.zeros(0)
    unknown = excluded[~np.isin(excluded, masses)]
    if np.sum(~np.isin(masses, excluded)) < 2:
        raise entry.error("excluded_masses", "leaves fewer than two masses to interpolate")
    if unknown.size:
        raise entry.error("excluded_masses", f"{float(unknown[0])!r} GeV is not one of the masses")
    return _NLOSum(
        entry.where,
        masses,
        sigma,
        excluded,
        entry.text("lo_reference"),
        entry.text("source"),
    )


def _lo_table(entry: Entry) -> _LOTable:
    fields = {"pdf", "scale_factor", "sqrt_s", "masses", *CHANNELS, "method", "command"}
    entry.check_fields(_COMMON | fields, {"note"})
    _fb(entry)
    entry.text("status", ("computed",))
    entry.text("method")
    masses = _masses(entry)
    sigma = np.stack([_same_length(entry, c, _grid(entry, c), masses) for c in CHANNELS])
    return _LOTable(
        entry.where,
        entry.text("pdf"),
        entry.number("scale_factor", positive=True),
        entry.number("sqrt_s", positive=True),
        masses,
        sigma,
        entry.text("command"),
    )


def cross_sections_folder(data_folder: Path | None = None) -> Path:
    """data/cross_sections/ of the data folder (the shipped one unless given)."""
    return (shipped_folder("data") if data_folder is None else data_folder) / "cross_sections"


def _read(folder: Path) -> tuple[list[_NLOSum], list[_LOTable], dict[str, str]]:
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise InputError(f"{folder}: no cross-section tables (*.toml)")
    nlo: list[_NLOSum] = []
    lo: list[_LOTable] = []
    digests: dict[str, str] = {}
    for path in paths:
        digests[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        for name, table in read_toml(path).items():
            entry = Entry(path, name, table)
            if "kind" not in entry.table:
                raise InputError(f"{entry.where}: missing field 'kind'")
            kind = entry.text("kind", ("nlo-cross-section-sum", "lo-cross-sections"))
            if kind == "nlo-cross-section-sum":
                nlo.append(_nlo_sum(entry))
            else:
                lo.append(_lo_table(entry))
    if len(nlo) != 1:
        raise InputError(f"{folder}: needs exactly one nlo-cross-section-sum entry, has {len(nlo)}")
    seen: dict[tuple[str, float, float], str] = {}
    for table in lo:
        key = (table.pdf, table.scale_factor, table.sqrt_s)
        if key in seen:
            raise InputError(f"{table.where}: the same set, scale and energy as {seen[key]}")
        seen[key] = table.where
    return nlo, lo, digests


def _find(lo: list[_LOTable], pdf: str, scale: float, sqrt_s: float) -> _LOTable | None:
    found = [t for t in lo if (t.pdf, t.scale_factor, t.sqrt_s) == (pdf, scale, sqrt_s)]
    return found[0] if found else None


def _on_grid(table: _LOTable, grid: FloatArray) -> FloatArray:
    if table.masses.shape != grid.shape or np.any(table.masses != grid):
        raise InputError(f"{table.where}: its masses differ from the reference set's")
    return table.sigma


#: Tables built, by their files' names and SHA-256 (the files are small: hashing them is cheap).
_CACHE: dict[tuple[tuple[str, str], ...], PairCrossSections] = {}


def load_cross_sections(data_folder: Path | None = None) -> PairCrossSections:
    """The doublet's cross-section table from data/cross_sections/ (module docstring)."""
    folder = cross_sections_folder(data_folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (the doublet's cross-section tables)")
    try:
        key = tuple(
            (p.name, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.glob("*.toml"))
        )
    except OSError as error:
        raise InputError(f"{folder}: cannot be read ({error})") from None
    if key not in _CACHE:
        _CACHE[key] = _build(folder)
    return _CACHE[key]


def _build(folder: Path) -> PairCrossSections:
    (nlo,), lo, digests = _read(folder)
    reference = _find(lo, nlo.lo_reference, 1.0, REFERENCE_SQRT_S)
    if reference is None:
        raise InputError(
            f"{nlo.where} field 'lo_reference': no lo-cross-sections entry of "
            f"{nlo.lo_reference!r} at scale_factor 1 and sqrt_s {REFERENCE_SQRT_S:g} in {folder}"
        )
    grid = reference.masses
    used = ~np.isin(nlo.masses, nlo.excluded)
    if grid[0] < nlo.masses[used][0]:
        raise InputError(
            f"{reference.where}: masses from {grid[0]:g} GeV, below the NLO+NNLL table's "
            f"{nlo.masses[used][0]:g} GeV"
        )
    lo_13 = reference.sigma.sum(axis=0)
    last = nlo.masses[used][-1]
    log_nlo = np.interp(grid, nlo.masses[used], np.log(nlo.sigma[used]))
    # the K-factor beyond the last mass: its mean over the last 200 GeV of used points
    tail = used & (nlo.masses >= last - 200.0)
    k_tail = nlo.sigma[tail] / np.exp(np.interp(nlo.masses[tail], grid, np.log(lo_13)))
    k_last = float(np.mean(k_tail))
    total_13 = np.where(grid <= last, np.exp(log_nlo), k_last * lo_13)
    energies = sorted({t.sqrt_s for t in lo if t.pdf == nlo.lo_reference and t.scale_factor == 1})
    missing = [f"{e:g}" for e in ENERGIES_GEV if e not in energies]
    if missing:
        raise InputError(
            f"{folder}: no lo-cross-sections entry of {nlo.lo_reference!r} at scale_factor 1 "
            f"and sqrt_s {', '.join(missing)} GeV (the LHC observables need 13 and 14 TeV)"
        )
    log_sigma, uncertainty = {}, {}
    for energy in energies:
        central = _find(lo, nlo.lo_reference, 1.0, energy)
        if central is None:
            continue
        at_energy = _on_grid(central, grid)
        ratio = at_energy.sum(axis=0) / lo_13
        log_sigma[energy] = np.log(total_13 * ratio * at_energy / at_energy.sum(axis=0))
        uncertainty[energy] = _ratio_uncertainty(lo, nlo.lo_reference, energy, ratio, grid)
    provenance: dict[str, Any] = {
        "normalization": nlo.source,
        "lo_reference": nlo.lo_reference,
        "lo_command": reference.command,
        "k_factor_beyond_mass": float(last),
        "k_factor_there": k_last,
        "files_sha256": digests,
    }
    return PairCrossSections(grid, log_sigma, uncertainty, provenance)


def _ratio_uncertainty(
    lo: list[_LOTable], pdf: str, energy: float, ratio: FloatArray, grid: FloatArray
) -> FloatArray:
    """|shift| of sigma(E)/sigma(13 TeV): the largest scale variation of the reference set
    and the largest other set's difference, in quadrature (0 at 13 TeV)."""
    if energy == REFERENCE_SQRT_S:
        return np.zeros_like(grid)
    shifts: dict[str, list[FloatArray]] = {"scale": [], "pdf": []}
    for table in lo:
        if table.sqrt_s != energy:
            continue
        base = _find(lo, table.pdf, table.scale_factor, REFERENCE_SQRT_S)
        if base is None or (table.pdf == pdf and table.scale_factor == 1.0):
            continue
        other = _on_grid(table, grid).sum(axis=0) / _on_grid(base, grid).sum(axis=0)
        kind = "scale" if table.pdf == pdf else "pdf" if table.scale_factor == 1.0 else None
        if kind:
            shifts[kind].append(np.abs(other / ratio - 1.0))
    largest = [np.max(s, axis=0) if s else np.zeros_like(grid) for s in shifts.values()]
    combined: FloatArray = np.hypot(*largest)
    return combined
