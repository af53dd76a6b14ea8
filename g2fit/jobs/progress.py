"""One short stderr line per long stage of a job (fit, compare --scenarios)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

#: What a job calls with each stage's description ("fit: profile of m_L (25 points)...").
Stage = Callable[[str], None]


def stage_printer(enabled: bool, stream: TextIO | None = None) -> Stage:
    """Print each stage as a line on `stream` (default stderr) when `enabled` and the stream is
    a terminal, as the progress bars of mcmc do; otherwise say nothing."""
    target = sys.stderr if stream is None else stream
    if not (enabled and target.isatty()):
        return quiet

    def show(message: str) -> None:
        print(message, file=target, flush=True)

    return show


def quiet(message: str) -> None:
    """A Stage that says nothing."""
