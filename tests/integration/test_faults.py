"""Every command fed malformed input: exit code 2, one line naming the problem, no traceback,
no partial output, and no existing result modified."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import POINT, copy_shipped, edit_text, run_cli

SMALL_RUN = ["--walkers", "16", "--steps", "500", "--seed", "3", "--no-progress"]


def g2fit(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".g2fit.lock"  # the folder's lock, not a result
    }


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished mcmc run, copied into each case that needs one."""
    folder = tmp_path_factory.mktemp("finished") / "run"
    result = g2fit(["mcmc", "--out", str(folder), *SMALL_RUN], cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


def _copy_run(source: Path) -> Callable[[Path], None]:
    def setup(work: Path) -> None:
        shutil.copytree(source, work / "run")

    return setup


def _truncate(relative: str, keep: float) -> Callable[[Path], None]:
    def edit(work: Path) -> None:
        path = work / relative
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    return edit


def _write(relative: str, text: str) -> Callable[[Path], None]:
    def edit(work: Path) -> None:
        path = work / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    return edit


def _replace_by(relative: str, make: Callable[[Path], object]) -> Callable[[Path], None]:
    def edit(work: Path) -> None:
        path = work / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        make(path)

    return edit


def _data_copy(file: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(work: Path) -> None:
        edit_text(copy_shipped("data", work) / file, old, new)

    return edit


def _likelihoods_copy(file: str, text: str) -> Callable[[Path], None]:
    def edit(work: Path) -> None:
        (copy_shipped("likelihoods", work) / file).write_text(text)

    return edit


# (case, setup steps, arguments, environment, text the one-line error must contain)
CASES: list[tuple[str, list[str], list[str], dict[str, str], str]] = [
    (
        "observables: non-numeric mass",
        [],
        ["observables", *POINT[:1], "heavy", *POINT[2:]],
        {},
        "argument --m-L: not a number",
    ),
    (
        "observables: missing argument",
        [],
        ["observables", "--m-L", "1000"],
        {},
        "the following arguments are required",
    ),
    (
        "fit: unknown scenario",
        [],
        ["fit", "--scenario", "paper", "--out", "out"],
        {},
        "unknown scenario 'paper'; valid:",
    ),
    (
        "fit: constant not a number",
        [],
        ["fit", "--set", "m_W=abc", "--out", "out"],
        {},
        "argument --set: not a number",
    ),
    (
        "fit: output folder cannot be made",
        [],
        ["fit", "--out", "/proc/g2fit-out"],
        {},
        "is not writable",
    ),
    (
        "fit: NaN in a data file",
        ["data-nan"],
        ["fit", "--out", "out"],
        {"G2FIT_DATA": "data"},
        "field 'value': must be finite",
    ),
    (
        "fit: data folder missing",
        [],
        ["fit", "--out", "out"],
        {"G2FIT_DATA": "no-such-data"},
        "G2FIT_DATA=no-such-data: no such folder",
    ),
    (
        "fit: empty data file",
        ["data-empty"],
        ["fit", "--out", "out"],
        {"G2FIT_DATA": "data"},
        "no entry 'delta_amu_paper_2021' in data/",
    ),
    (
        "fit: empty scenario file",
        ["scenario-empty"],
        ["fit", "--out", "out"],
        {"G2FIT_LIKELIHOODS": "likelihoods"},
        "missing field 'description'",
    ),
    (
        "mcmc: walkers not an integer",
        [],
        ["mcmc", "--walkers", "1.5", "--out", "out"],
        {},
        "argument --walkers: not an integer",
    ),
    (
        "mcmc: huge steps",
        [],
        ["mcmc", "--steps", str(10**9), "--out", "out"],
        {},
        "argument --steps: must be at most",
    ),
    (
        "mcmc: chain too large for memory",
        [],
        ["mcmc", "--walkers", "100000", "--steps", "10000", "--out", "out"],
        {},
        "GiB of memory (the chain is kept in memory",
    ),
    ("mcmc: output is a file", ["file-out"], ["mcmc", "--out", "out"], {}, "is not a folder"),
    (
        "mcmc: truncated checkpoint chunk",
        ["run", "truncate-chunk"],
        ["mcmc", "--out", "run", "--steps", "800", *SMALL_RUN[:2], *SMALL_RUN[4:]],
        {},
        "damaged checkpoint chunk",
    ),
    (
        "mcmc: empty checkpoint description",
        ["run", "empty-run-json"],
        ["mcmc", "--out", "run", *SMALL_RUN],
        {},
        "run.json: not valid JSON",
    ),
    (
        "compare: empty posterior file",
        ["run", "empty-posterior"],
        ["compare", "--posterior", "run", "--no-fits"],
        {},
        "not a readable netCDF file",
    ),
    (
        "compare: truncated posterior file",
        ["run", "truncate-posterior"],
        ["compare", "--posterior", "run", "--no-fits"],
        {},
        "not a readable netCDF file",
    ),
    (
        "compare: folder that is not a run",
        ["file-out"],
        ["compare", "--posterior", "."],
        {},
        "no g2fit posterior here",
    ),
    (
        "plane: huge grid",
        [],
        ["plane", "--benchmark", "fig5-left", "--out", "p.png", "--grid", "100000"],
        {},
        "argument --grid: must be at most 2000",
    ),
    (
        "plane: negative grid",
        [],
        ["plane", "--benchmark", "fig5-left", "--out", "p.png", "--grid", "-3"],
        {},
        "argument --grid: must be at least 2",
    ),
    (
        "mcmc: no point with a finite likelihood leaves no checkpoint",
        ["data-huge-value"],
        ["mcmc", "--out", "out2", *SMALL_RUN],
        {"G2FIT_DATA": "data"},
        "prior draws have a finite likelihood",
    ),
    (
        "mcmc: an uncertainty whose square underflows is refused at load",
        ["data-tiny-sigma"],
        ["mcmc", "--out", "out2", *SMALL_RUN],
        {"G2FIT_DATA": "data"},
        "[delta_amu_paper_2021] field 'uncertainty': 1e-300: its square",
    ),
    (
        "fit: scenario without terms",
        ["scenario-no-terms"],
        ["fit", "--out", "out"],
        {"G2FIT_LIKELIHOODS": "likelihoods"},
        "field 'terms': must be a non-empty list",
    ),
    (
        "fit: constant out of range",
        [],
        ["fit", "--set", "v=1e-320", "--out", "out"],
        {},
        "constant v must lie in [1e-10, 1e10]",
    ),
    (
        "observables: mass out of range",
        [],
        ["observables", "--m-L", "1e160", *POINT[2:]],
        {},
        "m_L must lie in [1e-06, 1e+12] GeV",
    ),
    (
        "plane: contours out of order",
        ["plane-contours"],
        ["plane", "--benchmark", "fig5-left", "--out", "p.png"],
        {"G2FIT_LIKELIHOODS": "likelihoods"},
        "field 'contours': must be finite numbers in increasing order",
    ),
    (
        "plane: output is a folder",
        ["folder-png"],
        ["plane", "--benchmark", "fig5-left", "--out", "d.png"],
        {},
        "d.png is a folder",
    ),
    (
        "integrand: output is a folder",
        ["folder-png"],
        ["integrand", "--out", "d.png"],
        {},
        "d.png is a folder",
    ),
    (
        "mcmc: checkpoint is a file",
        ["run", "checkpoint-file"],
        ["mcmc", "--out", "run", *SMALL_RUN],
        {},
        "run/checkpoint: not a folder",
    ),
    (
        "mcmc: a result file is a folder",
        ["run", "corner-folder"],
        ["mcmc", "--out", "run", *SMALL_RUN],
        {},
        "cannot write run/corner.png: it is a folder",
    ),
    (
        "integrand: huge ratio",
        [],
        ["integrand", "--mL-over-mS", "1e300", "--out", "i.png"],
        {},
        "must be at most 1e+06",
    ),
]


@pytest.mark.parametrize(
    ("case", "setup", "args", "env", "needle"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_input(
    tmp_path: Path,
    finished_run: Path,
    case: str,
    setup: list[str],
    args: list[str],
    env: dict[str, str],
    needle: str,
) -> None:
    steps: dict[str, Callable[[Path], None]] = {
        "run": _copy_run(finished_run),
        "truncate-chunk": _truncate("run/checkpoint/chunk-000000250.h5", 0.5),
        "empty-run-json": _write("run/checkpoint/run.json", ""),
        "empty-posterior": _write("run/posterior.nc", ""),
        "truncate-posterior": _truncate("run/posterior.nc", 0.3),
        "file-out": _write("out", "not a folder"),
        "data-nan": _data_copy("g2.toml", "value = 2.51e-9", "value = nan"),
        "data-empty": lambda work: (copy_shipped("data", work) / "g2.toml").write_text(""),
        "scenario-empty": _likelihoods_copy("scenarios/paper-2021.toml", ""),
        "data-tiny-sigma": _data_copy("g2.toml", "uncertainty = 0.59e-9", "uncertainty = 1e-300"),
        # (2.51e-9 - 1e300) / 0.59e-9 overflows: chi^2 is infinite everywhere
        "data-huge-value": _data_copy("g2.toml", "value = 2.51e-9", "value = 1e300"),
        "scenario-no-terms": lambda work: edit_text(
            copy_shipped("likelihoods", work) / "scenarios" / "paper-2021.toml",
            'terms = ["g2-paper-2021", "ew-eq17-W", "ew-eq17-Z", "tau-pdg2020-paper-rule", '
            '"lhc-paper-2021"]',
            "terms = []",
        ),
        "plane-contours": lambda work: edit_text(
            copy_shipped("likelihoods", work) / "planes" / "fig5-left.toml",
            "contours = [-100.0, -30.0, -10.0, -3.0, -1.0]",
            "contours = [-1.0, -3.0]",
        ),
        "folder-png": lambda work: (work / "d.png").mkdir(),
        "checkpoint-file": _replace_by(
            "run/checkpoint", lambda path: path.write_text("not a folder")
        ),
        "corner-folder": _replace_by("run/corner.png", Path.mkdir),
    }
    for step in setup:
        steps[step](tmp_path)
    before = snapshot(tmp_path)
    result = g2fit(args, cwd=tmp_path, env=env)
    assert result.returncode == 2, f"{case}: exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"{case}: {result.stderr}"
    assert lines[0].startswith("g2fit: error: ")
    assert needle in lines[0], lines[0]
    assert snapshot(tmp_path) == before, f"{case}: files were written or changed"
