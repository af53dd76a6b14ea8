"""The `validity` job: where eq. 12 holds, as exact / eq. 12 over the (m_L, m_S) plane."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from g2fit import __version__
from g2fit.io.files import (
    check_png_target,
    json_text,
    owned_folder,
    prepare_output_folder,
    write_files,
)
from g2fit.io.validity_figure import validity_figure
from g2fit.model.constants import Constants
from g2fit.model.observables import observables

FloatArray = NDArray[np.float64]
#: Mass range of the map (GeV): the shipped scenarios' priors.
MASS_RANGE_GEV = (100.0, 5000.0)
#: How far off eq. 12 may be, as reported.
THRESHOLDS = (0.01, 0.05, 0.20)
#: The two ratios mapped: the whole one-loop Delta a_mu, and its chirally enhanced part.
RATIOS = {"one_loop": "delta_amu_one_loop", "chiral": "delta_amu_chiral"}


@dataclasses.dataclass(frozen=True)
class ValidityMap:
    """exact / eq. 12 on a grid: rows m_S, columns m_L (GeV), for one set of Yukawas."""

    couplings: dict[str, float]
    m_L: FloatArray
    m_S: FloatArray
    ratios: dict[str, FloatArray]

    def off_fraction(self, name: str, threshold: float) -> float:
        """The fraction of the (log-spaced) grid where |ratio - 1| > threshold (or where the
        ratio is undefined: eq. 12 vanishes there)."""
        return float(np.mean(self._off(name, threshold)))

    def _off(self, name: str, threshold: float) -> NDArray[np.bool_]:
        ratio = self.ratios[name]
        off: NDArray[np.bool_] = ~(np.abs(ratio - 1.0) <= threshold)
        return off

    def holds_above(self, name: str, threshold: float) -> float | None:
        """The smallest m (GeV) with |ratio - 1| <= threshold wherever m_L, m_S >= m; None if
        no such square of at least 2 x 2 grid points exists."""
        off = self._off(name, threshold)
        for i, m in enumerate(self.m_L[:-1]):
            if not off[i:, i:].any():
                return float(m)
        return None


#: Grid points whose observables are computed at once: bounds the exact mode's
#: intermediates (~1.4 kB a point: a 2000 x 2000 grid at once would need ~5.4 GB).
CHUNK_POINTS = 100_000


def validity_map(
    couplings: dict[str, float], n: int, constants: Constants, chunk: int = CHUNK_POINTS
) -> ValidityMap:
    """exact / eq. 12 of the one-loop Delta a_mu and of its chiral part on an n x n grid,
    computed a block of rows (at most `chunk` points, at least one row) at a time."""
    masses = np.geomspace(*MASS_RANGE_GEV, n)
    rows = max(chunk // n, 1)
    blocks = [
        _ratios(couplings, masses, masses[i : i + rows], constants) for i in range(0, n, rows)
    ]
    ratios = {name: np.concatenate([b[name] for b in blocks]) for name in RATIOS}
    return ValidityMap(dict(couplings), masses, masses, ratios)


def _ratios(
    couplings: dict[str, float], m_L: FloatArray, m_S: FloatArray, constants: Constants
) -> dict[str, FloatArray]:
    """exact / eq. 12 at every (m_L, m_S) pair (GeV): rows m_S, columns m_L."""
    grid_L, grid_S = np.meshgrid(m_L, m_S)
    yukawas = [couplings[name] for name in ("Y_L", "Y_R", "Y_V", "Y_Vp")]
    eft = observables(grid_L, grid_S, *yukawas, constants=constants)
    exact = observables(grid_L, grid_S, *yukawas, constants=constants, loops="exact")
    with np.errstate(divide="ignore", invalid="ignore"):
        return {name: exact[key] / eft["delta_amu_one_loop"] for name, key in RATIOS.items()}


#: The grid's columns, with their meaning.
COLUMNS = {
    "m_L_GeV": "m_L (GeV)",
    "m_S_GeV": "m_S (GeV)",
    "ratio_one_loop": "exact / eq. 12 of the one-loop Delta a_mu",
    "ratio_chiral": "exact / eq. 12 of its chirally enhanced part",
}


def grid_csv(validity: ValidityMap) -> str:
    """The map as plain CSV, one row per grid point (its inputs: grid_inputs)."""
    buffer = io.StringIO()
    buffer.write(",".join(COLUMNS) + "\n")
    m_L, m_S = np.meshgrid(validity.m_L, validity.m_S)
    columns = [m_L, m_S, validity.ratios["one_loop"], validity.ratios["chiral"]]
    for row in zip(*(c.ravel() for c in columns), strict=True):
        buffer.write(",".join(f"{value:.10g}" for value in row) + "\n")
    return buffer.getvalue()


def grid_inputs(validity: ValidityMap, constants: Constants) -> dict[str, Any]:
    """What the grid was computed from, written beside it as JSON."""
    return {
        "g2fit_version": __version__,
        "map": "exact / eq. 12 of Delta a_mu at one loop",
        "couplings": validity.couplings,
        "constants": constants.as_dict(),
        "mass_range_GeV": list(MASS_RANGE_GEV),
        "columns": COLUMNS,
    }


@dataclasses.dataclass(frozen=True)
class ValidityReport:
    """The map and the files written: the figure, the grid (CSV) and its inputs (JSON)."""

    validity: ValidityMap
    figure: Path
    grid: Path
    inputs: Path

    def text(self) -> str:
        """For each ratio and threshold: how much of the plane eq. 12 misses, and above
        which masses it holds."""
        low, high = MASS_RANGE_GEV
        couplings = ", ".join(f"{k} = {v:g}" for k, v in self.validity.couplings.items())
        lines = [f"exact / eq. 12 for m_L, m_S in [{low:g}, {high:g}] GeV at {couplings}"]
        for name in RATIOS:
            for threshold in THRESHOLDS:
                above = self.validity.holds_above(name, threshold)
                where = (
                    f"within {threshold:.0%} wherever m_L, m_S >= {above:.0f} GeV"
                    if above is not None
                    else f"on no square [m, {high:g} GeV]^2 within {threshold:.0%}"
                )
                lines.append(
                    f"  {name:<8} off by > {threshold:.0%} on "
                    f"{self.validity.off_fraction(name, threshold):.1%} of the plane; {where}"
                )
        return "\n".join(lines)


def run_validity(
    couplings: dict[str, float], out: Path, grid_points: int, constants: Constants
) -> ValidityReport:
    """Map exact / eq. 12; write OUT (.png), and beside it the grid (OUT with .csv) and its
    inputs (OUT with .json). OUT's folder is locked meanwhile."""
    grid, inputs = check_png_target(out, beside=(".csv", ".json"))
    with owned_folder(prepare_output_folder(out.parent)):
        validity = validity_map(couplings, grid_points, constants)
        figure = validity_figure(validity.m_L, validity.m_S, validity.ratios, couplings)
        files: list[tuple[Path, str | bytes]] = [
            (out, figure),
            (inputs, json_text(grid_inputs(validity, constants))),
            (grid, grid_csv(validity)),
        ]
        write_files(files)
    return ValidityReport(validity, out, grid, inputs)
