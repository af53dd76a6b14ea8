"""Helpers shared by the tests: running the CLI, copying and editing the shipped folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from g2fit.config.toml_entry import shipped_folder

#: The model point of the README's `g2fit observables` example, as CLI arguments.
POINT = [
    "--m-L",
    "1000",
    "--m-S",
    "800",
    "--Y-L",
    "0.5",
    "--Y-R",
    "0.5",
    "--Y-V",
    "1",
    "--Y-Vp",
    "0",
]


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`python -m g2fit ARGS` in a subprocess, as a user runs it; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "g2fit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def copy_shipped(name: str, destination: Path) -> Path:
    """A copy of the shipped folder `name` (data or likelihoods) at destination/name."""
    folder = destination / name
    shutil.copytree(shipped_folder(name), folder)
    return folder


def reseal(chunk: Path) -> None:
    """Seal a checkpoint chunk edited by a test again, as if g2fit had written it so."""
    from g2fit.io.checkpoint import seal

    chunk.write_bytes(seal(chunk.read_bytes()))


def edit_text(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file by `new`; `old` must be there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> str:
    """The single stderr line of a refused command (exit code 2), which must hold `needle`."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("g2fit: error: ")
    assert needle in lines[0], lines[0]
    return lines[0]


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
