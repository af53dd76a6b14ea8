"""The corner plot's titles do not overlap (issue 17): each panel's title fits over its panel,
and the figure's title lies above them all, inside the figure."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import g2fit.io.figures
from g2fit.io.figures import corner_plot


def test_corner_titles_fit_their_panels(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[Any] = []
    monkeypatch.setattr(g2fit.io.figures, "figure_png", lambda figure: drawn.append(figure) or b"")
    rng = np.random.default_rng(0)
    samples = {
        "m_L": 10 ** rng.normal(3.1, 0.3, 2000),
        "m_S": 10 ** rng.normal(2.7, 0.25, 2000),
        "Y_L": rng.normal(0.5234, 0.1234, 2000),
        "Y_Vp": rng.normal(-0.001234, 0.0003312, 2000),
    }
    corner_plot(samples, None, "current: 2000 samples")
    figure = drawn[0]
    renderer = figure.canvas.get_renderer()
    titled = [axis for axis in figure.axes if axis.get_title()]
    assert len(titled) == len(samples)
    top = figure.get_window_extent(renderer).y1
    heading = figure._suptitle.get_window_extent(renderer)
    assert heading.y1 <= top
    for axis in titled:
        title, panel = axis.title.get_window_extent(renderer), axis.get_window_extent(renderer)
        assert title.width <= panel.width, axis.get_title()
        assert title.y1 < heading.y0, axis.get_title()
