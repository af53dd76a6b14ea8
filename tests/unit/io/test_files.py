"""Sets of files written all or nothing, also when the writer is killed among the renames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from g2fit.io.files import complete_interrupted_writes, owned_folder, write_files

#: A writer that replaces a set of three files and is killed (SIGKILL) after the first rename.
KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
import g2fit.io.files as files

folder = Path(sys.argv[1])
real_replace = os.replace
def replace_then_die(source, target):
    real_replace(source, target)
    if not str(target).endswith(".json"):  # the journal is in place; now the first file
        os.kill(os.getpid(), signal.SIGKILL)
files.os.replace = replace_then_die
files.write_files([(folder / name, "new") for name in ("a.csv", "b.png", "c.nc")])
"""


def write_old_set(folder: Path) -> None:
    for name in ("a.csv", "b.png", "c.nc"):
        (folder / name).write_text("old")


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def test_a_set_killed_among_its_renames_is_completed_by_the_next_process(tmp_path: Path) -> None:
    write_old_set(tmp_path)
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], check=False)
    assert killed.returncode == -9
    assert contents(tmp_path) == {"a.csv": "new", "b.png": "old", "c.nc": "old"}  # a mix
    assert len(list(tmp_path.glob(".g2fit-renames.*.json"))) == 1
    with owned_folder(tmp_path):  # any g2fit command that uses the folder
        pass
    assert contents(tmp_path) == {"a.csv": "new", "b.png": "new", "c.nc": "new"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".g2fit-renames")] == []
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_live_writer_s_journal_is_left_alone(tmp_path: Path) -> None:
    journal = tmp_path / ".g2fit-renames.1.json"  # pid 1 always runs
    journal.write_text('{"renames": [[".a.csv.1.x.tmp", "a.csv"]]}')
    (tmp_path / ".a.csv.1.x.tmp").write_text("new")
    assert complete_interrupted_writes(tmp_path) == []
    assert journal.exists()
    assert not (tmp_path / "a.csv").exists()


def test_an_interrupt_among_the_renames_still_completes_the_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import g2fit.io.files as files

    write_old_set(tmp_path)
    real_replace = files.os.replace
    calls = []

    def replace_then_interrupt(source: Path, target: Path) -> None:
        real_replace(source, target)
        calls.append(target)
        if len(calls) == 2:  # the journal, then the first file
            raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_files([(tmp_path / name, "new") for name in ("a.csv", "b.png", "c.nc")])
    assert contents(tmp_path) == {"a.csv": "new", "b.png": "new", "c.nc": "new"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
