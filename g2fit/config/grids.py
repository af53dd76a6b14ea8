"""Grids of data choices (likelihoods/grids/NAME.toml): a base scenario and axes, each a slot
of the scenario with its alternatives; the grid's members are the product of the axes, each a
scenario named by its choices, without a file of its own.

An axis's `slot` says what its choices replace:
- "term": each choice names a term; the base scenario holds exactly one of the axis's terms,
  and each member holds its choice in that place;
- "settings": each choice is a table of scenario fields (parameters, fixed, loops,
  mcmc_steps, mcmc_walkers, cutoff, max_YL_YR, two_loop_top) laid over the base, `{}` for
  the base's own.
Here the file is read and checked; g2fit.likelihood.grid loads (and so checks) every member,
so a bad choice is one line naming the grid's file and the member before anything runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path
from typing import Any

from g2fit.config.scenarios import (
    SCENARIO_FIELDS,
    _scenario_table,
    definition_file,
    likelihoods_folder,
    load_term_specs,
    names_in,
)
from g2fit.config.toml_entry import Entry, read_toml
from g2fit.errors import InputError

SLOTS = ("term", "settings")
#: Scenario fields a "settings" choice may set (`terms` belongs to "term" axes).
SETTINGS_FIELDS = tuple(sorted(SCENARIO_FIELDS - {"extends", "terms"}))
#: Axis and choice names: they become folder names, so letters, digits and dashes only.
_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: More members than this is refused (a typo in an axis would otherwise queue days of runs).
MAX_MEMBERS = 1000
#: The longest member name (axis=choice,...), a folder's name: below common NAME_MAX (255)
#: with room for "@nested".
MAX_KEY_LENGTH = 200


@dataclasses.dataclass(frozen=True)
class Axis:
    """One data choice: its slot ("term" or "settings") and its alternatives by label."""

    name: str
    slot: str
    description: str
    choices: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Member:
    """One scenario of a grid: its choice on every axis, its name and its scenario table."""

    choices: dict[str, str]
    table: dict[str, Any]

    @property
    def key(self) -> str:
        """axis=choice,axis=choice...: the member's folder name inside the grid's folder."""
        return ",".join(f"{axis}={choice}" for axis, choice in self.choices.items())


@dataclasses.dataclass(frozen=True)
class Grid:
    """A grid as its file says, every member expanded."""

    name: str
    description: str
    base: str
    axes: tuple[Axis, ...]
    members: tuple[Member, ...]
    path: Path

    def scenario_name(self, member: Member) -> str:
        """GRID[axis=choice,...]: the member's scenario name, recorded in its results."""
        return f"{self.name}[{member.key}]"

    def member(self, key: str) -> Member:
        for member in self.members:
            if member.key == key:
                return member
        raise InputError(f"{self.path}: grid {self.name!r} has no member {key!r}")


def grid_names(folder: Path | None = None) -> list[str]:
    """The grids (likelihoods/grids/NAME.toml), sorted."""
    return names_in("grids", folder)


def _label(entry: Entry, field: str, label: str, what: str) -> None:
    if not _LABEL.fullmatch(label):
        raise entry.error(field, f"{what} {label!r} must be lower-case letters, digits, dashes")


def _axis(path: Path, name: str, table: Any, base_terms: list[str], terms: set[str]) -> Axis:
    entry = Entry(path, f"axes.{name}", table)
    _label(entry, "axes", name, "axis name")
    entry.check_fields({"slot", "choices"}, {"description"})
    slot = entry.text("slot", SLOTS)
    choices = table["choices"]
    if not isinstance(choices, dict) or not choices:
        raise entry.error("choices", "must be a non-empty table of named choices")
    for label in choices:
        _label(entry, "choices", label, "choice")
    if slot == "term":
        for label, term in choices.items():
            if not isinstance(term, str) or term not in terms:
                raise entry.error(f"choices.{label}", f"no term named {term!r}")
        held = [t for t in base_terms if t in choices.values()]
        if len(held) != 1:
            raise entry.error(
                "choices",
                f"the base scenario must hold exactly one of the axis's terms, holds {held}",
            )
    else:
        for label, settings in choices.items():
            if not isinstance(settings, dict):
                raise entry.error(f"choices.{label}", "must be a table of scenario fields")
            choice = Entry(path, f"axes.{name}.choices.{label}", settings)
            choice.check_fields(set(), set(SETTINGS_FIELDS))
            for field in ("parameters", "fixed"):
                if not isinstance(settings.get(field, {}), dict):
                    raise choice.error(field, "must be a table")
    description = entry.text("description") if entry.has("description") else name
    return Axis(name, slot, description, dict(choices))


