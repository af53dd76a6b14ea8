"""Output folders and atomic writes: a crash never leaves a half-written result."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from g2fit.errors import InputError


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
    return folder


def replace_atomic(temporary: Path, path: Path) -> None:
    """Flush a finished temporary file to disk, then rename it to `path`."""
    with temporary.open("rb+") as stream:
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    data = content.encode() if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, document: Any) -> None:
    """Sorted, indented JSON, written atomically."""
    write_atomic(path, json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n")
