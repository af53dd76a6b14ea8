"""Which conclusions hold whatever the data choices (g2fit.jobs.robustness): a 2 x 2 grid over
`current` with synthetic results per member, every expected value worked out by hand below."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
import pytest
from helpers import copy_shipped

from g2fit.config.grids import Grid, read_grid
from g2fit.jobs.robustness import (
    robustness_csv,
    robustness_files,
    robustness_summary,
    robustness_table,
)

GRID = """
description = "robustness test grid"
base = "current"

[axes.g2]
slot = "term"
choices = { a = "g2-wa2025-wp2020", b = "g2-wa2025-wp2025" }

[axes.ew]
slot = "term"
choices = { m = "ew-fit-2021", r = "ew-fit-2021-restricted" }
"""
AM, AR, BM, BR = "g2=a,ew=m", "g2=a,ew=r", "g2=b,ew=m", "g2=b,ew=r"

CHI2 = "chi2_SM - chi2_min"
LNB = "ln B vs SM"
M_L = "m_L < (95% CL) [GeV]"
M_S = "m_S < (95% CL) [GeV]"
ILC = "excluded by ilc"
FCC = "excluded by fcc-ee"
FUTURES = ["ilc", "fcc-ee"]


def row(
    chi2_sm: float,
    chi2_min: float,
    ln_b: float | None,
    m_L: float | None,
    m_S: float | None,
    ilc: float,
    fcc: float,
) -> dict[str, Any]:
    """A member's line as compare_scenarios writes it (only the columns robustness reads)."""
    result: dict[str, Any] = {
        "description": "synthetic",
        "chi2_sm": chi2_sm,
        "chi2_min": chi2_min,
        "upper_limits_95": {"m_L": m_L, "m_S": m_S},
        "excluded_fraction": {"ilc": ilc, "fcc-ee": fcc},
    }
    if ln_b is not None:
        result["evidence"] = {"log_bayes_factor_vs_sm": ln_b}
    return result


#: chi2_SM - chi2_min: 20, 12, 4, 2; ln B: 3, 1.5, 0.5, 0.25; m_L limits 1500, 2000, 3000 and
#: none; m_S limits 800, 1200, 900, 1300; ilc 0.99, 0.50, 0.97, 0.60; fcc-ee 0.1 ... 0.4.
ROWS = {
    AM: row(30.0, 10.0, 3.0, 1500.0, 800.0, 0.99, 0.1),
    AR: row(30.0, 18.0, 1.5, 2000.0, 1200.0, 0.50, 0.2),
    BM: row(12.0, 8.0, 0.5, 3000.0, 900.0, 0.97, 0.3),
    BR: row(12.0, 10.0, 0.25, None, 1300.0, 0.60, 0.4),
}


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Grid:
    folder = copy_shipped("likelihoods", tmp_path_factory.mktemp("robustness"))
    (folder / "grids" / "small.toml").write_text(GRID)
    return read_grid("small", folder)


@pytest.fixture(scope="module")
def summary(grid: Grid) -> dict[str, Any]:
    return robustness_summary(grid, ROWS)


def conclusion(summary: dict[str, Any], quantity: str) -> dict[str, Any]:
    (found,) = [c for c in summary["conclusions"] if c["quantity"] == quantity]
    return found


def test_grid_members(grid: Grid) -> None:
    assert [m.key for m in grid.members] == [AM, AR, BM, BR]


def test_counts_and_quantities(summary: dict[str, Any]) -> None:
    assert summary["grid"] == "small"
    assert (summary["members"], summary["of"]) == (4, 4)
    assert list(summary["quantities"]) == [CHI2, LNB, M_L, M_S, ILC, FCC]


@pytest.mark.parametrize(
    ("quantity", "low", "high", "argmin", "argmax"),
    [
        (CHI2, 2.0, 20.0, BR, AM),
        (LNB, 0.25, 3.0, BR, AM),
        (M_L, 1500.0, float("inf"), AM, BR),  # BR has no limit
        (M_S, 800.0, 1300.0, AM, BR),
        (ILC, 0.50, 0.99, AR, AM),
        (FCC, 0.1, 0.4, AM, BR),
    ],
)
def test_range_and_where_it_is_reached(
    summary: dict[str, Any], quantity: str, low: float, high: float, argmin: str, argmax: str
) -> None:
    q = summary["quantities"][quantity]
    assert q["min"] == pytest.approx(low)
    assert q["max"] == pytest.approx(high)
    assert (q["argmin"], q["argmax"]) == (argmin, argmax)


