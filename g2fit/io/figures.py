"""Figures as PNG bytes: the corner plot of a posterior, the planes (Figs. 5/6), the loop
integrand (Fig. 2) and the scenario comparison."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from g2fit.inference.plane import Plane

MASS_LABELS = {"m_L": r"$\log_{10}(m_L/\mathrm{GeV})$", "m_S": r"$\log_{10}(m_S/\mathrm{GeV})$"}
LABELS = {"Y_L": r"$Y_L$", "Y_R": r"$Y_R$", "Y_V": r"$Y_V$", "Y_Vp": r"$Y'_V$"}


def figure_png(figure: Any, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, closed afterwards."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


#: Font size (points) of the panels' titles: at corner's default they overlap their neighbours.
CORNER_TITLE_SIZE = 8


def corner_plot(
    samples: dict[str, np.ndarray], truths: dict[str, float] | None, title: str
) -> bytes:
    """Corner plot of the free parameters (masses as log10), truths at the best fit if given,
    as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import corner

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
        title_kwargs={"fontsize": CORNER_TITLE_SIZE},
        levels=(0.68, 0.95),
    )
    figure.subplots_adjust(top=0.93)  # room for the title above the panels' own titles
    figure.suptitle(title, fontsize=10, y=0.985)
    return figure_png(figure)


REGION_STYLE = {
    "gray": ("#9e9e9e", r"$Y_L Y_R > 1$"),
    "red": ("#d62728", "EW bounds (eq. 17) with $|Y| \\leq 1$"),
    "lhc": ("#2ca02c", "LHC doublet search"),
}
FUTURE_STYLE = {
    "ilc": ("#ff7f0e", "-.", r"$W \to e/\mu + \nu$ (ILC) reach"),
    "gigaz": ("#9467bd", "--", "GigaZ reach"),
    "hl-lhc": ("#17becf", ":", "HL-LHC reach"),
    "hl-lhc-tau-philic": ("#17becf", ":", r"HL-LHC reach ($\tau$-philic, the paper's)"),
    "cepc": ("#8c564b", "--", "CEPC reach"),
    "fcc-ee": ("#e377c2", "--", "FCC-ee reach"),
    "lepton-colliders": ("#1f1f1f", "-", "ILC + GigaZ reach"),
}


def _cutoff_label(cutoff: float) -> str:
    """Lambda for a legend: 10^k GeV for a power of ten, else the number."""
    exponent = math.log10(cutoff)
    if exponent.is_integer():
        k = int(exponent)
        return f"10^{k}" if 0 <= k < 10 else f"10^{{{k}}}"
    return f"{cutoff:g}"


def _draw_regions(axis: Any, plane: Plane, handles: list[Any]) -> None:
    """Shaded regions excluded today, the Delta a_mu band, and the tau line."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    m_L, m_S, masks = plane.m_L, plane.m_S, plane.masks
    for name, (color, label) in REGION_STYLE.items():
        mask = masks[name].astype(float)
        if mask.any():
            axis.contourf(m_L, m_S, mask, levels=[0.5, 1.5], colors=[color], alpha=0.45)
        handles.append(Patch(color=color, alpha=0.45, label=label))
    if "band" in masks:
        axis.contourf(
            m_L, m_S, masks["band"].astype(float), levels=[0.5, 1.5], colors=["#1f77b4"], alpha=0.35
        )
        handles.append(Patch(color="#1f77b4", alpha=0.35, label=r"$\Delta a_\mu$ within $1\sigma$"))
    tau = (masks["tau"] | masks["gray"]).astype(float)
    if 0 < tau.mean() < 1:
        axis.contour(m_L, m_S, tau, levels=[0.5], colors=["#d62728"], linestyles="--")
        handles.append(
            Line2D([], [], color="#d62728", ls="--", label=r"$\tau$ universality (eq. 18)")
        )


def _draw_contours(axis: Any, plane: Plane, handles: list[Any]) -> None:
    """The Delta m_mu/m_mu contours, where a split of Y_L Y_R exists at all."""
    from matplotlib.lines import Line2D

    levels = sorted(plane.spec.contours)
    if not levels:
        return
    # Beyond the gray edge, Y_L Y_R and the shift run off to infinity.
    shift = np.where(plane.masks["gray"], np.nan, plane.fields["delta_mmu_over_mmu"])
    lines = axis.contour(
        plane.m_L, plane.m_S, shift, levels=levels, colors="k", linestyles="--", linewidths=0.8
    )
    axis.clabel(lines, fmt="%g", fontsize=8)
    cutoff = _cutoff_label(plane.scenario.cutoff)
    label = rf"$\Delta m_\mu/m_\mu$ ($\Lambda = {cutoff}$ GeV)"
    handles.append(Line2D([], [], color="k", ls="--", lw=0.8, label=label))


def _draw_futures(axis: Any, plane: Plane, handles: list[Any]) -> None:
    """Each future's own reach, as the paper draws its lines."""
    from matplotlib.lines import Line2D

    for future, (color, style, label) in FUTURE_STYLE.items():
        key = f"reach_{future}"
        if key not in plane.masks:
            continue
        covered = plane.masks[key].astype(float)
        if 0 < covered.mean() < 1:
            axis.contour(
                plane.m_L,
                plane.m_S,
                covered,
                levels=[0.5],
                colors=[color],
                linestyles=style,
                linewidths=1.6,
            )
        handles.append(Line2D([], [], color=color, ls=style, lw=1.6, label=label))


