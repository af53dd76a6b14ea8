"""Commands that write figures (plane, validity, integrand) own the folder they write into:
they take its lock and never write over a run's results."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import hold_lock, one_line_error, run_cli

RESULTS = ["posterior.nc", "summary.csv", "corner.png", "fit.json", "comparison.png"]

#: (arguments with the figure's path as OUT, the result file they would write over)
OVERWRITES = [
    (["plane", "--benchmark", "fig5-left", "--grid", "20", "--out", "OUT/posterior.png"], "nc"),
    (["validity", "--grid", "10", "--out", "OUT/summary.png"], "csv"),
    (["integrand", "--out", "OUT/corner.png"], "png"),
    (["plane", "--benchmark", "fig5-left", "--grid", "20", "--out", "OUT/comparison.png"], "png"),
]


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.name != ".g2fit.lock"
    }


def with_out(args: list[str], folder: Path) -> list[str]:
    return [a.replace("OUT", str(folder)) for a in args]


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A run folder's result files (their content does not matter here)."""
    folder = tmp_path / "run"
    folder.mkdir()
    for name in RESULTS:
        (folder / name).write_text(f"the run's {name}")
    return folder


@pytest.mark.parametrize(("args", "suffix"), OVERWRITES, ids=[a[-1] for a, _ in OVERWRITES])
def test_a_figure_never_overwrites_a_run_s_results(run: Path, args: list[str], suffix: str) -> None:
    before = hashes(run)
    figure = Path(with_out(args, run)[-1])
    result = run_cli(*with_out(args, run), timeout=300)
    one_line_error(result, str(figure.with_suffix(f".{suffix}")))
    assert hashes(run) == before


def test_a_folder_in_use_is_refused_by_the_figure_commands(run: Path) -> None:
    before = hashes(run)
    holder = hold_lock(run)
    try:
        for args in (
            ["plane", "--benchmark", "fig5-left", "--grid", "20", "--out", "OUT/p.png"],
            ["validity", "--grid", "10", "--out", "OUT/v.png"],
            ["integrand", "--out", "OUT/i.png"],
        ):
            result = run_cli(*with_out(args, run), timeout=300)
            one_line_error(result, f"in use by another g2fit run (process {holder.pid})")
    finally:
        holder.kill()
        holder.communicate()
    assert hashes(run) == before