@pytest.mark.parametrize(
    ("quantity", "means", "effects", "moved"),
    [
        # g2: a (20 + 12)/2 = 16, b (4 + 2)/2 = 3 -> 13; ew: m (20 + 4)/2 = 12, r 7 -> 5.
        (CHI2, ({"a": 16.0, "b": 3.0}, {"m": 12.0, "r": 7.0}), (13.0, 5.0), "g2"),
        # g2: a 2.25, b 0.375 -> 1.875; ew: m 1.75, r 0.875 -> 0.875.
        (LNB, ({"a": 2.25, "b": 0.375}, {"m": 1.75, "r": 0.875}), (1.875, 0.875), "g2"),
        # g2: a 1000, b 1100 -> 100; ew: m 850, r 1250 -> 400.
        (M_S, ({"a": 1000.0, "b": 1100.0}, {"m": 850.0, "r": 1250.0}), (100.0, 400.0), "ew"),
        # g2: a 0.745, b 0.785 -> 0.04; ew: m 0.98, r 0.55 -> 0.43.
        (ILC, ({"a": 0.745, "b": 0.785}, {"m": 0.98, "r": 0.55}), (0.04, 0.43), "ew"),
        # g2: a 0.15, b 0.35 -> 0.2; ew: m 0.2, r 0.3 -> 0.1.
        (FCC, ({"a": 0.15, "b": 0.35}, {"m": 0.2, "r": 0.3}), (0.2, 0.1), "g2"),
    ],
)
def test_effect_is_the_spread_of_the_means_over_choices(
    summary: dict[str, Any],
    quantity: str,
    means: tuple[dict[str, float], dict[str, float]],
    effects: tuple[float, float],
    moved: str,
) -> None:
    q = summary["quantities"][quantity]
    for axis, axis_means, effect in zip(("g2", "ew"), means, effects, strict=True):
        assert q["effects"][axis]["means"] == pytest.approx(axis_means)
        assert q["effects"][axis]["effect"] == pytest.approx(effect)
    assert q["moved_most_by"] == moved


def test_member_without_a_limit(summary: dict[str, Any]) -> None:
    q = summary["quantities"][M_L]
    assert q["values"] == {AM: 1500.0, AR: 2000.0, BM: 3000.0, BR: float("inf")}
    # With a member without a limit, each choice's share of members without one: b holds
    # BR (1 of 2), a none; likewise r and m. Both axes move it by 0.5: the first is named.
    assert q["effects"]["g2"] == {
        "measure": "share without a limit",
        "means": {"a": 0.0, "b": 0.5},
        "effect": 0.5,
    }
    assert q["effects"]["ew"]["means"] == {"m": 0.0, "r": 0.5}
    assert q["moved_most_by"] == "g2"
    bound = conclusion(summary, M_L)
    assert bound["statement"] == "the data bound m_L from above (95 % CL)"
    assert (bound["holds_in"], bound["members"]) == (3, 4)
    assert bound["verdict"] == "depends on the choices"
    # Fails in g2=b,ew=r only: neither axis alone decides it.
    assert bound["decided_by"] is None


def test_conclusion_holding_everywhere(summary: dict[str, Any]) -> None:
    favoured = conclusion(summary, LNB)
    assert favoured["statement"] == "the data favour the model over the SM (ln B > 0)"
    assert (favoured["comparison"], favoured["threshold"]) == (">", 0.0)
    assert (favoured["holds_in"], favoured["members"]) == (4, 4)
    assert favoured["verdict"] == "holds for every choice"
    assert favoured["decided_by"] is None


def test_conclusion_holding_nowhere(summary: dict[str, Any]) -> None:
    fcc = conclusion(summary, FCC)
    assert fcc["statement"] == "fcc-ee would exclude at least 95% of the posterior"
    assert (fcc["comparison"], fcc["threshold"]) == (">=", 0.95)
    assert fcc["holds_in"] == 0
    assert fcc["verdict"] == "holds for no choice"
    assert fcc["decided_by"] is None


