"""Runs that cannot lie: one run per folder, results never mixed or overwritten, damage
detected, interrupts and full disks answered with one line and nothing lost."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers import POINT, hold_lock, one_line_error, reseal, run_cli

import g2fit
from g2fit.errors import InputError

SMALL = ["--walkers", "16", "--steps", "500", "--seed", "3", "--no-progress"]


def g2fit_cli(
    *args: str, cwd: Path | None = None, limit_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, optionally with a file size limit (`ulimit -f`): a write
    past it fails with EFBIG, as a full disk fails with ENOSPC."""
    preexec: Callable[[], None] | None = None
    if limit_bytes is not None:

        def preexec() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "g2fit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        preexec_fn=preexec,
    )


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".g2fit.lock"
    }


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp")]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished (and not converged) paper-2021 run."""
    folder = tmp_path_factory.mktemp("finished") / "run"
    result = g2fit_cli("mcmc", "--out", str(folder), *SMALL)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def run(finished: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(finished, folder)
    return folder


def test_a_folder_in_use_is_refused_by_every_writer(run: Path) -> None:
    before = hashes(run)
    holder = hold_lock(run)
    try:
        for args in (
            ["mcmc", "--out", str(run), *SMALL],
            ["mcmc", "--scenario", "current", "--out", str(run), "--no-progress"],
            ["fit", "--out", str(run), "--profile-points", "3", "--profile-2d-points", "2"],
            ["compare", "--posterior", str(run), "--no-fits"],
        ):
            one_line_error(g2fit_cli(*args), f"in use by another g2fit run (process {holder.pid})")
    finally:
        holder.kill()
        holder.communicate()
    assert hashes(run) == before
    # The lock goes with its process, however it ended: the same run now resumes.
    resumed = g2fit_cli("mcmc", "--out", str(run), *SMALL)
    assert resumed.returncode == 0, resumed.stderr


def test_two_concurrent_runs_never_mix(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    command = [sys.executable, "-m", "g2fit", "mcmc", "--out", str(folder)]
    # Long enough (~40 s here) to be running whatever the machine's speed when the second
    # command, which takes a few seconds to start, asks for the folder; stopped afterwards.
    first = subprocess.Popen(
        [*command, "--walkers", "32", "--steps", "20000", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (folder / "checkpoint" / "run.json").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    second = g2fit_cli(
        "mcmc", "--scenario", "current", "--out", str(folder), "--walkers", "32", "--no-progress"
    )
    still_running = first.poll() is None
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=300)
    assert still_running, "the first run ended before the second asked for the folder"
    assert first.returncode == 130, stderr
    one_line_error(second, "in use by another g2fit run")
    # Afterwards the other scenario is refused for what the folder holds, not resumed.
    again = g2fit_cli(
        "mcmc", "--scenario", "current", "--out", str(folder), "--walkers", "32", "--no-progress"
    )
    one_line_error(again, "holds a run with a different scenario ('paper-2021', not 'current')")
    run_file = json.loads((folder / "checkpoint" / "run.json").read_text())
    assert run_file["fingerprint"]["scenario"] == "paper-2021"


def test_another_seed_is_refused_with_or_without_the_checkpoint(run: Path) -> None:
    before = hashes(run)
    other_seed = ["mcmc", "--out", str(run), *SMALL[:4], "--seed", "4", "--no-progress"]
    one_line_error(g2fit_cli(*other_seed), "holds the posterior of another run (seed 3, not 4)")
    shutil.rmtree(run / "checkpoint")  # a natural clean-up
    before = hashes(run)
    one_line_error(g2fit_cli(*other_seed), "holds the posterior of another run (seed 3, not 4)")
    other_scenario = ["mcmc", "--scenario", "current", "--out", str(run), "--no-progress"]
    one_line_error(g2fit_cli(*other_scenario), "holds a posterior of scenario 'paper-2021'")
    fit = ["fit", "--scenario", "current", "--out", str(run)]
    one_line_error(g2fit_cli(*fit), "holds a posterior of scenario 'paper-2021'")
    assert hashes(run) == before


def _dataset_offset(path: Path, name: str) -> int:
    with h5py.File(path, "r") as handle:
        offset = handle[name].id.get_offset()
    assert offset is not None, f"{name} is chunked"
    return int(offset)


def _chunk_data_offset(path: Path, name: str) -> int:
    with h5py.File(path, "r") as handle:
        info = handle[name].id.get_chunk_info(0)
    return int(info.byte_offset)


def resume_is_refused(run: Path, needle: str) -> None:
    """Extending the run is one line naming the problem, and leaves every file as it was."""
    before = hashes(run)
    one_line_error(
        g2fit_cli("mcmc", "--out", str(run), *SMALL[:2], "--steps", "750", *SMALL[4:]),
        needle,
    )
    assert hashes(run) == before


def test_damaged_checkpoint_chunk_is_refused(run: Path) -> None:
    chunk = run / "checkpoint" / "chunk-000000250.h5"
    data = bytearray(chunk.read_bytes())
    start = _chunk_data_offset(chunk, "positions") + 800
    data[start : start + 8] = bytes(8)
    chunk.write_bytes(bytes(data))
    resume_is_refused(run, "damaged checkpoint chunk")


def test_checkpoint_outside_the_prior_is_refused(run: Path) -> None:
    # Consistent checksums, impossible content: a walker at m_L = 1 GeV (log10 = 0).
    chunk = run / "checkpoint" / "chunk-000000250.h5"
    with h5py.File(chunk, "r+") as handle:
        positions = handle["positions"][...]
        positions[5, 3, 0] = 0.0
        handle["positions"][...] = positions
    reseal(chunk)
    resume_is_refused(run, "positions outside the prior")


def test_damaged_posterior_is_one_line_everywhere(run: Path) -> None:
    path = run / "posterior.nc"
    data = bytearray(path.read_bytes())
    start = _chunk_data_offset(path, "posterior/m_L") + 100
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    one_line_error(g2fit_cli("compare", "--posterior", str(run), "--no-fits"), str(path))
    with pytest.raises(InputError, match="not a readable netCDF file"):
        g2fit.load_posterior(run)


@pytest.mark.parametrize(
    "content", ["null", "[]", '{"fingerprint": NaN}', '{"fingerprint": null}', "{"]
)
def test_run_json_of_the_wrong_shape_is_one_line(run: Path, content: str) -> None:
    (run / "checkpoint" / "run.json").write_text(content)
    before = hashes(run)
    one_line_error(g2fit_cli("mcmc", "--out", str(run), *SMALL), "run.json")
    assert hashes(run) == before


@pytest.mark.parametrize(
    "content",
    [
        "null",
        "[1, 2]",
        '{"scenario": "paper-2021", "best_fit": NaN}',
        '{"scenario": 3}',
        '{"scenario": "paper-2021", "inputs": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["null", "list", "nan", "number", "deeply-nested"],
)
def test_fit_json_of_the_wrong_shape_is_refused_before_sampling(run: Path, content: str) -> None:
    (run / "fit.json").write_text(content)
    before = hashes(run)
    one_line_error(g2fit_cli("mcmc", "--out", str(run), *SMALL), "fit.json")
    assert hashes(run) == before


def test_full_disk_while_checkpointing_loses_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    result = g2fit_cli("mcmc", "--out", str(folder), *SMALL, limit_bytes=50_000)
    one_line_error(result, "cannot write")
    assert "chunk-000000000.h5" in result.stderr
    assert not list((folder / "checkpoint").glob("chunk-*"))
    assert not temporaries(folder)


def test_full_disk_in_the_final_phase_keeps_the_previous_results(run: Path) -> None:
    before = hashes(run)
    sizes = {p.name: p.stat().st_size for p in run.iterdir() if p.is_file()}
    # Room for the summary, none for the figure or the posterior: nothing may be replaced.
    limit = sizes["summary.csv"] + 1000
    assert limit < min(sizes["corner.png"], sizes["posterior.nc"])
    result = g2fit_cli("mcmc", "--out", str(run), *SMALL, limit_bytes=limit)
    one_line_error(result, "cannot write")
    assert hashes(run) == before
    assert not temporaries(run)


def test_sigint_while_sampling_checkpoints_and_resumes_exactly(tmp_path: Path) -> None:
    interrupted, clean = tmp_path / "interrupted", tmp_path / "clean"
    args = ["--walkers", "32", "--steps", "2000", "--seed", "5", "--no-progress"]
    process = subprocess.Popen(
        [sys.executable, "-m", "g2fit", "mcmc", "--out", str(interrupted), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_chunk = interrupted / "checkpoint" / "chunk-000000000.h5"
    deadline = time.monotonic() + 120
    while not first_chunk.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.splitlines() == [
        f"g2fit: interrupted; the checkpoint in {interrupted / 'checkpoint'} is kept: "
        "run the same command again to resume"
    ]
    assert not (interrupted / "posterior.nc").exists()
    resumed = g2fit_cli("mcmc", "--out", str(interrupted), *args)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from step" in resumed.stdout
    assert g2fit_cli("mcmc", "--out", str(clean), *args).returncode == 0
    a, b = g2fit.load_posterior(interrupted), g2fit.load_posterior(clean)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_sigint_during_a_fit_is_one_line(tmp_path: Path) -> None:
    # SIG_DFL in the child: a worker that ignores SIGINT would pass SIG_IGN on, and Python keeps
    # an inherited SIG_IGN (a CI run once saw the fit finish with code 0 through the signal)
    process = subprocess.Popen(
        [sys.executable, "-m", "g2fit", "fit", "--out", str(tmp_path / "fit")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(4.0)  # imports done, minimizing
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.splitlines() == [
        "g2fit: interrupted; finished files are kept, none is half-written"
    ]
    assert not (tmp_path / "fit" / "fit.json").exists()


def test_stale_temporaries_of_dead_processes_are_removed(run: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(dead.stdout)
    stale = [
        run / f".posterior.nc.g2fit-{dead_pid}.k2j3h_x.tmp",
        run / f".summary.csv.g2fit-{dead_pid}-12345.k2j3h_x.tmp",
        run / "checkpoint" / f".chunk-000000500.h5.g2fit-{dead_pid}.abc.tmp",
    ]
    live = run / f".corner.png.g2fit-{os.getpid()}.abc.tmp"
    users = [run / f".notes.{dead_pid}.tmp", run / f".summary.csv.{dead_pid}.k2j3h_x.tmp"]
    for path in [*stale, live, *users]:
        path.write_bytes(b"partial")
    result = g2fit_cli("mcmc", "--out", str(run), *SMALL)
    assert result.returncode == 0, result.stderr
    assert not any(p.exists() for p in stale)
    assert live.exists()  # a live process's temporary is not touched
    assert all(p.exists() for p in users)  # nor a user's file named like a temporary


def test_results_are_readable_like_other_files(run: Path, tmp_path: Path) -> None:
    fit = tmp_path / "fit"
    result = g2fit_cli(
        "fit", "--out", str(fit), "--profile-points", "3", "--profile-2d-points", "2"
    )
    assert result.returncode == 0, result.stderr
    umask = os.umask(0)
    os.umask(umask)
    expected = 0o666 & ~umask
    for path in [
        run / "posterior.nc",
        run / "summary.csv",
        run / "corner.png",
        run / "checkpoint" / "run.json",
        run / "checkpoint" / "chunk-000000000.h5",
        fit / "fit.json",
    ]:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_an_unconverged_posterior_is_flagged(run: Path) -> None:
    attrs = json.loads(h5py.File(run / "posterior.nc", "r")["posterior"].attrs["convergence"])
    assert attrs["converged"] is False
    assert attrs["warnings"]
    result = g2fit_cli("compare", "--posterior", str(run), "--no-fits", "--futures", "ilc")
    assert result.returncode == 0, result.stderr
    assert "NOT CONVERGED" in result.stdout
    assert result.stderr.startswith(f"g2fit: warning: the posterior in {run} is not converged")
    document = json.loads((run / "exclusion.json").read_text())
    assert document["convergence"]["converged"] is False


def test_every_help_works_and_teaches() -> None:
    main = run_cli("--help")
    assert main.returncode == 0, main.stderr
    commands = ["observables", "fit", "mcmc", "plane", "integrand", "compare"]
    for name in commands:
        assert name in main.stdout
    for name in commands:
        result = run_cli(name, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage: g2fit" in result.stdout
        assert len(result.stdout.splitlines()) > 8
    mcmc = " ".join(run_cli("mcmc", "--help").stdout.split()).replace("- ", "-")
    for text in (
        "resume",
        "checkpoint",
        "results/SCENARIO+FUTURE",
        "paper-2021",
        "lepton-colliders",
    ):
        assert text in mcmc


def test_output_pipe_closed_early_is_quiet() -> None:
    result = subprocess.run(
        f"{sys.executable} -m g2fit observables {' '.join(POINT)} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.startswith("observable")
    assert result.stderr == ""


def test_json_output_is_json_even_when_a_value_overflows() -> None:
    huge = ["--m-L", "1000", "--m-S", "800", "--Y-L", "1e300", "--Y-R", "1e300"]
    result = run_cli("observables", *huge, "--Y-V", "1e300", "--Y-Vp", "0", "--json")
    assert result.returncode == 0, result.stderr

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")

    document = json.loads(result.stdout, parse_constant=refuse)
    assert document["observables"]["delta_amu"] is None
    assert "delta_amu" in document["non_finite"]
    assert result.stderr.startswith("g2fit: warning: ")


def test_empty_output_path_is_refused(tmp_path: Path) -> None:
    for args in (["mcmc", "--out", ""], ["fit", "--out", ""], ["integrand", "--out", ""]):
        one_line_error(g2fit_cli(*args, cwd=tmp_path), "argument --out: must not be empty")
    assert list(tmp_path.iterdir()) == []


def test_memory_is_bounded_and_the_refusal_says_why(tmp_path: Path) -> None:
    result = g2fit_cli(
        "mcmc", "--walkers", "100000", "--steps", "10000", "--out", "o", cwd=tmp_path
    )
    one_line_error(result, "GiB of memory (the chain is kept in memory")
    assert not (tmp_path / "o").exists()  # refused before anything is written
    # 20000 walkers took 4.1 GB through emcee's all-pairs DE move; now the run is linear.
    args = ["mcmc", "--walkers", "20000", "--steps", "3", "--burn", "0", "--thin", "1"]
    code = (
        "import resource, sys\n"
        "from g2fit.cli import main\n"
        f"code = main({[*args, '--out', 'big', '--no-progress']!r})\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "sys.exit(code)\n"
    )
    big = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert big.returncode == 0, big.stderr
    peak_kib = int(big.stdout.splitlines()[-1])
    assert peak_kib < 1.5 * 2**20, f"peak {peak_kib / 2**20:.2f} GiB"
