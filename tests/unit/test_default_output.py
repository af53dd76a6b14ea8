"""The default output folder accounts for --set, G2FIT_DATA and G2FIT_LIKELIHOODS (issue 17)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from g2fit.jobs.defaults import RESULTS, default_output
from g2fit.model.constants import DEFAULT_CONSTANTS


@pytest.fixture(autouse=True)
def shipped_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("G2FIT_DATA", raising=False)
    monkeypatch.delenv("G2FIT_LIKELIHOODS", raising=False)


def test_the_shipped_inputs_keep_the_plain_folder() -> None:
    assert default_output("current", ["ilc"]) == RESULTS / "current+ilc"
    assert default_output("current", [], overrides=DEFAULT_CONSTANTS.overrides()) == (
        RESULTS / "current"
    )


def test_overridden_constants_get_their_own_folder() -> None:
    heavy_top = dataclasses.replace(DEFAULT_CONSTANTS, m_t=175.0).overrides()
    folder = default_output("current", [], "exact", overrides=heavy_top)
    assert folder.name.startswith("current@exact@inputs-")
    assert folder == default_output("current", [], "exact", overrides=heavy_top)
    other = dataclasses.replace(DEFAULT_CONSTANTS, m_t=170.0).overrides()
    assert default_output("current", [], "exact", overrides=other) != folder


@pytest.mark.parametrize("variable", ["G2FIT_DATA", "G2FIT_LIKELIHOODS"])
def test_other_input_folders_get_their_own_folder(
    variable: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(variable, str(tmp_path / "a"))
    first = default_output("paper-2021", [], sampler="nested")
    assert first.name.startswith("paper-2021@nested@inputs-")
    monkeypatch.setenv(variable, str(tmp_path / "b"))
    assert default_output("paper-2021", [], sampler="nested") != first


def test_the_api_fits_with_set_constants_into_their_own_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import g2fit
    import g2fit.jobs.fit

    folders: list[Path] = []
    monkeypatch.setattr(g2fit.jobs.fit, "run_fit", lambda _s, folder, **_k: folders.append(folder))
    g2fit.fit("current")
    g2fit.fit("current", constants={"m_t": 175.0})
    assert folders[0] == RESULTS / "current"
    assert folders[1].name.startswith("current@inputs-")
