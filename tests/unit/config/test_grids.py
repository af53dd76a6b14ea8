"""Grids of data choices (likelihoods/grids/): the members a grid expands to, the scenario
each member loads as, and the one-line refusals of a bad grid file."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import pytest

import g2fit.config.grids as grids
from g2fit.config.grids import SETTINGS_FIELDS, grid_names, member_source, read_grid
from g2fit.errors import InputError
from g2fit.likelihood.grid import load_grid, load_member

REPO = Path(__file__).resolve().parents[3]
#: The shipped likelihoods/ of this checkout (not $G2FIT_LIKELIHOODS).
SHIPPED = REPO / "likelihoods"

#: current-family.toml's axes as written there: axis -> choice label -> term.
FAMILY = {
    "g2": {
        "wa2025-wp2020": "g2-wa2025-wp2020",
        "wa2025-wp2025": "g2-wa2025-wp2025",
        "wa2023-wp2020": "g2-wa2023-wp2020",
    },
    "ew": {"marginal": "ew-fit-2021", "restricted": "ew-fit-2021-restricted"},
    "tau": {"hflav2022": "tau-hflav2022", "belle2-2024": "tau-belle2-2024"},
    "lhc": {"decays": "lhc-atlas-2024-decays", "plain-cut": "lhc-atlas-2024"},
}

#: The free parameters of paper-2021 (which current extends) and its benchmark couplings.
BASE_FREE = ["m_L", "m_S", "Y_L", "Y_R"]
BASE_FIXED = {"Y_V": 1.0, "Y_Vp": 0.0}
#: mcmc_steps of likelihoods/scenarios/current.toml.
BASE_STEPS = 8000

FREE_COUPLINGS = (
    "parameters = { Y_V = { prior = 'uniform', range = [-1.0, 1.0] }, "
    "Y_Vp = { prior = 'uniform', range = [-1.0, 1.0] } }"
)


def base_terms() -> list[str]:
    """The `terms` of likelihoods/scenarios/current.toml, read without g2fit."""
    with (SHIPPED / "scenarios" / "current.toml").open("rb") as handle:
        return list(tomllib.load(handle)["terms"])


def write_grid(folder: Path, name: str, text: str) -> Path:
    path = folder / "grids" / f"{name}.toml"
    path.write_text(text)
    return path


def refused(error: pytest.ExceptionInfo[InputError], path: Path, *needles: str) -> str:
    """The refusal's message: one line, naming the grid's file and every needle."""
    message = str(error.value)
    assert "\n" not in message, message
    assert str(path) in message, message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


# --- the shipped grid -------------------------------------------------------------------------


def test_shipped_grids_are_listed() -> None:
    assert {"current-family", "current-everything"} <= set(grid_names(SHIPPED))


def test_current_family_expands_to_24_members_with_unique_keys() -> None:
    grid = read_grid("current-family", SHIPPED)
    assert grid.name == "current-family"
    assert grid.base == "current"
    assert grid.path == SHIPPED / "grids" / "current-family.toml"
    assert [a.name for a in grid.axes] == list(FAMILY)
    assert all(a.slot == "term" for a in grid.axes)
    assert len(grid.members) == 3 * 2 * 2 * 2 == 24
    keys = [m.key for m in grid.members]
    assert len(set(keys)) == 24
    # Every combination of choices once, in the order of the axes.
    expected = {
        ",".join(f"{axis}={label}" for axis, label in zip(FAMILY, picks, strict=True))
        for picks in itertools.product(*(list(c) for c in FAMILY.values()))
    }
    assert set(keys) == expected
    assert keys[0] == "g2=wa2025-wp2020,ew=marginal,tau=hflav2022,lhc=decays"


def test_current_family_member_tables_substitute_terms_in_place() -> None:
    grid = read_grid("current-family", SHIPPED)
    base = base_terms()
    assert base == ["g2-wa2025-wp2020", "ew-fit-2021", "tau-hflav2022", "lhc-atlas-2024-decays"]
    for member in grid.members:
        assert member.table["extends"] == "current"
        chosen = {FAMILY[axis][label] for axis, label in member.choices.items()}
        # Each base term is replaced by the choice of the axis it belongs to.
        expected = [
            next(FAMILY[a][member.choices[a]] for a in FAMILY if term in FAMILY[a].values())
            for term in base
        ]
        assert member.table["terms"] == expected
        assert set(expected) == chosen
        table, path = member_source(grid, member)
        assert table is member.table
        assert path == grid.path


def test_current_family_members_load_with_the_chosen_terms() -> None:
    grid = load_grid("current-family", SHIPPED)
    base = base_terms()
    base_key = "g2=wa2025-wp2020,ew=marginal,tau=hflav2022,lhc=decays"
    for member in grid.members:
        scenario = load_member(grid, member, folder=SHIPPED)
        assert scenario.name == f"current-family[{member.key}]"
        assert grid.scenario_name(member) == scenario.name
        assert len(scenario.term_names) == len(base) == 4
        for position, term in enumerate(base):
            axis = next(a for a in FAMILY if term in FAMILY[a].values())
            assert scenario.term_names[position] == FAMILY[axis][member.choices[axis]]
        assert [t.name for t in scenario.terms] == list(scenario.term_names)
        # Term axes change nothing but the terms.
        assert [p.name for p in scenario.parameters] == BASE_FREE
        assert scenario.fixed == BASE_FIXED
        assert scenario.mcmc_steps == BASE_STEPS
        assert scenario.loops == "eft"
        assert scenario.futures == ()
        assert scenario.given == (member.table, grid.path)
        if member.key == base_key:
            assert list(scenario.term_names) == base


def test_member_lookup_by_key() -> None:
    grid = read_grid("current-family", SHIPPED)
    key = "g2=wa2023-wp2020,ew=restricted,tau=belle2-2024,lhc=plain-cut"
    member = grid.member(key)
    assert member.choices == {
        "g2": "wa2023-wp2020",
        "ew": "restricted",
        "tau": "belle2-2024",
        "lhc": "plain-cut",
    }
    assert member.table["terms"] == [
        "g2-wa2023-wp2020",
        "ew-fit-2021-restricted",
        "tau-belle2-2024",
        "lhc-atlas-2024",
    ]
    with pytest.raises(InputError) as error:
        grid.member("g2=nope")
    refused(error, grid.path, "'current-family'", "'g2=nope'")


# --- settings axes ----------------------------------------------------------------------------

SETTINGS_GRID = f"""
description = "settings test grid"
base = "current"

