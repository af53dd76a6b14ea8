"""Output folders, their locks, and atomic writes.

Every result file is written whole to a temporary name beside its target and renamed into
place, so a crash, a kill or a full disk never leaves a half-written result and never harms
the previous one. A set of files (a run's posterior, summary and corner plot) is written
all or nothing: the temporaries first, then a journal listing the renames, then the renames;
a process killed among the renames leaves the journal, and the next g2fit process to use the
folder completes them (`tidy`), so the folder holds the old set or the new one, never a mix.
A run folder is owned by one g2fit process at a time (an OS lock that the kernel releases
however the process ends). Temporaries and journals carry a g2fit marker and their writer's
process id and start time, so that those of dead processes can be told from a live writer's
(also when a new process got the id) and from the user's own files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from g2fit.errors import InputError, OutputError

LOCK_FILE = ".g2fit.lock"
#: The results of `fit` and `mcmc` in a run folder.
FIT_FILE = "fit.json"
POSTERIOR_FILE = "posterior.nc"
#: The results of a run folder (mcmc, fit, compare): the figure commands never write these.
RESULT_FILES = frozenset(
    {
        POSTERIOR_FILE,
        f".{POSTERIOR_FILE}.sha256",
        "summary.csv",
        "corner.png",
        FIT_FILE,
        "exclusion.json",
        "exclusion.csv",
        "comparison.json",
        "comparison.md",
        "comparison.png",
    }
)
#: A writer: its process id and, where /proc tells it, its start time (PID-START).
_WRITER = r"(?P<pid>\d+)(?:-(?P<start>\d+))?"
#: .NAME.g2fit-WRITER.TOKEN.tmp: a temporary of write_atomic or write_files.
_TEMPORARY = re.compile(rf"^\..+\.g2fit-{_WRITER}\.\w+\.tmp$")
#: .g2fit-renames.WRITER.json: the renames of a set of files that WRITER is putting in place.
_JOURNAL = re.compile(rf"^\.g2fit-renames\.{_WRITER}\.json$")
#: A lock file holds its holder's process id, padded to this many bytes.
_LOCK_RECORD = 32
#: Folders whose lock this process holds, with the lock file's descriptor and nesting depth.
_held: dict[Path, list[int]] = {}


def prepare_output_folder(folder: Path) -> Path:
    """Create `folder` if needed and check it is writable, before any computation."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"output folder {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".g2fit-write-test-"):
            pass
    except OSError as error:
        raise InputError(f"output folder {folder} is not writable ({error.strerror})") from None
    tidy(folder)
    return folder


def check_png_target(out: Path, beside: tuple[str, ...] = ()) -> tuple[Path, ...]:
    """The files written beside the figure OUT, OUT with each suffix of `beside`. OUT must
    name a .png file, and none of them may be a folder or bear the name of a run's result
    (RESULT_FILES)."""
    if out.suffix != ".png":  # also where OUT has no name ("/", "."), which has no suffix
        raise InputError(f"argument --out: must name a .png file, got {str(out)!r}")
    also = tuple(out.with_suffix(suffix) for suffix in beside)
    for path in (out, *also):
        if path.name in RESULT_FILES:
            raise InputError(
                f"argument --out: {path} is the name of a run's result file, which this "
                "command never writes; choose another name"
            )
        if path.is_dir():
            raise InputError(
                f"argument --out: {path} is a folder; the output needs a file name there"
            )
    return also


def _lock_holder(descriptor: int) -> str:
    try:
        text = os.pread(descriptor, _LOCK_RECORD, 0).decode(errors="replace").strip()
    except OSError:
        return "another process"
    return f"process {text}" if text.isdigit() else "another process"


def _open_lock(folder: Path) -> int:
    """FOLDER/.g2fit.lock opened (created if missing) without following a link; refused
    unless it is a regular file holding nothing or a process id (a link planted there must
    not lead g2fit to write into another file)."""
    path = folder / LOCK_FILE
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _not_a_lock(path, "a symbolic link") from None
        raise InputError(f"{folder}: cannot create its lock file ({error.strerror})") from None
    regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
    text = os.pread(descriptor, _LOCK_RECORD + 1, 0) if regular else b""
    if not regular or len(text) > _LOCK_RECORD or not _is_pid(text):
        os.close(descriptor)
        raise _not_a_lock(path, "it holds other data" if regular else "not a regular file")
    return descriptor


def _not_a_lock(path: Path, what: str) -> InputError:
    return InputError(f"{path}: not a g2fit lock file ({what}); remove it")


def _is_pid(text: bytes) -> bool:
    """Nothing but digits and blanks (a holder may be writing its id as this is read)."""
    return not text.translate(None, b"0123456789 \n")


