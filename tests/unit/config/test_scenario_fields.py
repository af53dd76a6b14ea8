"""The scenario fields of the exact mode and of slowly mixing posteriors: loops, mcmc_steps."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_shipped, edit_text

from g2fit.config.scenarios import load_scenario_spec
from g2fit.errors import InputError


def test_shipped_values() -> None:
    assert load_scenario_spec("paper-2021").mcmc_steps is None
    assert load_scenario_spec("paper-2021-free-couplings").mcmc_steps == 16000
    assert load_scenario_spec("current-exact").loops == "exact"
    assert load_scenario_spec("current").loops == "eft"
    assert load_scenario_spec("current", loops="exact").loops == "exact"


@pytest.mark.parametrize("value", ["0", "1.5", "true", '"many"', "100000000"])
def test_bad_mcmc_steps_names_file_and_field(tmp_path: Path, value: str) -> None:
    folder = copy_shipped("likelihoods", tmp_path)
    path = folder / "scenarios" / "paper-2021-free-couplings.toml"
    edit_text(path, "mcmc_steps = 16000", f"mcmc_steps = {value}")
    with pytest.raises(InputError, match=r"paper-2021-free-couplings\.toml.*'mcmc_steps'"):
        load_scenario_spec("paper-2021-free-couplings", folder=folder)


def test_unknown_loops_override_is_refused() -> None:
    with pytest.raises(InputError, match="loops must be one of eft, exact"):
        load_scenario_spec("paper-2021", loops="two-loop")