def _member_table(
    base: str, base_table: dict[str, Any], axes: tuple[Axis, ...], picks: tuple[str, ...]
) -> dict[str, Any]:
    terms = list(base_table["terms"])
    table: dict[str, Any] = {"extends": base}
    for axis, label in zip(axes, picks, strict=True):
        if axis.slot == "term":
            index = next(i for i, t in enumerate(terms) if t in axis.choices.values())
            terms[index] = axis.choices[label]
        else:
            for field, value in axis.choices[label].items():
                if field in ("parameters", "fixed"):
                    table[field] = {**table.get(field, {}), **value}
                else:
                    table[field] = value
    described = "; ".join(f"{a.description}: {label}" for a, label in zip(axes, picks, strict=True))
    return {**table, "terms": terms, "description": f"{base_table['description']} ({described})"}


def _check_overlaps(entry: Entry, axes: tuple[Axis, ...]) -> None:
    """Two term axes may not share a term, nor two settings axes set the same field (or the
    same parameter): one would overwrite the other's choice."""
    owner: dict[str, str] = {}
    for axis in axes:
        if axis.slot != "term":
            continue
        for term in axis.choices.values():
            if term in owner and owner[term] != axis.name:
                raise entry.error(
                    "axes", f"axes {owner[term]!r} and {axis.name!r} both choose term {term!r}"
                )
            owner[term] = axis.name
    owner = {}
    for axis in axes:
        if axis.slot != "settings":
            continue
        fields = set()
        for settings in axis.choices.values():
            for field, value in settings.items():
                if field in ("parameters", "fixed") and isinstance(value, dict):
                    fields |= {f"parameter {key}" for key in value}
                else:
                    fields.add(field)
        for field in sorted(fields):
            if field in owner:
                raise entry.error(
                    "axes", f"axes {owner[field]!r} and {axis.name!r} both set {field}"
                )
            owner[field] = axis.name


def read_grid(name: str, folder: Path | None = None) -> Grid:
    """The named grid of likelihoods/grids/, checked, its members expanded."""
    folder = likelihoods_folder(folder)
    path = definition_file("grids", "grid", name, folder)
    table = read_toml(path)
    entry = Entry(path, name, table)
    entry.check_fields({"description", "base", "axes"})
    base = entry.text("base")
    scenarios = names_in("scenarios", folder)
    if base not in scenarios:
        raise entry.error("base", f"no scenario named {base!r}; valid: {', '.join(scenarios)}")
    base_table, _ = _scenario_table(base, folder)
    if not isinstance(base_table.get("terms"), list):
        raise entry.error("base", f"scenario {base!r} has no list of terms")
    if not isinstance(table["axes"], dict) or not table["axes"]:
        raise entry.error("axes", "must be a non-empty table of named axes")
    terms = set(load_term_specs(folder))
    base_terms = list(base_table.get("terms", []))
    axes = tuple(_axis(path, n, t, base_terms, terms) for n, t in table["axes"].items())
    _check_overlaps(entry, axes)
    count = 1
    for axis in axes:
        count *= len(axis.choices)
    if count > MAX_MEMBERS:
        raise entry.error("axes", f"{count} members, more than {MAX_MEMBERS}")
    longest = sum(len(a.name) + 2 + max(len(c) for c in a.choices) for a in axes)
    if longest > MAX_KEY_LENGTH:
        raise entry.error(
            "axes",
            f"member names up to {longest} characters, above {MAX_KEY_LENGTH} (they name "
            "folders): shorten the labels",
        )
    members = tuple(
        Member(
            dict(zip((a.name for a in axes), picks, strict=True)),
            _member_table(base, base_table, axes, picks),
        )
        for picks in itertools.product(*(list(a.choices) for a in axes))
    )
    return Grid(name, entry.text("description"), base, axes, members, path)


def member_source(grid: Grid, member: Member) -> tuple[dict[str, Any], Path]:
    """The member's scenario table and the grid's file, for load_scenario(given=...)."""
    return member.table, grid.path