@contextlib.contextmanager
def owned_folder(folder: Path) -> Iterator[Path]:
    """Hold FOLDER/.g2fit.lock for the block: one g2fit process writes into a folder at a
    time. A second process is refused at once, naming the holder. Re-entrant within a process.
    Stale temporaries of dead processes in the folder are removed once the lock is held."""
    key = folder.resolve()
    if key in _held:
        _held[key][1] += 1
        try:
            yield folder
        finally:
            _held[key][1] -= 1
        return
    descriptor = _open_lock(folder)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            os.close(descriptor)
            raise InputError(
                f"{folder}: cannot lock its {LOCK_FILE} ({error.strerror}); g2fit needs a "
                "file system with locks (flock)"
            ) from None
        holder = _lock_holder(descriptor)
        os.close(descriptor)
        raise InputError(
            f"{folder} is in use by another g2fit run ({holder}); wait for it to end or "
            "choose another --out"
        ) from None
    with contextlib.suppress(OSError):  # the whole record: no truncation, no stale digits
        os.pwrite(descriptor, f"{os.getpid()}".ljust(_LOCK_RECORD - 1).encode() + b"\n", 0)
    _held[key] = [descriptor, 1]
    try:
        tidy(folder)
        yield folder
    finally:
        del _held[key]
        os.close(descriptor)  # releases the lock


def _start_time(pid: int) -> str | None:
    """When process `pid` started (clock ticks after boot, /proc/PID/stat); None if unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return fields[19] if len(fields) > 19 else None


def _writer() -> str:
    """This process as a writer of temporaries and journals: PID-START, or PID alone."""
    pid = os.getpid()
    start = _start_time(pid)
    return f"{pid}-{start}" if start else str(pid)


def _runs(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if pid <= 0:  # os.kill would signal a process group
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def _alive(match: re.Match[str]) -> bool:
    """Whether the writer named in a temporary's or journal's name still runs: a process with
    its id that started at another time (the id was reused) is not the writer."""
    pid = int(match.group("pid"))
    if not _runs(pid):
        return False
    recorded, now = match.group("start"), _start_time(pid)
    return recorded is None or now is None or recorded == now


def complete_interrupted_writes(folder: Path) -> list[Path]:
    """Finish the sets of files whose writers died among their renames (see the module
    docstring); the files put in place."""
    completed: list[Path] = []
    if not folder.is_dir():
        return completed
    for journal in sorted(folder.iterdir()):
        match = _JOURNAL.match(journal.name)
        if not match or _alive(match):
            continue
        for temporary, target in _journal_renames(journal) or []:
            if _complete(journal, folder / temporary, folder / target):
                completed.append(folder / target)
        journal.unlink(missing_ok=True)
    return completed


def _complete(journal: Path, temporary: Path, target: Path) -> bool:
    """One rename of an interrupted set, False if made already (by an earlier attempt or
    another process); if it fails, the journal stays (the set is mixed)."""
    try:
        os.replace(temporary, target)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise OutputError(
            f"cannot complete the interrupted write of {target} recorded in {journal.name}: "
            f"{error.strerror or error}; the set of files beside it is incomplete"
        ) from None
    return True


def _damaged_journal(journal: Path, reason: str) -> InputError:
    return InputError(
        f"{journal}: damaged rename journal ({reason}); nothing was moved: check the files "
        f"beside it, then delete it"
    )


def _journal_renames(journal: Path) -> list[tuple[str, str]] | None:
    """The (temporary, target) names a journal records, each a plain name in its folder, a
    temporary beside its target; None if the journal is gone (completed by another process)."""
    try:
        text = journal.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise _damaged_journal(journal, f"cannot be read: {error}") from None
    try:
        renames = json.loads(text)["renames"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise _damaged_journal(journal, "not a list of renames") from None
    if not isinstance(renames, list) or not all(_journaled(entry) for entry in renames):
        raise _damaged_journal(journal, "a rename that is not from a temporary beside its file")
    return [(temporary, target) for temporary, target in renames]


def _journaled(entry: Any) -> bool:
    """Whether a journal's entry is [.TARGET.....tmp, TARGET], both plain names."""
    if not isinstance(entry, list) or len(entry) != 2:
        return False
    temporary, target = entry
    names = (temporary, target)
    if not all(isinstance(n, str) and n not in ("", ".", "..") for n in names):
        return False
    if any("/" in n or "\0" in n for n in names):
        return False
    return bool(temporary.startswith(f".{target}.") and temporary.endswith(".tmp"))


