"""Field checks for the TOML files in data/ and likelihoods/.

Each check names the file, the entry and the field in its InputError, so a typo in a
data file is a one-line message before any computation starts.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from g2fit.errors import InputError

Table = Mapping[str, Any]


def shipped_folder(name: str) -> Path:
    """The folder `name` (data or likelihoods): $G2FIT_DATA or $G2FIT_LIKELIHOODS if set,
    else the shipped one. A wheel installs it inside the package (g2fit/data); a source
    checkout or an editable install has it beside the package, at the top of the repository.
    """
    override = os.environ.get(f"G2FIT_{name.upper()}")
    if override:
        folder = Path(override)
        if not folder.is_dir():
            raise InputError(f"G2FIT_{name.upper()}={override}: no such folder")
        return folder
    package = Path(__file__).resolve().parents[1]
    installed = package / name
    return installed if installed.is_dir() else package.parent / name


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; any problem is an InputError naming the file."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML ({error})") from None


class Entry:
    """One table of a TOML file, with checked accessors that name file, entry and field."""

    def __init__(self, path: Path, name: str, table: Any) -> None:
        self.where = f"{path}: [{name}]"
        self.name = name
        if not isinstance(table, Mapping):
            raise InputError(f"{self.where} must be a table")
        self.table = table

    def error(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.where} field '{field}': {problem}")

    def check_fields(self, required: set[str], optional: set[str] | None = None) -> None:
        allowed = required | (optional or set())
        for field in self.table:
            if field not in allowed:
                raise self.error(field, f"unknown field (valid: {', '.join(sorted(allowed))})")
        for field in sorted(required):
            if field not in self.table:
                raise InputError(f"{self.where}: missing field '{field}'")

    def has(self, field: str) -> bool:
        return field in self.table

    def text(self, field: str, choices: tuple[str, ...] | None = None) -> str:
        value = self.table[field]
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(field, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def number(self, field: str, *, positive: bool = False, default: float | None = None) -> float:
        if default is not None and field not in self.table:
            return default
        return self._as_number(field, self.table[field], positive)

    def _as_number(self, field: str, value: Any, positive: bool) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(field, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise self.error(field, f"must be finite, got {value!r}")
        if positive and value <= 0:
            raise self.error(field, f"must be positive, got {value!r}")
        return float(value)

    def numbers(self, field: str, *, positive: bool = False) -> list[float]:
        value = self.table[field]
        if not isinstance(value, list) or not value:
            raise self.error(field, f"must be a non-empty list of numbers, got {value!r}")
        return [self._as_number(field, item, positive) for item in value]

    def texts(self, field: str) -> list[str]:
        value = self.table[field]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise self.error(field, f"must be a non-empty list of names, got {value!r}")
        return list(value)

    def matrix(self, field: str, size: int) -> list[list[float]]:
        value = self.table[field]
        if not isinstance(value, list) or len(value) != size:
            raise self.error(field, f"must be a {size}x{size} matrix")
        rows = []
        for row in value:
            if not isinstance(row, list) or len(row) != size:
                raise self.error(field, f"must be a {size}x{size} matrix")
            rows.append([self._as_number(field, item, False) for item in row])
        return rows
