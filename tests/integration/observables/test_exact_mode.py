"""The exact one-loop mode end to end: scenarios, the CLI, what results record, validity."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import POINT, copy_shipped, edit_text, run_cli

from g2fit import observables
from g2fit.config.planes import load_plane
from g2fit.errors import InputError
from g2fit.inference.plane import compute_plane
from g2fit.io.posterior import load_posterior
from g2fit.jobs.compare import scenario_of_run
from g2fit.jobs.validity import run_validity
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario
from g2fit.model.constants import DEFAULT_CONSTANTS


def test_observables_cli_in_exact_mode_matches_the_library() -> None:
    result = run_cli("observables", *POINT, "--loops", "exact", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["inputs"]["loops"] == "exact"
    expected = observables(1000.0, 800.0, 0.5, 0.5, 1.0, 0.0, loops="exact")
    for key, value in expected.items():
        assert document["observables"][key] == float(value)
    eft = observables(1000.0, 800.0, 0.5, 0.5, 1.0, 0.0)
    assert document["observables"]["delta_amu_one_loop"] != eft["delta_amu_one_loop"]


def test_scenario_mode_and_override() -> None:
    assert load_scenario("paper-2021").loops == "eft"
    assert load_scenario("paper-2021-exact").loops == "exact"
    assert load_scenario("paper-2021", loops="exact").loops == "exact"
    eft = GlobalLikelihood(load_scenario("paper-2021"))
    exact = GlobalLikelihood(load_scenario("paper-2021", loops="exact"))
    assert exact.describe()["loops"] == "exact"
    assert exact.sha256() != eft.sha256()
    theta = np.array([[3.0, 3.2, 0.6, 0.3]])
    assert exact.chi2(theta)[0] != pytest.approx(eft.chi2(theta)[0], rel=1e-6)


def test_bad_loops_in_a_scenario_names_file_and_field(tmp_path: Path) -> None:
    folder = copy_shipped("likelihoods", tmp_path)
    path = folder / "scenarios" / "paper-2021-exact.toml"
    edit_text(path, 'loops = "exact"', 'loops = "exakt"')
    with pytest.raises(InputError, match=r"paper-2021-exact\.toml.*'loops'.*exakt"):
        load_scenario("paper-2021-exact", folder=folder)


def test_exact_scenario_beyond_the_mass_range_is_refused(tmp_path: Path) -> None:
    folder = copy_shipped("likelihoods", tmp_path)
    scenario = folder / "scenarios" / "paper-2021.toml"
    edit_text(scenario, "range = [100.0, 5000.0]", "range = [100.0, 3e5]")
    edit_text(scenario, "cutoff = 1e5", "cutoff = 1e6")
    with pytest.raises(InputError, match=r"m_L reaches .* outside the exact one-loop mode"):
        load_scenario("paper-2021-exact", folder=folder)


def test_fit_records_the_mode(tmp_path: Path) -> None:
    out = tmp_path / "fit"
    result = run_cli(
        "fit", "--loops", "exact", "--out", str(out), "--profile-points", "4",
        "--profile-2d-points", "3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "fit.json").read_text())
    assert document["inputs"]["loops"] == "exact"


def test_bad_loops_on_the_cli_is_a_one_line_error() -> None:
    result = run_cli("fit", "--loops", "exakt")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--loops" in result.stderr


def test_plane_refuses_an_exact_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copy_shipped("likelihoods", tmp_path)
    plane = folder / "planes" / "fig5-left.toml"
    edit_text(plane, 'scenario = "fig5-left"', 'scenario = "paper-2021-exact"')
    monkeypatch.setenv("G2FIT_LIKELIHOODS", str(folder))
    with pytest.raises(InputError, match="needs eft"):
        compute_plane(load_plane("fig5-left"), 4)


def test_validity_map(tmp_path: Path) -> None:
    """The chiral part decouples to eq. 12 at the heavy corner (test_exact: ratio - 1 ~ v^2/M^2,
    under 1 % at 5 TeV); light states with O(1) mixing take it far from 1."""
    couplings = {"Y_L": 0.7, "Y_R": 0.7, "Y_V": 1.0, "Y_Vp": 0.0}
    report = run_validity(couplings, tmp_path / "v.png", 12, DEFAULT_CONSTANTS)
    chiral = report.validity.ratios["chiral"]
    assert abs(chiral[-1, -1] - 1) < 0.01
    assert chiral[0, 0] < 0.5
    assert report.validity.holds_above("chiral", 0.20) is not None
    assert "off by > 5%" in report.text()
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"
    text = (tmp_path / "v.csv").read_text().splitlines()
    lines = [line for line in text if not line.startswith("#")]
    rows = list(csv.reader(lines))
    assert rows[0] == ["m_L_GeV", "m_S_GeV", "ratio_one_loop", "ratio_chiral"]
    assert len(rows) == 1 + 12 * 12
    last = [float(x) for x in rows[-1]]
    assert last[0] == pytest.approx(5000.0)
    assert last[3] == pytest.approx(chiral[-1, -1])


def test_validity_cli(tmp_path: Path) -> None:
    out = tmp_path / "validity.png"
    result = run_cli("validity", "--grid", "6", "--Y-V", "0", "--Y-Vp", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Y_Vp = 1" in result.stdout
    assert out.exists()
    assert out.with_suffix(".csv").exists()
    bad = run_cli("validity", "--out", str(tmp_path / "v.txt"))
    assert bad.returncode == 2
    assert "must name a .png file" in bad.stderr


def test_mcmc_records_the_mode_and_compare_reloads_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ("--loops", "exact", "--walkers", "16", "--steps", "60", "--burn", "20")
    result = run_cli("mcmc", *args, "--no-progress", "--out", str(out))
    assert result.returncode == 0, result.stderr
    scenario, attrs = scenario_of_run(out)
    assert attrs["loops"] == "exact"
    assert scenario.loops == "exact"
    frame = load_posterior(out)
    assert {"delta_amu_chiral", "m_E", "BR_E_to_SM", "BR_N_to_SM"} <= set(frame.columns)
