"""Commands that write figures (plane, validity, integrand) own the folder they write into:
they take its lock and never write over a run's results."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

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


def one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("g2fit: error: ")
    assert needle in lines[0], lines[0]


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


def hold_lock(folder: Path) -> subprocess.Popen[str]:
    """Another process holding the folder's lock, as a running g2fit does."""
    code = (
        "import fcntl, os, time\n"
        f"fd = os.open({str(folder / '.g2fit.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, str(os.getpid()).encode())\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    return child


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
