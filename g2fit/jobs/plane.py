"""The `plane` job: one of the paper's Fig. 5/6 planes as a figure and a netCDF grid."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from g2fit import __version__
from g2fit.config.planes import load_plane
from g2fit.inference.plane import Plane, compute_plane
from g2fit.io.figures import plane_figure
from g2fit.io.files import (
    check_png_target,
    netcdf_bytes,
    owned_folder,
    prepare_output_folder,
    write_files,
)


@dataclasses.dataclass(frozen=True)
class PlaneReport:
    """A computed plane and the files written: the figure and the grid beside it."""

    plane: Plane
    grid_points: int
    figure: Path
    grid: Path

    def text(self) -> str:
        """What the plane shows: the surviving and viable regions, each future's coverage."""
        plane, masks = self.plane, self.plane.masks
        n = self.grid_points
        lines = [
            f"{plane.spec.name}: {plane.spec.description}",
            f"grid {n} x {n}; surviving today: {masks['surviving'].mean():.1%} of the plane",
            f"viable region: {plane.viable_region}: {masks['viable'].mean():.1%} of the plane",
        ]
        coverage = plane.coverage()
        if coverage:
            lines += [
                f"  {future:<18} covers {share:.1%} of the viable region"
                for future, share in coverage.items()
            ]
        else:
            lines.append("  the viable region is empty: no coverage to report")
        top = plane.natural_viable_top()
        if top is not None:
            lines.append(f"  natural (|dm_mu/m_mu| <= 1) and viable: m_L <= {top:.0f} GeV")
        return "\n".join(lines)


def grid_bytes(plane: Plane) -> bytes:
    """The grid as netCDF bytes (xarray, h5netcdf): fields as floats, masks as 0/1 (int8)."""
    import xarray as xr

    dims = ("m_S", "m_L")
    data = {name: (dims, value) for name, value in plane.fields.items()}
    data.update(
        {f"mask_{name}": (dims, value.astype(np.int8)) for name, value in plane.masks.items()}
    )
    dataset = xr.Dataset(
        data,
        coords={"m_L": plane.m_L, "m_S": plane.m_S},
        attrs={
            "g2fit_version": __version__,
            "benchmark": plane.spec.name,
            "spec": json.dumps(dataclasses.asdict(plane.spec)),
            "viable_region": plane.viable_region,
            "thresholds": json.dumps(plane.thresholds),
            "constants": json.dumps(plane.scenario.constants.as_dict()),
            "units": "masses in GeV; masks 1 = inside the region",
        },
    )
    return netcdf_bytes({None: dataset})


def run_plane(benchmark: str, out: Path, grid_points: int) -> PlaneReport:
    """Compute the plane on a grid_points^2 grid; write OUT (.png) and OUT with .nc. OUT's
    folder is locked meanwhile."""
    (grid,) = check_png_target(out, beside=(".nc",))
    spec = load_plane(benchmark)
    with owned_folder(prepare_output_folder(out.parent)):
        plane = compute_plane(spec, grid_points)
        write_files([(out, plane_figure(plane)), (grid, grid_bytes(plane))])
    return PlaneReport(plane, grid_points, out, grid)
