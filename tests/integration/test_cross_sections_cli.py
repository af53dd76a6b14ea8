"""`g2fit cross-sections` and the LHC rows of `g2fit observables`, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import copy_shipped, edit_text, one_line_error, run_cli


def test_the_table_prints_the_published_13_tev_sum() -> None:
    """1000 GeV at 13 TeV: table A's 1.02654 fb (working group, NLO+NNLL), split in three."""
    result = run_cli("cross-sections", "--masses", "1000,1270", "--sqrt-s", "13000,14000", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [(r["mass"], r["sqrt_s"]) for r in rows] == [
        (1000.0, 13000.0),
        (1270.0, 13000.0),
        (1000.0, 14000.0),
        (1270.0, 14000.0),
    ]
    assert rows[0]["total"] == pytest.approx(1.02654, rel=1e-9)
    assert rows[0]["EE"] + rows[0]["EN"] + rows[0]["NN"] == pytest.approx(rows[0]["total"])
    assert rows[2]["total"] > rows[0]["total"]
    assert rows[0]["ratio_uncertainty"] == 0.0 < rows[2]["ratio_uncertainty"]
    table = run_cli("cross-sections", "--masses", "1000")
    assert table.returncode == 0, table.stderr
    assert "NLO+NNLL" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--masses", "6000"], "argument --masses: m = 6000.0 GeV lies outside the cross-section"),
        (["--masses", "1000", "--sqrt-s", "27000"], "argument --sqrt-s = 27000.0 GeV"),
        (["--masses", "x"], "argument --masses: not a number: 'x'"),
        (["--masses", "-5"], "argument --masses: must be a positive mass"),
    ],
)
def test_bad_arguments_are_one_line(args: list[str], needle: str) -> None:
    one_line_error(run_cli("cross-sections", *args), needle)


def test_a_malformed_table_is_one_line_naming_the_file(tmp_path: Path) -> None:
    data = copy_shipped("data", tmp_path)
    table = data / "cross_sections" / "doublet_lo.toml"
    edit_text(table, "masses = [", "masses = [50.0, ")
    result = run_cli("cross-sections", "--masses", "1000", env={"G2FIT_DATA": str(data)})
    one_line_error(result, str(table))


def test_observables_show_what_the_lhc_sees() -> None:
    point = ["--m-L", "1000", "--m-S", "3000", "--Y-L", "0", "--Y-R", "0.01", "--Y-V", "0"]
    result = run_cli("observables", *point, "--Y-Vp", "0", "--json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)["observables"]
    # a pure doublet decays as the searches assume: all of its 13 TeV rate is covered
    assert values["lhc_uncovered_share"] == pytest.approx(0.0, abs=1e-9)
    assert values["sigma_pair_13"] == pytest.approx(1.02654, rel=0.01)  # m_E, m_N ~ m_L
    far = run_cli("observables", *point[:1], "9000", *point[2:], "--Y-Vp", "0", "--json")
    assert far.returncode == 0, far.stderr
    document = json.loads(far.stdout)
    assert "sigma_pair_13" in document["non_finite"]  # beyond the table's 5000 GeV