[axes.mode]
slot = "settings"
description = "one-loop mode"
choices = {{ own = {{}}, exact = {{ loops = "exact" }} }}

[axes.couplings]
slot = "settings"
choices.benchmark = {{}}
choices.free = {{ mcmc_steps = 123, {FREE_COUPLINGS} }}
choices.heavy-s = {{ fixed = {{ m_S = 2000.0 }} }}
"""


def test_settings_axis_members(likelihoods_copy: Path) -> None:
    write_grid(likelihoods_copy, "settings", SETTINGS_GRID)
    grid = load_grid("settings", likelihoods_copy)
    assert [(a.name, a.slot) for a in grid.axes] == [
        ("mode", "settings"),
        ("couplings", "settings"),
    ]
    assert grid.axes[0].description == "one-loop mode"
    assert grid.axes[1].description == "couplings"  # the axis's name when not described
    assert [m.key for m in grid.members] == [
        "mode=own,couplings=benchmark",
        "mode=own,couplings=free",
        "mode=own,couplings=heavy-s",
        "mode=exact,couplings=benchmark",
        "mode=exact,couplings=free",
        "mode=exact,couplings=heavy-s",
    ]
    scenarios = {m.key: load_member(grid, m, folder=likelihoods_copy) for m in grid.members}
    base = base_terms()
    for key, scenario in scenarios.items():
        assert list(scenario.term_names) == base, key
        assert scenario.loops == ("exact" if key.startswith("mode=exact") else "eft"), key
        assert scenario.name == f"settings[{key}]"

    # {} keeps the base.
    benchmark = scenarios["mode=own,couplings=benchmark"]
    assert [p.name for p in benchmark.parameters] == BASE_FREE
    assert benchmark.fixed == BASE_FIXED
    assert benchmark.mcmc_steps == BASE_STEPS
    # Y_V and Y_Vp freed: six free parameters, nothing fixed, the choice's chain length.
    for key in ("mode=own,couplings=free", "mode=exact,couplings=free"):
        free = scenarios[key]
        assert [p.name for p in free.parameters] == [*BASE_FREE, "Y_V", "Y_Vp"]
        assert free.fixed == {}
        assert free.mcmc_steps == 123
        y_v = free.parameters[4]
        assert (y_v.prior, y_v.low, y_v.high) == ("uniform", -1.0, 1.0)
    # m_S fixed: it leaves the free parameters.
    heavy = scenarios["mode=own,couplings=heavy-s"]
    assert [p.name for p in heavy.parameters] == ["m_L", "Y_L", "Y_R"]
    assert heavy.fixed == {"m_S": 2000.0, **BASE_FIXED}

    member = grid.member("mode=exact,couplings=free")
    assert member.table["loops"] == "exact"
    assert member.table["mcmc_steps"] == 123
    assert set(member.table["parameters"]) == {"Y_V", "Y_Vp"}
    assert "one-loop mode: exact" in member.table["description"]
    assert "couplings: free" in member.table["description"]


def test_term_and_settings_axes_combine(likelihoods_copy: Path) -> None:
    write_grid(
        likelihoods_copy,
        "mixed",
        """
