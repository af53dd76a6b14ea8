"""The lhagrid1 reader and its repair, on small grids written here."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from g2fit.collider.pdf_grid import open_grid, repair_grid_text
from g2fit.errors import InputError

X = [1e-4, 1e-3, 1e-2, 0.1, 0.3, 0.6, 1.0]
Q = [10.0, 100.0, 1000.0, 10000.0]
FLAVOURS = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22]


def value(k: int, x: float, q: float) -> float:
    """x f of the k-th flavour: smooth, zero at x = 1."""
    return (k + 1) * math.sqrt(x) * (1 - x) ** 3 * (1 + 0.1 * math.log(q))


def grid_text(x: list[float] = X, glue: bool = False) -> str:
    """An lhagrid1 member; `glue` joins the first two numbers of the x = 1 rows."""
    rows = []
    for xi in x:
        for qi in Q:
            row = " ".join(f"{value(k, xi, qi):.8e}" for k in range(len(FLAVOURS)))
            if glue and xi == 1.0:
                row = row.replace(" ", "", 1)
            rows.append(row)
    lines = ["PdfType: central", "Format: lhagrid1", "---"]
    lines += [" ".join(f"{v:.6e}" for v in x), " ".join(f"{v:.6e}" for v in Q)]
    lines += [" ".join(map(str, FLAVOURS)), *rows, "---"]
    return "\n".join(lines) + "\n"


def set_folder(tmp_path: Path, text: str, name: str = "TOY") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{name}.info").write_text("SetDesc: toy\nFormat: lhagrid1\nNumMembers: 1\n")
    (folder / f"{name}_0000.dat").write_text(text)
    return folder


def broken_text() -> str:
    """As CT14qed_proton: the first x node written twice, glued numbers at x = 1."""
    return grid_text([X[0], *X], glue=True)


def test_a_clean_grid_is_read_as_it_is_and_interpolates_through_its_nodes(
    tmp_path: Path,
) -> None:
    grid = open_grid(set_folder(tmp_path, grid_text()))
    assert grid.repairs == ()
    assert grid.flavours == tuple(sorted(FLAVOURS))
    assert (grid.x_min, grid.q_min, grid.q_max) == (1e-4, 10.0, 10000.0)
    x, q = np.meshgrid(X, Q, indexing="ij")
    got = grid.xfx([2, -1, 21], x, q)
    for row, k in zip(got, [FLAVOURS.index(f) for f in (2, -1, 21)], strict=True):
        expected = np.vectorize(lambda a, b, k=k: float(f"{value(k, a, b):.8e}"))(x, q)
        np.testing.assert_allclose(row, expected, rtol=1e-12, atol=1e-300)


def test_the_repair_restores_the_clean_grid_exactly() -> None:
    repaired, changes = repair_grid_text(broken_text(), Path("TOY_0000.dat"))
    assert repaired == grid_text()
    assert changes == [
        "subgrid 1: split 4 glued numbers",
        "subgrid 1: dropped the repeated x node 1.000000e-04",
    ]
    assert repair_grid_text(grid_text(), Path("TOY_0000.dat")) == (grid_text(), [])


def test_a_repaired_grid_reads_as_the_clean_one(tmp_path: Path) -> None:
    clean = open_grid(set_folder(tmp_path, grid_text(), "CLEAN"))
    repaired = open_grid(set_folder(tmp_path, broken_text(), "BROKEN"))
    assert len(repaired.repairs) == 2
    rng = np.random.default_rng(3)
    x, q = 10 ** rng.uniform(-4, 0, 200), 10 ** rng.uniform(1, 4, 200)
    np.testing.assert_array_equal(repaired.xfx(FLAVOURS, x, q), clean.xfx(FLAVOURS, x, q))


def test_reading_leaves_the_root_logger_as_it_was(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    open_grid(set_folder(tmp_path, grid_text()))
    assert (list(root.handlers), root.level) == before


def test_outside_the_grid_or_an_unknown_flavour_is_a_value_error(tmp_path: Path) -> None:
    grid = open_grid(set_folder(tmp_path, grid_text()))
    with pytest.raises(ValueError, match="outside the grid"):
        grid.xfx([1], [0.1, 0.2], [5.0, 50.0])
    with pytest.raises(ValueError, match="no flavour 6"):
        grid.xfx([6], 0.1, 50.0)


def _replace_row(text: str, row: int, new: str) -> str:
    lines = text.splitlines()
    lines[6 + row] = new
    return "\n".join(lines) + "\n"


MALFORMED: dict[str, tuple[Callable[[str], str], str]] = {
    "short row": (lambda t: _replace_row(t, 3, "1.0 2.0"), "row 4 of subgrid 1 has 2 values"),
    "not a number": (
        lambda t: _replace_row(t, 5, " ".join(["1.0"] * 11 + ["1.0x"])),
        "'1.0x' in subgrid 1 is not a number",
    ),
    "missing row": (lambda t: t.replace(t.splitlines()[8] + "\n", ""), "27 rows for 7 x times 4"),
    "no separator": (lambda t: t.replace("---", ""), "no '---' line"),
    "other format": (lambda t: t.replace("lhagrid1", "lhagrid2"), "not lhagrid1"),
    "not increasing": (lambda t: t.replace("1.000000e-02", "1.000000e-05", 1), "do not increase"),
    "repeated, other values": (
        lambda t: _replace_row(t, 0, " ".join(["1.0"] * len(FLAVOURS))),
        "repeated with other values",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_grid_is_an_input_error_naming_the_file(tmp_path: Path, case: str) -> None:
    spoil, message = MALFORMED[case]
    text = broken_text() if case == "repeated, other values" else grid_text()
    folder = set_folder(tmp_path, spoil(text))
    with pytest.raises(InputError, match=message) as error:
        open_grid(folder)
    assert str(folder / "TOY_0000.dat") in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_files_are_input_errors_naming_them(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=f"{tmp_path / 'NONE'}: no such PDF set folder"):
        open_grid(tmp_path / "NONE")
    folder = set_folder(tmp_path, grid_text())
    (folder / "TOY.info").unlink()
    with pytest.raises(InputError, match=f"{folder / 'TOY.info'}: no such file"):
        open_grid(folder)
    (folder / "TOY.info").write_text("Format: lhagrid1\n")
    (folder / "TOY_0000.dat").unlink()
    with pytest.raises(InputError, match=f"{folder / 'TOY_0000.dat'}: no such file"):
        open_grid(folder)


def test_what_parton_refuses_is_an_input_error_naming_the_member(tmp_path: Path) -> None:
    folder = set_folder(tmp_path, grid_text())
    (folder / "TOY.info").write_text("Format: [lhagrid1\n")  # not YAML
    with pytest.raises(InputError, match="parton cannot read it") as error:
        open_grid(folder)
    assert str(folder / "TOY_0000.dat") in str(error.value)