def test_conclusion_decided_by_the_first_axis(summary: dict[str, Any]) -> None:
    # 20 and 12 >= 9 with g2=a, 4 and 2 below with g2=b.
    better = conclusion(summary, CHI2)
    assert better["statement"] == ("the model fits better than the SM by chi2_SM - chi2_min >= 9")
    assert better["holds_in"] == 2
    assert better["verdict"] == "depends on the choices"
    assert better["decided_by"] == "g2 (holds with a)"


def test_conclusion_decided_by_the_second_axis(summary: dict[str, Any]) -> None:
    # 0.99 and 0.97 >= 0.95 with ew=m, 0.50 and 0.60 below with ew=r; g2 does not decide.
    ilc = conclusion(summary, ILC)
    assert ilc["holds_in"] == 2
    assert ilc["verdict"] == "depends on the choices"
    assert ilc["decided_by"] == "ew (holds with m)"


def test_conclusions_in_order(summary: dict[str, Any]) -> None:
    assert [c["quantity"] for c in summary["conclusions"]] == [CHI2, LNB, M_L, ILC, FCC]


def test_without_evidence_there_is_no_bayes_factor(grid: Grid) -> None:
    rows = {key: {k: v for k, v in r.items() if k != "evidence"} for key, r in ROWS.items()}
    summary = robustness_summary(grid, rows)
    assert LNB not in summary["quantities"]
    assert LNB not in [c["quantity"] for c in summary["conclusions"]]
    assert len(summary["conclusions"]) == 4


def test_unfinished_members_are_left_out(grid: Grid) -> None:
    rows = {key: ROWS[key] for key in (AM, AR, BM)}
    summary = robustness_summary(grid, rows)
    assert (summary["members"], summary["of"]) == (3, 4)
    # g2: a (20 + 12)/2 = 16, b 4 -> 12; ew: m (20 + 4)/2 = 12, r 12 -> 0.
    q = summary["quantities"][CHI2]
    assert q["effects"]["g2"]["means"] == pytest.approx({"a": 16.0, "b": 4.0})
    assert q["effects"]["ew"]["means"] == pytest.approx({"m": 12.0, "r": 12.0})
    assert q["effects"]["ew"]["effect"] == pytest.approx(0.0)
    assert q["moved_most_by"] == "g2"
    # Every finished member has an m_L limit now; the verdict says only 3 of 4 finished.
    bound = conclusion(summary, M_L)
    assert (bound["holds_in"], bound["members"], bound["verdict"]) == (
        3,
        3,
        "holds for every choice of the 3 finished",
    )
    assert summary["quantities"][M_L]["max"] == 3000.0


def test_markdown_table(summary: dict[str, Any]) -> None:
    lines = robustness_table(summary).splitlines()
    assert lines[0] == "Grid small: 4 of 4 scenarios finished."
    assert (
        "| the model fits better than the SM by chi2_SM - chi2_min >= 9 | 2/4 | "
        "depends on the choices | g2 (holds with a) | g2=a: 2/2, g2=b: 0/2 |"
    ) in lines
    assert (
        "| the data favour the model over the SM (ln B > 0) | 4/4 | holds for every choice | - "
        "| g2=a: 2/2, g2=b: 2/2 |"
    ) in lines
    assert (
        "| fcc-ee would exclude at least 95% of the posterior | 0/4 | holds for no choice | - "
        "| g2=a: 0/2, g2=b: 0/2 |" in (lines)
    )
    assert f"| {CHI2} | 2 | 20 | g2 | 13 |" in lines
    assert f"| {M_S} | 800 | 1.3e+03 | ew | 400 |" in lines
    # No limit in one member: the maximum reads "none".
    assert any(line.startswith(f"| {M_L} | 1.5e+03 | none |") for line in lines)


def test_csv_one_row_per_quantity(summary: dict[str, Any], grid: Grid) -> None:
    table = list(csv.reader(io.StringIO(robustness_csv(summary, grid))))
    assert table[0] == [
        "quantity",
        "min",
        "max",
        "argmin",
        "argmax",
        "moved_most_by",
        "effect_g2",
        "effect_ew",
    ]
    assert [r[0] for r in table[1:]] == [CHI2, LNB, M_L, M_S, ILC, FCC]
    chi2 = table[1]
    assert chi2[3:6] == [BR, AM, "g2"]
    assert [float(x) for x in (chi2[1], chi2[2], chi2[6], chi2[7])] == [2.0, 20.0, 13.0, 5.0]
    m_s = table[4]
    assert m_s[3:6] == [AM, BR, "ew"]
    assert [float(x) for x in m_s[6:]] == [100.0, 400.0]