description = "term and settings"
base = "current"

[axes.tau]
slot = "term"
choices = { belle = "tau-belle2-2024", hflav = "tau-hflav2022" }

[axes.mode]
slot = "settings"
choices = { eft = { loops = "eft" }, exact = { loops = "exact" } }
""",
    )
    grid = load_grid("mixed", likelihoods_copy)
    assert len(grid.members) == 4
    scenario = load_member(grid, grid.member("tau=belle,mode=exact"), folder=likelihoods_copy)
    assert scenario.loops == "exact"
    expected = base_terms()
    expected[expected.index("tau-hflav2022")] = "tau-belle2-2024"
    assert list(scenario.term_names) == expected


def test_settings_fields_are_the_scenario_fields_but_terms() -> None:
    assert set(SETTINGS_FIELDS) == {
        "parameters",
        "fixed",
        "loops",
        "mcmc_steps",
        "mcmc_walkers",
        "cutoff",
        "max_YL_YR",
        "two_loop_top",
    }


# --- refusals ---------------------------------------------------------------------------------

GOOD_G2_AXIS = """
[axes.g2]
slot = "term"
choices = { a = "g2-wa2025-wp2020", b = "g2-wa2025-wp2025" }
"""
HEAD = 'description = "bad grid"\nbase = "current"\n'

REFUSED = {
    "unknown slot": (
        HEAD + '[axes.g2]\nslot = "terms"\nchoices = { a = "g2-wa2025-wp2020" }\n',
        ["[axes.g2]", "'slot'", "'terms'"],
    ),
    "unknown term": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = { a = "g2-wa2025-wp2020", b = "g2-nope" }\n',
        ["[axes.g2]", "'choices.b'", "'g2-nope'"],
    ),
    "term not a string": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = { a = "g2-wa2025-wp2020", b = 3 }\n',
        ["[axes.g2]", "'choices.b'"],
    ),
    "base holds none of the axis's terms": (
        HEAD
        + '[axes.old]\nslot = "term"\nchoices = { a = "g2-paper-2021", b = "lhc-paper-2021" }\n',
        ["[axes.old]", "'choices'", "exactly one", "holds []"],
    ),
    "base holds two of the axis's terms": (
        HEAD
        + '[axes.two]\nslot = "term"\nchoices = { a = "g2-wa2025-wp2020", b = "ew-fit-2021" }\n',
        ["[axes.two]", "exactly one", "'g2-wa2025-wp2020', 'ew-fit-2021'"],
    ),
    "unknown field in a settings choice": (
        HEAD
        + '[axes.mode]\nslot = "settings"\nchoices = { own = {}, fast = { loop = "exact" } }\n',
        ["[axes.mode.choices.fast]", "'loop'", "unknown field"],
    ),
    "terms in a settings choice": (
        HEAD + '[axes.mode]\nslot = "settings"\nchoices = { own = {}, t = { terms = ["x"] } }\n',
        ["[axes.mode.choices.t]", "'terms'", "unknown field"],
    ),
    "settings choice not a table": (
        HEAD + '[axes.mode]\nslot = "settings"\nchoices = { own = {}, exact = "exact" }\n',
        ["[axes.mode]", "'choices.exact'", "table of scenario fields"],
    ),
    "upper-case axis name": (
        HEAD + '[axes.G2]\nslot = "term"\nchoices = { a = "g2-wa2025-wp2020" }\n',
        ["[axes.G2]", "axis name 'G2'", "lower-case"],
    ),
    "choice label with a space": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = { "a b" = "g2-wa2025-wp2020" }\n',
        ["[axes.g2]", "choice 'a b'", "lower-case"],
    ),
    "upper-case choice label": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = { G2 = "g2-wa2025-wp2020" }\n',
        ["[axes.g2]", "choice 'G2'"],
    ),
    "choice label with a comma": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = { "a,b" = "g2-wa2025-wp2020" }\n',
        ["[axes.g2]", "choice 'a,b'"],
    ),
    "choice label with an equals sign": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = { "a=b" = "g2-wa2025-wp2020" }\n',
        ["[axes.g2]", "choice 'a=b'"],
    ),
    "no choices": (
        HEAD + '[axes.g2]\nslot = "term"\nchoices = {}\n',
        ["[axes.g2]", "'choices'", "non-empty"],
    ),
    "unknown field in an axis": (
        HEAD + '[axes.g2]\nslot = "term"\nkind = "x"\nchoices = { a = "g2-wa2025-wp2020" }\n',
        ["[axes.g2]", "'kind'", "unknown field"],
    ),
    "unknown base scenario": (
        'description = "bad grid"\nbase = "nope"\n' + GOOD_G2_AXIS,
        ["[bad]", "'base'", "no scenario named 'nope'", "current"],
    ),
    "no axes": (HEAD + "axes = {}\n", ["[bad]", "'axes'", "non-empty"]),
    "missing description": ('base = "current"\n' + GOOD_G2_AXIS, ["[bad]", "'description'"]),
    "unknown top-level field": (
        HEAD + 'name = "x"\n' + GOOD_G2_AXIS,
        ["[bad]", "'name'", "unknown field"],
    ),
    "two settings axes set mcmc_steps": (
        HEAD
        + '[axes.short]\nslot = "settings"\nchoices = { a = { mcmc_steps = 100 }, b = {} }\n'
        + '[axes.long]\nslot = "settings"\nchoices = { c = { mcmc_steps = 9000 }, d = {} }\n',
        ["[bad]", "'axes'", "axes 'short' and 'long' both set mcmc_steps"],
    ),
    "two settings axes set one parameter": (
        HEAD
        + '[axes.free]\nslot = "settings"\n'
        + "choices = { a = { parameters = { Y_V = { prior = 'uniform', range = [-1, 1] } } } }\n"
        + '[axes.pin]\nslot = "settings"\nchoices = { b = { fixed = { Y_V = 0.5 } } }\n',
        ["[bad]", "axes 'free' and 'pin' both set parameter Y_V"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_grid_is_refused_in_one_line(likelihoods_copy: Path, case: str) -> None:
    text, needles = REFUSED[case]
    path = write_grid(likelihoods_copy, "bad", text)
    with pytest.raises(InputError) as error:
        read_grid("bad", likelihoods_copy)
    refused(error, path, *needles)


def test_unknown_grid_lists_the_valid() -> None:
    with pytest.raises(InputError, match="unknown grid 'nope'; valid: current-everything"):
        read_grid("nope", SHIPPED)


def test_two_settings_axes_may_set_different_fields(likelihoods_copy: Path) -> None:
    write_grid(
        likelihoods_copy,
        "apart",
        HEAD
        + '[axes.steps]\nslot = "settings"\nchoices = { a = { mcmc_steps = 100 }, b = {} }\n'
        + '[axes.yv]\nslot = "settings"\nchoices = { c = { fixed = { Y_V = 0.5 } }, d = {} }\n'
        + '[axes.yvp]\nslot = "settings"\nchoices = { e = { fixed = { Y_Vp = 0.25 } } }\n',
    )
    grid = load_grid("apart", likelihoods_copy)
    scenario = load_member(grid, grid.member("steps=a,yv=c,yvp=e"), folder=likelihoods_copy)
    assert scenario.mcmc_steps == 100
    assert scenario.fixed == {"Y_V": 0.5, "Y_Vp": 0.25}


def many_settings(counts: tuple[int, ...]) -> str:
    """A grid of settings axes with the given numbers of choices, each a harmless value."""
    fields = ("mcmc_steps", "mcmc_walkers", "cutoff")
    starts = (1000, 64, 100000)
    text = HEAD
    for field, start, count in zip(fields, starts, counts, strict=False):
        choices = ", ".join(f"c{i} = {{ {field} = {start + i} }}" for i in range(count))
        text += f'[axes.{field.replace("_", "-")}]\nslot = "settings"\nchoices = {{ {choices} }}\n'
    return text


def test_more_than_max_members_is_refused(likelihoods_copy: Path) -> None:
    assert grids.MAX_MEMBERS == 1000
    path = write_grid(likelihoods_copy, "bad", many_settings((11, 10, 10)))
    with pytest.raises(InputError) as error:
        read_grid("bad", likelihoods_copy)
    refused(error, path, "[bad]", "'axes'", "1100 members, more than 1000")


def test_max_members_exactly_is_accepted(likelihoods_copy: Path) -> None:
    write_grid(likelihoods_copy, "big", many_settings((10, 10, 10)))
    grid = read_grid("big", likelihoods_copy)
    assert len(grid.members) == 1000
    assert len({m.key for m in grid.members}) == 1000
    last = grid.members[-1]
    assert last.key == "mcmc-steps=c9,mcmc-walkers=c9,cutoff=c9"
    assert (last.table["mcmc_steps"], last.table["mcmc_walkers"], last.table["cutoff"]) == (
        1009,
        73,
        100009,
    )


def test_max_members_patched_small(likelihoods_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grids, "MAX_MEMBERS", 5)
    path = write_grid(likelihoods_copy, "bad", many_settings((3, 2)))
    with pytest.raises(InputError) as error:
        read_grid("bad", likelihoods_copy)
    refused(error, path, "6 members, more than 5")
    write_grid(likelihoods_copy, "small", many_settings((5,)))
    assert len(read_grid("small", likelihoods_copy).members) == 5


#: The exact mode evaluates masses up to 1e5 GeV (EXACT_MASS_RANGE_GEV): a prior of m_S up to
#: 2e5 GeV (with the cutoff above it) loads in the eft mode, not in the exact one.
WIDE_M_S = (
    "{ cutoff = 1e6, parameters = { m_S = { prior = 'log-uniform', range = [100.0, 2e5] } } }"
)


def test_member_outside_the_exact_mass_range_is_refused_by_load_grid(
    likelihoods_copy: Path,
) -> None:
    path = write_grid(
        likelihoods_copy,
        "bad",
        HEAD
        + '[axes.mode]\nslot = "settings"\nchoices = { eft = {}, exact = { loops = "exact" } }\n'
        + f'[axes.prior]\nslot = "settings"\nchoices = {{ narrow = {{}}, wide = {WIDE_M_S} }}\n',
    )
    grid = read_grid("bad", likelihoods_copy)  # the file itself is fine
    wide = load_member(grid, grid.member("mode=eft,prior=wide"), folder=likelihoods_copy)
    assert wide.parameters[1].high == 2e5
    with pytest.raises(InputError) as error:
        load_grid("bad", likelihoods_copy)
    refused(error, path, "bad[mode=exact,prior=wide]", "m_S", "exact")


def test_member_with_a_cutoff_below_the_mass_prior_is_refused_by_load_grid(
    likelihoods_copy: Path,
) -> None:
    path = write_grid(
        likelihoods_copy,
        "bad",
        HEAD
        + GOOD_G2_AXIS
        + '[axes.cut]\nslot = "settings"\nchoices = { high = {}, low = { cutoff = 1000.0 } }\n',
    )
    assert len(read_grid("bad", likelihoods_copy).members) == 4
    with pytest.raises(InputError) as error:
        load_grid("bad", likelihoods_copy)
    # The first member in the grid's order that fails: g2=a with the low cutoff.
    refused(error, path, "bad[g2=a,cut=low]", "'cutoff'", "1000.0 GeV", "m_L")


def test_member_with_a_bad_parameter_table_is_refused_by_load_grid(
    likelihoods_copy: Path,
) -> None:
    path = write_grid(
        likelihoods_copy,
        "bad",
        HEAD
        + '[axes.yv]\nslot = "settings"\n'
        + 'choices = { own = {}, odd = { fixed = { Y_V = "one" } } }\n',
    )
    with pytest.raises(InputError) as error:
        load_grid("bad", likelihoods_copy)
    refused(error, path, "bad[yv=odd]", "Y_V")


# --- defects a review found, now refused -----------------------------------------------------


def test_two_term_axes_sharing_a_term_are_refused(likelihoods_copy: Path) -> None:
    write_grid(
        likelihoods_copy,
        "bad",
        HEAD
        + '[axes.a]\nslot = "term"\nchoices = { x = "g2-wa2025-wp2020", y = "g2-wa2025-wp2025" }\n'
        + '[axes.b]\nslot = "term"\nchoices = { p = "g2-wa2025-wp2020", q = "g2-wa2023-wp2020" }\n',
    )
    with pytest.raises(InputError) as error:
        read_grid("bad", likelihoods_copy)
    assert "both choose term 'g2-wa2025-wp2020'" in str(error.value)


def test_settings_choice_with_parameters_not_a_table_is_refused(likelihoods_copy: Path) -> None:
    write_grid(
        likelihoods_copy,
        "bad",
        HEAD + '[axes.p]\nslot = "settings"\nchoices = { own = {}, odd = { parameters = 3 } }\n',
    )
    with pytest.raises(InputError):
        read_grid("bad", likelihoods_copy)


def test_choice_label_with_a_trailing_newline_is_refused(likelihoods_copy: Path) -> None:
    write_grid(
        likelihoods_copy,
        "bad",
        HEAD + '[axes.a]\nslot = "settings"\nchoices = { x = {}, "y\\n" = { mcmc_steps = 100 } }\n',
    )
    with pytest.raises(InputError):
        read_grid("bad", likelihoods_copy)


def test_member_names_too_long_for_a_folder_are_refused(likelihoods_copy: Path) -> None:
    label = "x" * 120
    path = write_grid(
        likelihoods_copy,
        "bad",
        HEAD
        + f'[axes.a]\nslot = "settings"\nchoices = {{ {label} = {{}} }}\n'
        + f'[axes.b]\nslot = "settings"\nchoices = {{ {label} = {{ mcmc_steps = 10 }} }}\n',
    )
    with pytest.raises(InputError) as error:
        read_grid("bad", likelihoods_copy)
    refused(error, path, "'axes'", "characters")


def test_a_base_without_terms_is_refused(likelihoods_copy: Path) -> None:
    (likelihoods_copy / "scenarios" / "bare.toml").write_text('description = "no terms"\n')
    path = write_grid(
        likelihoods_copy,
        "bad",
        'description = "d"\nbase = "bare"\n[axes.a]\nslot = "settings"\nchoices = { x = {} }\n',
    )
    with pytest.raises(InputError) as error:
        read_grid("bad", likelihoods_copy)
    refused(error, path, "'base'", "no list of terms")
