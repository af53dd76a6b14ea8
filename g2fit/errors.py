"""The one exception the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: an argument, a file or a field. The message names it."""
