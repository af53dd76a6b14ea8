"""The `validity` figure: exact / eq. 12 of Delta a_mu over the (m_L, m_S) plane, as PNG."""

from __future__ import annotations

from typing import Any

import numpy as np

from g2fit.io.figures import figure_png

#: Contours drawn: eq. 12 off by 1 %, 5 % and 20 % either way.
LEVELS = (0.8, 0.95, 0.99, 1.01, 1.05, 1.2)
TITLES = {
    "one_loop": "whole one loop (exact) / eq. 12",
    "chiral": "chirally enhanced part (exact) / eq. 12",
}


def validity_figure(
    m_L: np.ndarray, m_S: np.ndarray, ratios: dict[str, np.ndarray], couplings: dict[str, float]
) -> bytes:
    """Two panels (whole one-loop, chiral part), rows m_S, columns m_L (GeV)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12.0, 5.0), sharey=True)
    mesh: Any = None
    for axis, (name, ratio) in zip(axes, ratios.items(), strict=True):
        mesh = axis.pcolormesh(
            m_L, m_S, np.clip(ratio, 0.5, 1.5), cmap="RdBu_r", vmin=0.5, vmax=1.5, shading="auto"
        )
        lines = axis.contour(m_L, m_S, ratio, levels=LEVELS, colors="k", linewidths=0.7)
        axis.clabel(lines, fmt="%.2f", fontsize=7)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(r"$m_L$ [GeV]")
        axis.set_title(TITLES[name], fontsize=9)
    axes[0].set_ylabel(r"$m_S$ [GeV]")
    figure.colorbar(mesh, ax=axes, label="ratio (clipped to [0.5, 1.5])")
    text = ", ".join(f"{k} = {v:g}" for k, v in couplings.items())
    figure.suptitle(f"Where eq. 12 holds: {text}", fontsize=10)
    return figure_png(figure)
