"""A fit written after the posterior marks its best fit in the posterior's corner.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import g2fit
import g2fit.io.figures
from g2fit.jobs.fit import run_fit
from g2fit.likelihood.scenario import load_scenario


def test_fit_redraws_the_corner_plot_with_the_best_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    g2fit.sample("paper-2021", out=run, walkers=8, steps=40, progress=False)
    before = (run / "corner.png").read_bytes()
    drawn: list[Any] = []
    original = g2fit.io.figures.corner_plot

    def spy(samples: dict[str, Any], truths: Any, title: str) -> bytes:
        drawn.append((samples, truths, title))
        return original(samples, truths, title)

    monkeypatch.setattr(g2fit.io.figures, "corner_plot", spy)
    report = run_fit(load_scenario("paper-2021"), run, n_profile=3, n_profile_2d=2)
    assert report.corner == run / "corner.png"
    samples, truths, title = drawn[0]
    assert truths == report.document["best_fit"]
    assert len(samples["m_L"]) == 8 * 2  # walkers x kept steps (10 and 30: burn 10, thin 20)
    assert title == f"paper-2021: {len(samples['m_L'])} samples"
    assert (run / "corner.png").read_bytes() != before


def test_fit_without_a_posterior_draws_no_corner_plot(tmp_path: Path) -> None:
    report = run_fit(load_scenario("paper-2021"), tmp_path, n_profile=3, n_profile_2d=2)
    assert report.corner is None
    assert not (tmp_path / "corner.png").exists()
