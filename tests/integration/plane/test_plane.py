"""The paper's Figs. 5 and 6 from the code's own numbers; the grid file against the likelihood."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from helpers import run_cli

from g2fit import observables
from g2fit.config.planes import load_plane
from g2fit.inference.plane import compute_plane
from g2fit.likelihood.scenario import load_scenario


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


@pytest.fixture(scope="module", params=["fig5-left", "fig5-right"])
def fig5(request: pytest.FixtureRequest) -> dict:
    return compute_plane(load_plane(request.param), 250)


def test_lepton_colliders_cover_all_that_survives_today(fig5: dict) -> None:
    masks = fig5.masks
    assert masks["surviving"].mean() > 0.02
    assert not np.any(masks["surviving"] & ~masks["covered_lepton-colliders"])


def test_natural_surviving_region_lies_below_the_hl_lhc_reach(fig5: dict) -> None:
    masks = fig5.masks
    natural = masks["surviving"] & masks["natural"]
    assert natural.any()
    assert not np.any(natural & ~masks["covered_hl-lhc-tau-philic"])
    assert fig5.m_L[natural.any(axis=0)].max() < 1250.0


def test_muon_mass_correction_is_negative_throughout(fig5: dict) -> None:
    gray = fig5.masks["gray"]
    assert np.all(fig5.fields["delta_mmu_over_mmu"][~gray] < 0)


def test_the_fixed_delta_amu_is_reproduced_by_the_observables(fig5: dict) -> None:
    spec, scenario = fig5.spec, fig5.scenario
    assert spec.value == pytest.approx(2.51e-9 - 0.59e-9, rel=1e-12, abs=0)
    product = fig5.fields["YL_YR"][::25, ::25]
    mL, mS = np.meshgrid(fig5.m_L[::25], fig5.m_S[::25])
    positive = product > 0
    assert positive.mean() > 0.5
    y = np.sqrt(product[positive])
    fixed = scenario.fixed
    obs = observables(mL[positive], mS[positive], y, y, fixed["Y_V"], fixed["Y_Vp"])
    np.testing.assert_allclose(obs["delta_amu"], spec.value, rtol=1e-12)


def test_fig5_viable_region_is_what_survives(fig5: dict) -> None:
    masks = fig5.masks
    np.testing.assert_array_equal(masks["viable"], masks["surviving"])
    assert fig5.viable_region.startswith("what survives today")


@pytest.mark.parametrize("name", ["fig6-left", "fig6-right"])
def test_fig6_band_is_covered_by_lepton_colliders(name: str) -> None:
    plane = compute_plane(load_plane(name), 200)
    masks = plane.masks
    viable = masks["viable"]
    np.testing.assert_array_equal(viable, masks["band"] & masks["surviving"])
    assert viable.any()
    # The band is a small part of what survives: coverage of the plane is not the claim.
    assert viable.sum() < 0.2 * masks["surviving"].sum()
    assert not np.any(viable & ~masks["covered_lepton-colliders"])
    np.testing.assert_allclose(plane.fields["delta_mmu_over_mmu"][~masks["gray"]], -3.0)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


@pytest.mark.parametrize("name", ["fig6-left", "fig6-right"])
def test_plane_command_reports_fig6_coverage_of_the_viable_band(name: str, tmp_path: Path) -> None:
    figure = tmp_path / f"{name}.png"
    result = run("plane", "--benchmark", name, "--out", str(figure), "--grid", "150")
    assert result.returncode == 0, result.stderr
    # The paper's claim: ILC + GigaZ cover all of the Delta a_mu band that survives today.
    assert "viable region: the Delta a_mu band [1.92e-09, 3.1e-09] that survives today" in (
        result.stdout
    )
    assert "lepton-colliders   covers 100.0% of the viable region" in result.stdout
    assert "of the surviving region" not in result.stdout
    grid = xr.open_dataset(tmp_path / f"{name}.nc", engine="h5netcdf")
    viable = grid["mask_viable"].values.astype(bool)
    band = grid["mask_band"].values.astype(bool)
    np.testing.assert_array_equal(viable, band & grid["mask_surviving"].values.astype(bool))
    assert viable.any()
    assert "survives today" in grid.attrs["viable_region"]


def test_plane_command_writes_figure_and_grid_that_match_the_likelihood(tmp_path: Path) -> None:
    figure = tmp_path / "fig5-left.png"
    result = run("plane", "--benchmark", "fig5-left", "--out", str(figure), "--grid", "120")
    assert result.returncode == 0, result.stderr
    assert png_size(figure) == (1100, 660)
    assert "viable region: what survives today" in result.stdout
    assert "lepton-colliders   covers 100.0% of the viable region" in result.stdout
    assert "natural (|dm_mu/m_mu| <= 1) and viable: m_L <= " in result.stdout
    grid = xr.open_dataset(tmp_path / "fig5-left.nc", engine="h5netcdf")
    assert grid["mask_red"].shape == (120, 120)
    np.testing.assert_array_equal(grid["mask_viable"], grid["mask_surviving"])
    assert json.loads(grid.attrs["spec"])["scenario"] == "fig5-left"
    scenario = load_scenario("fig5-left")
    terms = {t.name: t for t in scenario.terms}
    ew = [terms["ew-eq17-W"], terms["ew-eq17-Z"]]
    rng = np.random.default_rng(5)
    checked = 0
    for i, j in rng.integers(0, 120, size=(60, 2)):
        m_L, m_S = float(grid.m_L[j]), float(grid.m_S[i])
        product = float(grid["YL_YR"][i, j])
        assert bool(grid["mask_lhc"][i, j]) == terms["lhc-paper-2021"].excluded({"m_L": m_L})
        if not 0 < product <= 1:
            assert bool(grid["mask_gray"][i, j])
            continue
        # Brute force: every split Y_L Y_R = product with both Yukawas in [0, 1].
        Y_L = np.geomspace(product, 1.0, 20001)
        obs = observables(m_L, m_S, Y_L, product / Y_L, 1.0, 0.0)
        passes = ~np.any([t.excluded(obs) for t in ew], axis=0)
        assert bool(grid["mask_red"][i, j]) == (not passes.any()), (m_L, m_S, product)
        checked += 1
    assert checked > 15


def test_integrand_command(tmp_path: Path) -> None:
    figure = tmp_path / "fig2.png"
    result = run("integrand", "--mL-over-mS", "1000", "--out", str(figure))
    assert result.returncode == 0, result.stderr
    assert png_size(figure) == (770, 495)
    assert "integral du f'(u) = " in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["plane", "--benchmark", "fig7", "--out", "x.png"],
            "unknown benchmark 'fig7'; valid: fig5-left",
        ),
        (
            ["plane", "--benchmark", "fig5-left", "--out", "x.png", "--grid", "1"],
            "must be at least 2",
        ),
        (["plane", "--benchmark", "fig5-left", "--out", "x.pdf"], "must name a .png file"),
        (["integrand", "--mL-over-mS", "0.5", "--out", "x.png"], "must be at least 1"),
        (["compare", "--posterior", "no/such/run"], "no g2fit posterior here"),
        (["compare", "--posterior", ".", "--futures", "lep3"], "unknown future 'lep3'; valid:"),
        (["compare"], "give exactly one of --posterior RUN_DIR, --scenarios A,B,... and --grid"),
        (["compare", "--scenarios", "paper-2021,nope"], "unknown scenario 'nope'; valid:"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run_cli(*args, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr
    assert list(tmp_path.iterdir()) == []
