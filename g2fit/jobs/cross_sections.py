"""The `cross-sections` job: the doublet's pair-production cross sections per channel."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from g2fit import __version__
from g2fit.config.cross_sections import load_cross_sections
from g2fit.model.cross_sections import CHANNELS


def cross_section_rows(masses: Sequence[float], energies: Sequence[float]) -> list[dict[str, Any]]:
    """One row per (mass GeV, sqrt_s GeV): sigma per channel and total (fb), and the relative
    uncertainty of sigma(sqrt_s) / sigma(13 TeV) (PDF sets and scale)."""
    table = load_cross_sections()
    array = table.check_masses(np.asarray(masses, dtype=float), "argument --masses: m")
    rows = []
    for sqrt_s in energies:
        table.check_energy(sqrt_s, "argument --sqrt-s")
        sigma = {c: table.sigma(array, sqrt_s, c) for c in CHANNELS}
        uncertainty = np.interp(array, table.masses, table.ratio_uncertainty[sqrt_s])
        for i, mass in enumerate(array):
            row: dict[str, Any] = {"mass": float(mass), "sqrt_s": float(sqrt_s)}
            row |= {c: float(sigma[c][i]) for c in CHANNELS}
            row["total"] = sum(row[c] for c in CHANNELS)
            row["ratio_uncertainty"] = float(uncertainty[i])
            rows.append(row)
    return rows


def format_rows(rows: list[dict[str, Any]], as_json: bool) -> str:
    """A table (fb), or JSON with the table's provenance."""
    if as_json:
        provenance = load_cross_sections().provenance
        document = {"g2fit_version": __version__, "provenance": provenance, "rows": rows}
        return json.dumps(document, indent=2, sort_keys=True)
    header = f"{'m [GeV]':>8} {'sqrt(s)':>8} " + " ".join(f"{c + ' [fb]':>11}" for c in CHANNELS)
    lines = [f"{header} {'total [fb]':>11} {'ratio unc.':>10}"]
    for r in rows:
        cells = " ".join(f"{r[c]:>11.4g}" for c in (*CHANNELS, "total"))
        lines.append(f"{r['mass']:>8g} {r['sqrt_s']:>8g} {cells} {r['ratio_uncertainty']:>10.1%}")
    lines.append(
        "13 TeV: NLO+NNLL (LHC SUSY WG higgsino sum) split by leading order; other energies: "
        "times the leading-order ratio (its uncertainty: PDF sets and scale)"
    )
    return "\n".join(lines)
