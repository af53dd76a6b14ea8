"""The exceptions the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: an argument, a file or a field. The message names it."""


class OutputError(InputError):
    """A result could not be written (a full disk, a file size limit). The message names the
    file; the earlier version of that file, if any, is left as it was."""


class ConstantError(InputError):
    """A constant given by the user (`--set NAME=VALUE`, `constants=`) that the inputs cannot
    take. The message names the constant, never the file it conflicts with."""
