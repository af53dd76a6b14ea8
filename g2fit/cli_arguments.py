"""argparse types of the command line: each parses one argument or says what is wrong."""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

from g2fit.model.constants import Constants


def finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def positive_mass(text: str) -> float:
    value = finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive mass in GeV, got {text!r}")
    return value


def constant_override(text: str) -> tuple[str, float]:
    names = [f.name for f in dataclasses.fields(Constants) if f.name != "y_t_override"]
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    if name == "y_t":
        name = "y_t_override"
    elif name not in names:
        raise argparse.ArgumentTypeError(
            f"unknown constant {name!r}; valid: {', '.join([*names, 'y_t'])}"
        )
    return name, finite(value)


def name_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of names, got {text!r}")
    return names


def comma_floats(text: str) -> list[float]:
    """Positive numbers, comma-separated (masses or energies in GeV)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    return [positive_mass(item) for item in items]


#: The largest m_L/m_S of `integrand` (the size caps of the other commands: jobs.defaults).
MAX_MASS_RATIO = 1e6


def integer(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < low:
            problem = "must be positive" if low == 1 else f"must be at least {low}"
            raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high}, got {text!r}")
        return value

    return parse


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must lie in [0, 2^32), got {text!r}")
    return value


def output(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return Path(text)


def at_least_one(text: str) -> float:
    value = finite(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (m_L >= m_S), got {text!r}")
    if value > MAX_MASS_RATIO:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_MASS_RATIO:g}, got {text!r}")
    return value
