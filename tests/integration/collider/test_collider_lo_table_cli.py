"""`python -m g2fit.collider.lo_table` as a user runs it: bad input is one line on stderr and
exit code 2, with nothing already written lost; a small table from a real grid."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import one_line_error

ROOT = Path(__file__).resolve().parents[3]
PDF = ROOT / ".." / "shared" / "pdf"
NNPDF31 = PDF / "NNPDF31_nlo_as_0118_luxqed"
NOT_SHIPPED = "PDF grids are developer/CI data at ../shared/pdf, not shipped"


def lo_table(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "g2fit.collider.lo_table", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def test_a_missing_grid_folder_is_named(tmp_path: Path) -> None:
    result = lo_table("--pdf", "nowhere/NOSET", "--out", "t.toml", cwd=tmp_path)
    one_line_error(result, "nowhere/NOSET: no such PDF set folder")
    assert not (tmp_path / "t.toml").exists()


def test_a_malformed_grid_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "BAD"
    folder.mkdir()
    (folder / "BAD.info").write_text("Format: lhagrid1\n")
    (folder / "BAD_0000.dat").write_text("PdfType: central\nFormat: lhagrid1\n")
    result = lo_table("--pdf", "BAD", "--out", "t.toml", cwd=tmp_path)
    one_line_error(result, "BAD/BAD_0000.dat: malformed grid")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--out", "t.toml"], "the following arguments are required: --pdf"),
        (["--pdf", "X", "--out", "t.toml", "--masses", "200", "100"], "argument --masses"),
        (["--pdf", "X", "--out", "t.toml", "--masses", "-5"], "argument --masses"),
        (["--pdf", "X", "--out", "t.toml", "--masses", "7000"], "argument --masses"),
        (["--pdf", "X", "--out", "t.toml", "--masses", "lots"], "argument --masses"),
        (["--pdf", "X", "--out", "no/such/t.toml"], "argument --out: no/such: no such folder"),
        (["--pdf", "X", "--out", "t.toml", "--unknown"], "unrecognized arguments: --unknown"),
        (["--pdf", "a/X", "--pdf", "b/X", "--out", "t.toml"], "the set X is given twice"),
    ],
)
def test_bad_arguments_are_named(tmp_path: Path, args: list[str], needle: str) -> None:
    one_line_error(lo_table(*args, cwd=tmp_path), needle)


def test_an_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text("mine\n")
    one_line_error(lo_table("--pdf", "X", "--out", "t.toml", cwd=tmp_path), "t.toml exists")
    assert (tmp_path / "t.toml").read_text() == "mine\n"
    # --force replaces it only once the table is made: a bad grid leaves it as it was
    one_line_error(lo_table("--pdf", "X", "--out", "t.toml", "--force", cwd=tmp_path), "X: no such")
    assert (tmp_path / "t.toml").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.toml"]


@pytest.mark.skipif(not NNPDF31.is_dir(), reason=NOT_SHIPPED)
def test_a_small_table(tmp_path: Path) -> None:
    args = ["--pdf", str(NNPDF31), "--out", "t.toml", "--masses", "500", "1000"]
    result = lo_table(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "t.toml").read_text()
    tables = tomllib.loads(text)
    command = "python -m g2fit.collider.lo_table " + " ".join(args)
    assert f"#   {command}" in text.splitlines()
    assert list(tables) == [
        f"lo_NNPDF31_nlo_as_0118_luxqed_mu{k}_{e}"
        for e in (13000, 14000)
        for k in ("1", "2", "0p5")
    ]
    for entry in tables.values():
        assert entry["masses"] == [500.0, 1000.0]
        assert entry["command"] == command
        assert all(len(entry[c]) == 2 for c in ("EE", "EN", "NN"))
    one_line_error(lo_table(*args, cwd=tmp_path), "t.toml exists")
    assert lo_table(*args, "--force", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.toml"]