def plane_figure(plane: Plane) -> bytes:
    """Figs. 5/6: shaded regions, the tau line, Delta m_mu/m_mu contours, future lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(10.0, 6.0))
    handles: list[Any] = []
    _draw_regions(axis, plane, handles)
    _draw_contours(axis, plane, handles)
    _draw_futures(axis, plane, handles)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel(r"$m_L$ [GeV]")
    axis.set_ylabel(r"$m_S$ [GeV]")
    axis.set_title(plane.spec.description, fontsize=8, wrap=True)
    axis.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    return figure_png(figure)


def integrand_figure(
    u: np.ndarray, values: np.ndarray, ratio: float, integral: float, magnitude: float
) -> bytes:
    """Fig. 2: u f'(u), the integrand of eq. 7 per unit log u, with m_L = ratio m_S, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7.0, 4.5))
    axis.plot(u, values, color="#1f77b4")
    axis.axhline(0.0, color="k", lw=0.6)
    for position, label in ((1.0, r"$m_S^2$"), (ratio**2, r"$m_L^2$")):
        axis.axvline(position, color="gray", ls=":", lw=0.8)
        axis.text(position, axis.get_ylim()[1] * 0.9, label, ha="center", fontsize=9)
    axis.set_xscale("log")
    axis.set_xlabel(r"$u = k^2$ [$m_S^2$]")
    axis.set_ylabel(r"$u\, f'(u)$ [$m_S^{-2}$]")
    axis.set_title(
        rf"Loop integrand of eq. 7, $m_L = {ratio:g}\, m_S$: "
        rf"$\int du\, f'(u) = {integral:.1e}\, m_S^{{-2}}$ "
        rf"(vs $\int du\, |f'| = {magnitude:.3g}\, m_S^{{-2}}$)",
        fontsize=9,
    )
    figure.tight_layout()
    return figure_png(figure)


def comparison_figure(document: dict[str, Any]) -> bytes:
    """Scenarios side by side: mass intervals and limits (left), excluded fractions (right),
    as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    rows: dict[str, dict[str, Any]] = document["scenarios"]
    names = list(rows)
    labels = [
        name if rows[name]["convergence"]["converged"] else f"{name}\n(NOT CONVERGED)"
        for name in names
    ]
    height = 4.8 + 0.35 * max(len(names) - 3, 0)  # room for the labels and legends
    figure, (left, right) = plt.subplots(1, 2, figsize=(12.0, height))
    for offset, (mass, color) in enumerate((("m_L", "#1f77b4"), ("m_S", "#ff7f0e"))):
        y = np.arange(len(names)) + 0.15 * (1 - 2 * offset)
        median = np.array([rows[n][mass]["median"] for n in names])
        low = np.array([rows[n][mass]["low95"] for n in names])
        high = np.array([rows[n][mass]["high95"] for n in names])
        left.errorbar(
            median,
            y,
            xerr=[median - low, high - median],
            fmt="o",
            color=color,
            capsize=3,
            label=f"${mass[0]}_{mass[2]}$: posterior median, 95% interval",
        )
        limits = [rows[n]["upper_limits_95"].get(mass) for n in names]
        marks = [(v, yy) for v, yy in zip(limits, y, strict=True) if v is not None]
        if marks:
            left.scatter(
                *zip(*marks, strict=True),
                marker="|",
                s=200,
                color=color,
                label=f"${mass[0]}_{mass[2]}$: profile-likelihood 95% CL upper limit",
            )
    left.set_xscale("log")
    left.xaxis.set_minor_formatter(NullFormatter())
    left.set_xticks(
        [100, 200, 500, 1000, 2000, 5000], ["100", "200", "500", "1000", "2000", "5000"]
    )
    left.set_yticks(range(len(names)), labels)
    left.set_ylim(-0.6, len(names) - 0.4)
    left.set_xlabel("mass [GeV]")
    left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    _fraction_bars(right, rows, labels)
    figure.tight_layout()
    return figure_png(figure)


def _fraction_bars(axis: Any, rows: dict[str, dict[str, Any]], labels: list[str]) -> None:
    """The excluded fraction of each scenario's posterior, per future, with its MC error."""
    names = list(rows)
    futures = list(rows[names[0]]["excluded_fraction"])
    width = 0.8 / len(names)
    import matplotlib.pyplot as plt

    palette = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    colors = [palette(i % palette.N) for i in range(len(names))]
    for i, (name, label) in enumerate(zip(names, labels, strict=True)):
        x = np.arange(len(futures)) + (i - (len(names) - 1) / 2) * width
        fractions = [rows[name]["excluded_fraction"][f] for f in futures]
        errors = [rows[name]["mc_error"][f] for f in futures]
        axis.bar(
            x,
            fractions,
            width,
            yerr=errors,
            capsize=2,
            color=colors[i],
            label=label.replace("\n", " "),
        )
    axis.set_xticks(range(len(futures)), futures, rotation=30, ha="right")
    axis.set_ylabel("excluded fraction of the posterior (95% CL)")
    axis.set_ylim(0, 1.05)
    axis.legend(
        fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=min(len(names), 3)
    )