def _no_constants(token: str) -> Any:
    raise AssertionError(f"non-standard JSON constant {token}")


def test_files(summary: dict[str, Any], grid: Grid) -> None:
    files = robustness_files(summary, grid)
    assert set(files) == {"robustness.json", "robustness.csv", "robustness.md", "robustness.png"}
    text = files["robustness.json"].decode()
    assert text.endswith("\n")
    document = json.loads(text, parse_constant=_no_constants)
    assert document["grid"] == "small"
    assert (document["members"], document["of"]) == (4, 4)
    # No limit (infinity) becomes null; finite values pass unchanged.
    m_L = document["quantities"][M_L]
    assert m_L["max"] is None
    assert m_L["values"] == {AM: 1500.0, AR: 2000.0, BM: 3000.0, BR: None}
    assert m_L["effects"]["g2"]["means"] == {"a": 0.0, "b": 0.5}
    assert document["quantities"][CHI2]["effects"]["g2"]["effect"] == pytest.approx(13.0)
    # The m_L conclusion's threshold (no limit: infinity) is null too.
    expected = [
        {**c, "threshold": None} if c["quantity"] == M_L else c for c in summary["conclusions"]
    ]
    assert document["conclusions"] == expected

    rows = list(csv.reader(io.StringIO(files["robustness.csv"].decode())))
    assert len(rows) == 1 + 6
    assert files["robustness.md"].decode() == robustness_table(summary)
    assert files["robustness.png"].startswith(b"\x89PNG\r\n\x1a\n")


def test_no_member_finished(grid: Grid) -> None:
    summary = robustness_summary(grid, {})
    assert (summary["members"], summary["of"]) == (0, 4)
    assert summary["quantities"] == {}
    assert summary["conclusions"] == []
    assert robustness_table(summary).startswith("Grid small: 0 of 4 scenarios finished.\n")
    files = robustness_files(summary, grid)
    assert json.loads(files["robustness.json"], parse_constant=_no_constants)["members"] == 0
    assert files["robustness.csv"].decode().count("\n") == 1
    assert files["robustness.png"].startswith(b"\x89PNG")


def test_a_fixed_mass_has_no_limit_quantity(grid: Grid) -> None:
    """A member whose m_S is fixed has no m_S limit in its fit: the quantity is left out for
    it, not counted as "no limit"."""
    rows = {key: dict(value) for key, value in ROWS.items()}
    for key in (AM, AR):
        rows[key]["upper_limits_95"] = {"m_L": rows[key]["upper_limits_95"]["m_L"]}
    summary = robustness_summary(grid, rows)
    m_S = summary["quantities"][M_S]
    assert m_S["values"] == {BM: 900.0, BR: 1300.0}
    assert (m_S["min"], m_S["max"]) == (900.0, 1300.0)
    assert m_S["effects"]["g2"]["means"] == {"b": 1100.0}


def test_an_axis_that_moves_nothing_is_not_named(grid: Grid) -> None:
    rows = {key: row(20.0, 10.0, 1.0, 1000.0, 500.0, 0.5, 0.5) for key in ROWS}
    summary = robustness_summary(grid, rows)
    assert summary["quantities"][CHI2]["moved_most_by"] is None
    assert "| chi2_SM - chi2_min | 10 | 10 | - | - |" in robustness_table(summary).splitlines()


def test_numpy_values_from_the_runs_give_plain_json(grid: Grid) -> None:
    """Rows read from posteriors carry numpy scalars (ln B from netCDF attributes): the
    summary's JSON holds plain numbers and counts."""
    rows = {key: dict(value) for key, value in ROWS.items()}
    for key, value in rows.items():
        value["evidence"] = {
            "log_bayes_factor_vs_sm": np.float64(ROWS[key]["evidence"]["log_bayes_factor_vs_sm"])
        }
    document = json.loads(robustness_files(robustness_summary(grid, rows), grid)["robustness.json"])
    favoured = next(c for c in document["conclusions"] if c["quantity"] == LNB)
    assert favoured["holds_in"] == 4
