"""`compare --grid` end to end on a small grid over paper-2021 (short chains): the members'
runs and scenarios, the files, a rerun that skips finished runs, a failing member reported
while the others finish, a second grid refused, a killed worker's member resumed from its
checkpoint, and the report of the grid in a real browser."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from helpers import load_in_browser, one_line_error, run_cli

from g2fit.io.posterior import load_posterior, run_attrs

#: Two members, each a short chain of paper-2021 (~2 s) and its fit.
GRID = """
description = "test grid: the paper's Delta a_mu or today's, short chains"
base = "paper-2021"

[axes.g2]
slot = "term"
description = "Delta a_mu"
choices = { paper = "g2-paper-2021", wp2020 = "g2-wa2025-wp2020" }

[axes.chain]
slot = "settings"
choices = { short = { mcmc_steps = STEPS, mcmc_walkers = 32 } }
"""
KEYS = ("g2=paper,chain=short", "g2=wp2020,chain=short")


def _likelihoods(root: Path, likelihoods: Path, steps: int = 600, name: str = "small") -> dict:
    (likelihoods / "grids" / f"{name}.toml").write_text(GRID.replace("STEPS", str(steps)))
    return {"G2FIT_LIKELIHOODS": str(likelihoods)}


@pytest.fixture(scope="module")
def grid_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict, subprocess.CompletedProcess[str]]:  # type: ignore[type-arg]
    from helpers import copy_shipped

    root = tmp_path_factory.mktemp("grid")
    env = _likelihoods(root, copy_shipped("likelihoods", root))
    out = root / "out"
    result = run_cli(
        "compare", "--grid", "small", "--out", str(out), "--no-nested", "--workers", "2", env=env
    )
    return out, env, result


def test_grid_runs_every_member_with_its_choices(grid_run) -> None:  # type: ignore[no-untyped-def]
    out, _, result = grid_run
    assert result.returncode == 0, result.stderr
    for key in KEYS:
        attrs = run_attrs(out / key)
        assert attrs["scenario"] == f"small[{key}]"
        assert (attrs["walkers"], attrs["steps"]) == (32, 600)
        terms = [m for m in attrs["measurements"]]
        expected = "g2-paper-2021" if "paper" in key else "g2-wa2025-wp2020"
        paper = tomllib.loads(
            (Path(__file__).parents[3] / "likelihoods/scenarios/paper-2021.toml").read_text()
        )["terms"]
        assert terms == [expected if t.startswith("g2-") else t for t in paper]
        assert (out / key / "fit.json").is_file()
    names = {"comparison.json", "comparison.md", "grid.json"}
    names |= {f"robustness.{kind}" for kind in ("json", "csv", "md", "png")}
    assert names <= {p.name for p in out.iterdir()}
    document = json.loads((out / "comparison.json").read_text())
    assert list(document["scenarios"]) == list(KEYS)
    assert document["failures"] == {}


def test_robustness_summary_reads_the_members_results(grid_run) -> None:  # type: ignore[no-untyped-def]
    out, _, result = grid_run
    summary = json.loads((out / "robustness.json").read_text())
    comparison = json.loads((out / "comparison.json").read_text())["scenarios"]
    delta = {k: r["chi2_sm"] - r["chi2_min"] for k, r in comparison.items()}
    quantity = summary["quantities"]["chi2_SM - chi2_min"]
    assert quantity["min"] == pytest.approx(min(delta.values()))
    assert quantity["max"] == pytest.approx(max(delta.values()))
    assert quantity["moved_most_by"] == "g2"  # the only axis with two choices
    # the paper's anomaly is absorbed entirely (README: chi2_SM - chi2_min = 18.1 in the
    # full run); 9 is far below, so the short chain's fit cannot flip this verdict.
    chi2 = next(c for c in summary["conclusions"] if c["quantity"] == "chi2_SM - chi2_min")
    assert chi2["holds_in"] >= 1
    assert "holds for every choice" in (out / "robustness.md").read_text() or chi2["decided_by"]
    assert "robustness" in result.stdout


def test_a_rerun_skips_finished_runs(grid_run) -> None:  # type: ignore[no-untyped-def]
    out, env, _ = grid_run
    before = {key: (out / key / "posterior.nc").stat().st_mtime_ns for key in KEYS}
    result = run_cli(
        "compare", "--grid", "small", "--out", str(out), "--no-nested", "--workers", "1", env=env
    )
    assert result.returncode == 0, result.stderr
    assert {key: (out / key / "posterior.nc").stat().st_mtime_ns for key in KEYS} == before


def test_a_second_grid_into_the_folder_is_refused(grid_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, env, _ = grid_run
    likelihoods = Path(env["G2FIT_LIKELIHOODS"])
    _likelihoods(tmp_path, likelihoods, name="other")
    result = run_cli("compare", "--grid", "other", "--out", str(out), "--no-nested", env=env)
    one_line_error(result, "holds the runs of grid 'small'")


def test_a_failing_member_is_reported_and_the_others_finish(tmp_path: Path) -> None:
    from helpers import copy_shipped

    env = _likelihoods(tmp_path, copy_shipped("likelihoods", tmp_path), steps=300)
    out = tmp_path / "out"
    out.mkdir()
    (out / "grid.json").write_text(json.dumps({"grid": "small", "base": "paper-2021"}))
    (out / KEYS[0]).write_text("not a folder")  # the member's run folder is a file
    result = run_cli("compare", "--grid", "small", "--out", str(out), "--no-nested", env=env)
    assert result.returncode == 1, result.stderr
    assert f"member {KEYS[0]} failed" in result.stderr
    assert (out / KEYS[1] / "posterior.nc").is_file()
    document = json.loads((out / "comparison.json").read_text())
    assert list(document["scenarios"]) == [KEYS[1]]
    assert KEYS[0] in document["failures"]


def _workers(driver: int) -> list[int]:
    import psutil

    children = psutil.Process(driver).children(recursive=True)
    return [c.pid for c in children if "spawn_main" in " ".join(c.cmdline())]


def test_a_killed_worker_s_member_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    """kill -9 of the worker mid-chain: dask reruns the member on a new worker, which
    continues from the chunks already written (kept as they were), to the samples an
    uninterrupted run of the same member gives."""
    from helpers import copy_shipped

    env = _likelihoods(tmp_path, copy_shipped("likelihoods", tmp_path), steps=2000)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "g2fit", "compare", "--grid", "small", "--out", str(out)]
    command += ["--no-nested", "--workers", "1"]
    driver = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    checkpoint = out / KEYS[0] / "checkpoint"
    deadline = time.monotonic() + 300
    while not list(checkpoint.glob("chunk-*.h5")):
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first = sorted(checkpoint.glob("chunk-*.h5"))[0]
    kept = (first.name, first.stat().st_ino, first.stat().st_mtime_ns)
    victims = _workers(driver.pid)
    assert len(victims) == 1
    os.kill(victims[0], signal.SIGKILL)
    _, stderr = driver.communicate(timeout=600)
    assert driver.returncode == 0, stderr.decode()
    assert (first.name, first.stat().st_ino, first.stat().st_mtime_ns) == kept
    assert len(list(checkpoint.glob("chunk-*.h5"))) == 2000 // 250
    # the same member, uninterrupted
    again = tmp_path / "uninterrupted"
    result = run_cli("compare", "--grid", "small", "--out", str(again), "--no-nested", env=env)
    assert result.returncode == 0, result.stderr
    resumed, whole = load_posterior(out / KEYS[0]), load_posterior(again / KEYS[0])
    np.testing.assert_allclose(resumed["m_L"].to_numpy(), whole["m_L"].to_numpy(), rtol=1e-12)


def test_the_grid_report_opens_in_a_browser(grid_run, tmp_path: Path, browser: str) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = grid_run
    result = run_cli("report", str(out))
    assert result.returncode == 0, result.stderr
    seen = load_in_browser(out / "report.html", tmp_path, browser)
    assert seen["errors"] == []
    images = seen["images"]
    assert isinstance(images, list)
    assert len(images) >= 1
    assert all(i["complete"] and i["width"] > 100 for i in images)
    assert seen["tables"] >= 3
