"""The robustness figure of a grid: one panel per quantity, each member a dot at its value, on
the row of its choice on the axis that moves the quantity most; thresholds of the
conclusions dashed."""

from __future__ import annotations

import math
from typing import Any

from g2fit.config.grids import Grid
from g2fit.io.figures import figure_png

#: Where a member without an upper limit is drawn, relative to the largest finite limit.
NO_LIMIT_FACTOR = 1.15
#: matplotlib's default colour cycle (C0, C1, ...), named for the panels' legends.
COLOUR_NAMES = ("blue", "orange", "green", "red", "purple", "brown", "pink", "grey")


def robustness_figure(summary: dict[str, Any], grid: Grid) -> bytes:
    """PNG bytes: the spread of every quantity over the grid, by its most influential axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quantities = summary["quantities"]
    thresholds = {c["quantity"]: c for c in summary["conclusions"]}
    rows = max(len(quantities), 1)
    figure, panels = plt.subplots(rows, 1, figsize=(8, 1.0 + 1.1 * rows), squeeze=False)
    for panel, (name, q) in zip(panels[:, 0], quantities.items(), strict=False):
        axis_name = q["moved_most_by"]
        labels = (
            list(next(a for a in grid.axes if a.name == axis_name).choices) if axis_name else [""]
        )
        values = q["values"]
        second = _second_axis(q)
        colours = list(next(a for a in grid.axes if a.name == second).choices) if second else []
        finite = [v for v in values.values() if math.isfinite(v)]
        top = max(finite) * NO_LIMIT_FACTOR if finite else 1.0
        for key, value in values.items():
            label = grid.member(key).choices[axis_name] if axis_name else ""
            x = value if math.isfinite(value) else top
            marker = "o" if math.isfinite(value) else ">"
            shade = colours.index(grid.member(key).choices[second]) if second else 0
            colour = f"C{shade % len(COLOUR_NAMES)}"
            panel.plot(x, labels.index(label), marker, color=colour, alpha=0.6, markersize=5)
        conclusion = thresholds.get(name)
        if conclusion is not None and math.isfinite(conclusion["threshold"]):
            panel.axvline(conclusion["threshold"], color="0.4", linestyle="--", linewidth=0.8)
        panel.set_yticks(range(len(labels)), [f"{axis_name}={lab}" for lab in labels], fontsize=7)
        panel.set_ylim(-0.6, len(labels) - 0.4)
        legend = (
            f"; colour: {second} = " + ", ".join(f"{c} (C{i})" for i, c in enumerate(colours))
            if second
            else ""
        )
        panel.set_title(
            name + ("  (> : no limit)" if len(finite) < len(values) else "") + legend,
            fontsize=8,
            loc="left",
        )
        panel.tick_params(axis="x", labelsize=7)
        if name.startswith("excluded by"):
            panel.set_xlim(-0.02, 1.02)
    figure.suptitle(f"grid {summary['grid']}: {summary['members']} scenarios", fontsize=9)
    figure.tight_layout()
    return figure_png(figure)


def _second_axis(quantity: dict[str, Any]) -> str | None:
    """The axis that moves the quantity most after the first (its dots' colour), if any."""
    ranked = sorted(
        (e["effect"], a)
        for a, e in quantity["effects"].items()
        if a != quantity["moved_most_by"] and e["effect"] > 0
    )
    return ranked[-1][1] if ranked else None
