"""Sets of files written all or nothing, also when the writer is killed among the renames."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from g2fit.errors import InputError, OutputError
from g2fit.io.files import (
    complete_interrupted_writes,
    owned_folder,
    read_json_object,
    write_files,
)

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


def dead_pid() -> int:
    """The process id of a process that has ended."""
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


def killed_writer(folder: Path) -> None:
    """A writer of a set of three files killed (SIGKILL) after its first rename."""
    write_old_set(folder)
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(folder)], check=False)
    assert killed.returncode == -9


@pytest.mark.parametrize("target", ["../victim.txt", "/ABSOLUTE", "sub/victim.txt", ".", ""])
def test_a_journal_naming_files_outside_its_folder_moves_nothing(
    tmp_path: Path, target: str
) -> None:
    from g2fit.io.posterior import load_posterior

    run, victim = tmp_path / "run", tmp_path / "victim.txt"
    (run / "sub").mkdir(parents=True)
    victim.write_text("precious")
    (run / "sub" / "victim.txt").write_text("precious")
    absolute = tmp_path / "absolute.txt"
    absolute.write_text("precious")
    target = target.replace("/ABSOLUTE", str(absolute))
    (run / ".x.tmp").write_text("planted")
    journal = run / f".g2fit-renames.{dead_pid()}.json"
    journal.write_text(json.dumps({"renames": [[".x.tmp", target]]}))
    with pytest.raises(InputError, match=f"{journal}: damaged rename journal"):
        load_posterior(run)
    assert [victim.read_text(), absolute.read_text()] == ["precious", "precious"]
    assert (run / "sub" / "victim.txt").read_text() == "precious"
    assert (run / ".x.tmp").read_text() == "planted"
    assert journal.exists()  # kept for the user to look at


@pytest.mark.parametrize(
    "document", ["[", "null", '{"renames": [["a"]]}', '{"renames": [[".a.x.tmp", 3]]}']
)
def test_a_damaged_journal_is_one_error_naming_it(tmp_path: Path, document: str) -> None:
    journal = tmp_path / f".g2fit-renames.{dead_pid()}.json"
    journal.write_text(document)
    with pytest.raises(InputError, match=f"{journal}: damaged rename journal"):
        complete_interrupted_writes(tmp_path)


def test_a_deeply_nested_journal_is_one_error_naming_it(tmp_path: Path) -> None:
    journal = tmp_path / f".g2fit-renames.{dead_pid()}.json"
    journal.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=f"{journal}: damaged rename journal"):
        complete_interrupted_writes(tmp_path)


def test_deeply_nested_json_is_one_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fit.json"
    path.write_text('{"inputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InputError, match=f"{path}: not valid JSON"):
        read_json_object(path)


def test_a_folder_among_the_targets_is_refused_before_any_rename(tmp_path: Path) -> None:
    write_old_set(tmp_path)
    (tmp_path / "b.png").unlink()
    (tmp_path / "b.png").mkdir()
    with pytest.raises(OutputError, match=f"cannot write {tmp_path / 'b.png'}: it is a folder"):
        write_files([(tmp_path / name, "new") for name in ("a.csv", "b.png", "c.nc")])
    assert [(tmp_path / name).read_text() for name in ("a.csv", "c.nc")] == ["old", "old"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failed_rename_names_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import g2fit.io.files as files

    write_old_set(tmp_path)
    real_replace = files.os.replace

    def replace_but_b(source: Path, target: Path) -> None:
        if Path(target).name == "b.png":
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", replace_but_b)
    with pytest.raises(OutputError, match=f"cannot write {tmp_path / 'b.png'}: Permission"):
        write_files([(tmp_path / name, "new") for name in ("a.csv", "b.png", "c.nc")])


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_a_planted_lock_link_harms_no_other_file(tmp_path: Path, link: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious data\n")
    folder = tmp_path / "run"
    folder.mkdir()
    if link == "symbolic":
        (folder / ".g2fit.lock").symlink_to(victim)
    else:
        os.link(victim, folder / ".g2fit.lock")
    refused = pytest.raises(InputError, match=f"{folder / '.g2fit.lock'}: not a g2fit lock file")
    with refused, owned_folder(folder):
        pass
    assert victim.read_text() == "precious data\n"


def test_the_lock_records_its_holder_without_truncating(tmp_path: Path) -> None:
    (tmp_path / ".g2fit.lock").write_text("4194303\n")  # an earlier holder's, longer
    with owned_folder(tmp_path):
        assert (tmp_path / ".g2fit.lock").read_text().split() == [str(os.getpid())]


def test_only_g2fit_s_own_temporaries_are_removed(tmp_path: Path) -> None:
    pid = dead_pid()
    users = [tmp_path / f".notes.{pid}.tmp", tmp_path / f".data.csv.{pid}.k2j3h_x.tmp"]
    for path in users:
        path.write_text("the user's")
    killed_writer(tmp_path)
    made = [p for p in tmp_path.glob(".*.tmp") if p not in users]
    assert made  # the killed writer's temporaries
    with owned_folder(tmp_path):
        pass
    assert [p.read_text() for p in users] == ["the user's", "the user's"]
    assert not [p for p in made if p.exists()]
    assert contents(tmp_path) == {"a.csv": "new", "b.png": "new", "c.nc": "new"}


def test_a_journal_whose_pid_was_reused_is_completed(tmp_path: Path) -> None:
    killed_writer(tmp_path)
    (journal,) = tmp_path.glob(".g2fit-renames.*.json")
    dead = journal.name.split(".")[2].split("-")[0]
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a live process now has the writer's process id
        journal.rename(tmp_path / journal.name.replace(f"renames.{dead}", f"renames.{other.pid}"))
        with owned_folder(tmp_path):
            pass
        assert contents(tmp_path) == {"a.csv": "new", "b.png": "new", "c.nc": "new"}
        assert not list(tmp_path.glob(".g2fit-renames.*"))
    finally:
        other.kill()
        other.wait()