def tidy(folder: Path) -> None:
    """Complete the interrupted sets of files of dead processes, then remove their other
    temporaries."""
    complete_interrupted_writes(folder)
    remove_stale_temporaries(folder)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporaries g2fit made in `folder` whose writers no longer run."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMPORARY.match(path.name)
        if match and not _alive(match):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _file_mode() -> int:
    """rw for everyone the umask allows, like a file opened the ordinary way (mkstemp's 0600
    would make results unreadable to the user's group)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _cannot_write(path: Path, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    return OutputError(f"cannot write {path}: {reason}; any earlier {path.name} is unchanged")


def _write_temporary(path: Path, data: bytes) -> Path:
    """`data` flushed to disk under a temporary name beside `path`; removed on any failure."""
    try:
        descriptor, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.g2fit-{_writer()}.", suffix=".tmp"
        )
    except OSError as error:
        raise _cannot_write(path, error) from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            os.fchmod(stream.fileno(), _file_mode())
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _cannot_write(path, error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _journal(temporaries: list[tuple[Path, Path]]) -> Path:
    """Record the renames of a set of files (one folder) before any is made."""
    folder = temporaries[0][1].parent
    if any(path.parent != folder for _, path in temporaries):
        raise ValueError("a set of files is written into one folder")
    journal = folder / f".g2fit-renames.{_writer()}.json"
    renames = [[temporary.name, path.name] for temporary, path in temporaries]
    written = _write_temporary(journal, (json.dumps({"renames": renames}) + "\n").encode())
    try:
        os.replace(written, journal)
    except OSError as error:
        written.unlink(missing_ok=True)
        raise _cannot_write(temporaries[0][1], error) from None
    return journal


def _rename_all(temporaries: list[tuple[Path, Path]]) -> None:
    """The renames of a set; interrupted (Ctrl-C), it still makes the rest before stopping."""
    done = 0
    try:
        for temporary, path in temporaries:
            os.replace(temporary, path)
            done += 1
    except OSError as error:
        raise _cannot_rename([path for _, path in temporaries], done, error) from None
    except BaseException:
        for temporary, path in temporaries[done:]:
            if temporary.exists():
                os.replace(temporary, path)
        raise


def _cannot_rename(paths: list[Path], done: int, error: OSError) -> OutputError:
    """A failed rename, naming its file and those of the set already in place."""
    if not done:
        return _cannot_write(paths[0], error)
    replaced = ", ".join(path.name for path in paths[:done])
    return OutputError(
        f"cannot write {paths[done]}: {error.strerror or error}; {replaced} already replaced, "
        f"{paths[done].name} and the files after it unchanged"
    )


def _check_targets(paths: list[Path]) -> None:
    """Refuse a set of files, before anything is written, if one of its targets is a folder."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            raise OutputError(f"cannot write {path}: it is a folder; nothing was written")


def write_files(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write a set of files (in one folder) all or nothing: every temporary first, then the
    renames, in the order given (put the file that marks a finished result last), recorded
    in a journal first when there are several. If any write fails, no file is replaced; if
    the process is killed among the renames, the next `tidy` of the folder completes them."""
    _check_targets([path for path, _ in files])
    temporaries: list[tuple[Path, Path]] = []
    journal: Path | None = None
    try:
        for path, content in files:
            data = content.encode() if isinstance(content, str) else content
            temporaries.append((_write_temporary(path, data), path))
        if len(temporaries) > 1:
            journal = _journal(temporaries)
        _rename_all(temporaries)
    finally:
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)
        if journal is not None:
            journal.unlink(missing_ok=True)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write one file atomically: a temporary beside `path`, flushed, then renamed."""
    write_files([(path, content)])


def netcdf_bytes(groups: dict[str | None, Any]) -> bytes:
    """xarray Datasets (by group; None for the root) as one netCDF-4 (HDF5) file, each
    variable with a fletcher32 checksum, so that damaged bytes are a read error rather than
    silently wrong numbers. Built in memory, to be written by write_atomic or write_files:
    there a full disk is a clean error (HDF5 itself can crash on one)."""
    buffer = io.BytesIO()
    mode: Literal["w", "a"] = "w"
    for group, dataset in groups.items():
        encoding = {variable: {"fletcher32": True} for variable in dataset.data_vars}
        dataset.to_netcdf(buffer, mode=mode, group=group, engine="h5netcdf", encoding=encoding)
        mode = "a"
    return buffer.getvalue()


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON file that must hold an object; NaN and Infinity are refused."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from None
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None
    except RecursionError:
        raise InputError(f"{path}: not valid JSON (nested too deeply)") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a g2fit result (a JSON {type(document).__name__})")
    return document


def json_text(document: Any) -> str:
    """Sorted, indented JSON; NaN and infinities are refused (they are not JSON)."""
    return json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_json(path: Path, document: Any) -> None:
    """Sorted, indented JSON, written atomically."""
    write_atomic(path, json_text(document))
