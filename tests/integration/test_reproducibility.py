"""Every command run twice with the same seed writes identical result files; only the
timestamps, which live in the posterior's attrs, may differ."""

from __future__ import annotations

from pathlib import Path

import xarray as xr
from helpers import run_cli

TIMESTAMPS = {"created", "created_at"}


def g2fit(*args: str, cwd: Path) -> None:
    result = run_cli(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr


def same_bytes(a: Path, b: Path) -> None:
    assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between identical runs"


def same_netcdf(a: Path, b: Path, group: str | None = None) -> None:
    first = xr.open_dataset(a, engine="h5netcdf", group=group)
    second = xr.open_dataset(b, engine="h5netcdf", group=group)
    xr.testing.assert_identical(first.drop_attrs(), second.drop_attrs())
    attrs = [{k: v for k, v in d.attrs.items() if k not in TIMESTAMPS} for d in (first, second)]
    assert attrs[0] == attrs[1]


def test_fit_mcmc_compare_are_reproducible(tmp_path: Path) -> None:
    # The same relative paths from two working folders: results echo the paths they were given.
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
        g2fit(
            "fit",
            "--out",
            "run",
            "--seed",
            "4",
            "--profile-points",
            "5",
            "--profile-2d-points",
            "2",
            cwd=folder,
        )
        g2fit(
            "mcmc",
            "--out",
            "run",
            "--seed",
            "4",
            "--walkers",
            "16",
            "--steps",
            "400",
            "--no-progress",
            cwd=folder,
        )
        g2fit("compare", "--posterior", "run", "--futures", "ilc", cwd=folder)
    a, b = (folder / "run" for folder in folders)
    for name in ("fit.json", "summary.csv", "corner.png", "exclusion.json", "exclusion.csv"):
        same_bytes(a / name, b / name)
    for group in ("posterior", "sample_stats"):
        same_netcdf(a / "posterior.nc", b / "posterior.nc", group)


def test_plane_and_integrand_are_reproducible(tmp_path: Path) -> None:
    for name in ("a", "b"):
        g2fit(
            "plane",
            "--benchmark",
            "fig6-left",
            "--out",
            f"{name}.png",
            "--grid",
            "60",
            cwd=tmp_path,
        )
        g2fit("integrand", "--out", f"{name}-integrand.png", cwd=tmp_path)
    same_bytes(tmp_path / "a.png", tmp_path / "b.png")
    same_bytes(tmp_path / "a-integrand.png", tmp_path / "b-integrand.png")
    same_netcdf(tmp_path / "a.nc", tmp_path / "b.nc")
