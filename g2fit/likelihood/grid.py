"""A grid's members as scenarios: g2fit.config.grids reads the file, here each member is
loaded with its terms built, so a choice that breaks a member is refused before any run."""

from __future__ import annotations

from pathlib import Path

from g2fit.config.grids import Grid, Member, member_source, read_grid
from g2fit.errors import InputError
from g2fit.likelihood.scenario import Scenario, load_scenario
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants


def load_member(
    grid: Grid,
    member: Member,
    *,
    folder: Path | None = None,
    constants: Constants = DEFAULT_CONSTANTS,
) -> Scenario:
    """The member's scenario, named GRID[axis=choice,...]."""
    try:
        return load_scenario(
            grid.scenario_name(member),
            folder=folder,
            constants=constants,
            given=member_source(grid, member),
        )
    except InputError as error:
        if str(grid.path) in str(error):  # it names the grid's file and the member already
            raise
        raise InputError(f"{grid.path}: member {member.key}: {error}") from None


def load_grid(name: str, folder: Path | None = None) -> Grid:
    """The named grid of likelihoods/grids/, every member loaded once to check it."""
    grid = read_grid(name, folder)
    for member in grid.members:
        load_member(grid, member, folder=folder)
    return grid
