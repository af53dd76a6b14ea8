"""Figures: the corner plot of a posterior (more figures come with `plane` and `integrand`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from g2fit.files import replace_atomic

MASS_LABELS = {"m_L": r"$\log_{10}(m_L/\mathrm{GeV})$", "m_S": r"$\log_{10}(m_S/\mathrm{GeV})$"}
LABELS = {"Y_L": r"$Y_L$", "Y_R": r"$Y_R$", "Y_V": r"$Y_V$", "Y_Vp": r"$Y'_V$"}


def save_figure(figure: object, path: Path, dpi: int = 110) -> None:
    """Save a matplotlib figure atomically (temporary file, then rename)."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        figure.savefig(temporary, dpi=dpi)  # type: ignore[attr-defined]
        replace_atomic(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def corner_plot(
    samples: dict[str, np.ndarray], truths: dict[str, float] | None, path: Path, title: str
) -> None:
    """Corner plot of the free parameters (masses as log10), truths at the best fit if given."""
    import matplotlib

    matplotlib.use("Agg")
    import corner
    import matplotlib.pyplot as plt

    names = list(samples)
    columns, labels, marks = [], [], []
    for name in names:
        is_mass = name in MASS_LABELS
        columns.append(np.log10(samples[name]) if is_mass else samples[name])
        labels.append(MASS_LABELS.get(name) or LABELS.get(name, name))
        truth = None if truths is None else truths.get(name)
        marks.append(None if truth is None else (np.log10(truth) if is_mass else truth))
    figure = corner.corner(
        np.column_stack(columns),
        labels=labels,
        truths=marks if any(m is not None for m in marks) else None,
        quantiles=[0.16, 0.5, 0.84],
        show_titles=True,
        title_fmt=".3g",
        levels=(0.68, 0.95),
    )
    figure.suptitle(title, fontsize=10, y=1.0)
    save_figure(figure, path)
    plt.close(figure)
