"""What the command line says: usage without a command, errors that name what the user typed,
a finished run that says so, refusals as one line, files that plain readers read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import copy_shipped, edit_text, one_line_error, run_cli

import g2fit
from g2fit.cli_parser import COMMANDS

SMALL_RUN = ["--walkers", "8", "--steps", "40", "--no-progress"]


def test_g2fit_without_a_command_prints_its_usage() -> None:
    result = run_cli()
    assert result.returncode == 2  # argparse's exit code for a usage error
    assert result.stdout == ""
    assert result.stderr.startswith("usage: g2fit ")
    for command in COMMANDS:
        assert f"\n    {command} " in result.stderr, command
    assert result.stderr.splitlines()[-1] == "g2fit: error: a command is required"


@pytest.mark.parametrize(
    ("command", "setting", "needle"),
    [
        (
            "fit",
            "m_W=200",
            "argument --set: constant m_W = 200.0 GeV lies above the m_L prior's start, 100.0 GeV",
        ),
        ("mcmc", "m_W=120", "argument --set: constant m_W = 120.0 GeV lies above the m_L prior"),
        ("fit", "y_t=1e300", "argument --set: constant y_t must lie in [1e-10, 1e10]"),
    ],
)
def test_set_errors_name_the_constant_not_the_scenario_file(
    tmp_path: Path, command: str, setting: str, needle: str
) -> None:
    line = one_line_error(run_cli(command, "--set", setting, "--out", str(tmp_path)), needle)
    assert ".toml" not in line
    assert "y_t_override" not in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["plane", "--benchmark", "fig5-left", "--grid", "5", "--out", "/"],
        ["plane", "--benchmark", "fig5-left", "--grid", "5", "--out", "."],
        ["validity", "--grid", "5", "--out", "/"],
    ],
)
def test_an_output_without_a_file_name_is_one_line(args: list[str]) -> None:
    one_line_error(run_cli(*args), f"argument --out: must name a .png file, got {args[-1]!r}")


def test_a_finished_run_says_it_is_already_complete(tmp_path: Path) -> None:
    first = run_cli("mcmc", "--out", str(tmp_path), *SMALL_RUN)
    assert first.returncode == 0, first.stderr
    assert "already complete" not in first.stdout
    again = run_cli("mcmc", "--out", str(tmp_path), *SMALL_RUN)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        "already complete: the checkpoint holds all 40 steps; nothing sampled"
    )
    assert "resumed from" not in again.stdout


def test_fit_refuses_a_folder_with_another_seed_s_fit(tmp_path: Path) -> None:
    g2fit.fit(out=tmp_path, seed=0, profile_points=3, profile_2d_points=2)
    before = hashlib.sha256((tmp_path / "fit.json").read_bytes()).hexdigest()
    result = run_cli("fit", "--seed", "1", "--out", str(tmp_path))
    one_line_error(
        result, f"{tmp_path} holds the fit of another run (seed 0, not 1), not of 'paper-2021'"
    )
    assert hashlib.sha256((tmp_path / "fit.json").read_bytes()).hexdigest() == before


def test_the_validity_grid_reads_with_a_plain_read_csv(tmp_path: Path) -> None:
    out = tmp_path / "validity.png"
    result = run_cli("validity", "--grid", "4", "--Y-L", "0.6", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        f"written: {out}, {out.with_suffix('.csv')}, {out.with_suffix('.json')}"
    )
    grid = pd.read_csv(out.with_suffix(".csv"))
    assert list(grid.columns) == ["m_L_GeV", "m_S_GeV", "ratio_one_loop", "ratio_chiral"]
    masses = [100.0, 100.0 * 50 ** (1 / 3), 100.0 * 50 ** (2 / 3), 5000.0]  # 100-5000 GeV, log
    np.testing.assert_allclose(grid["m_L_GeV"], np.tile(masses, 4), rtol=1e-9)
    np.testing.assert_allclose(grid["m_S_GeV"], np.repeat(masses, 4), rtol=1e-9)
    assert grid.dtypes.eq(np.float64).all()
    inputs = json.loads(out.with_suffix(".json").read_text())
    assert inputs["couplings"] == {"Y_L": 0.6, "Y_R": 0.7, "Y_V": 1.0, "Y_Vp": 0.0}
    assert inputs["constants"]["m_W"] == g2fit.DEFAULT_CONSTANTS.m_W
    assert set(inputs["columns"]) == set(grid.columns)


def test_a_correlated_uncertainty_that_squares_to_zero_is_one_line(tmp_path: Path) -> None:
    data = copy_shipped("data", tmp_path)
    edit_text(data / "ew.toml", "[2.6e-3, 1.2e-3, 1.4e-3]", "[2.6e-3, 1e-200, 1.4e-3]")
    result = run_cli(
        "fit",
        "--scenario",
        "current",
        "--out",
        str(tmp_path / "run"),
        env={"G2FIT_DATA": str(data)},
    )
    one_line_error(result, f"{data / 'ew.toml'}: [ew_fit_2021_muon] field 'uncertainties': item 2")


def test_the_integrand_message_gives_every_integral_its_unit(tmp_path: Path) -> None:
    from g2fit.jobs.integrand import IntegrandReport

    text = IntegrandReport(1000.0, -2e-22, 1.99601e-06, tmp_path / "f.png").text()
    assert "integral du f'(u) = -2.000e-22 m_S^-2 " in text
    assert "integral du |f'(u)| = 1.99601e-06 m_S^-2 " in text
    assert text.endswith("2/(m_L + m_S)^2 = 1.99601e-06 m_S^-2)")
