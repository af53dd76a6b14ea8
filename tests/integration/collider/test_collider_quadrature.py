"""The quadrature of g2fit.collider.drell_yan on the real grids: its default nodes (96, 64)
against (256, 192) (which agree with (512, 384) to 2e-6), and the stored table against a
fresh computation."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import numpy as np
import pytest

from g2fit.collider.drell_yan import CHANNELS, hadronic_cross_sections
from g2fit.collider.lo_table import table_name
from g2fit.collider.pdf_grid import PdfGrid, open_grid

ROOT = Path(__file__).resolve().parents[3]
PDF = ROOT / ".." / "shared" / "pdf"
pytestmark = pytest.mark.skipif(
    not PDF.is_dir(), reason="PDF grids are developer/CI data at ../shared/pdf, not shipped"
)
MASSES = np.array([100.0, 1000.0, 2000.0, 3000.0, 5000.0])


@functools.cache
def grid(name: str) -> PdfGrid:
    return open_grid(PDF / name)


@pytest.mark.parametrize("name", ["NNPDF31_nlo_as_0118_luxqed", "CT14qed_proton"])
@pytest.mark.parametrize(("sqrt_s", "factor"), [(13000.0, 1.0), (14000.0, 0.5)])
def test_default_nodes_are_converged_to_1e_4(name: str, sqrt_s: float, factor: float) -> None:
    """Measured: 5e-5 at most (NNPDF3.1, whose negative densities, set to zero, leave kinks)."""
    default = hadronic_cross_sections(grid(name), MASSES, sqrt_s, factor)
    fine = hadronic_cross_sections(grid(name), MASSES, sqrt_s, factor, nodes=(256, 192))
    for channel in CHANNELS:
        np.testing.assert_allclose(default[channel], fine[channel], rtol=1e-4)


@pytest.mark.parametrize(
    ("name", "sqrt_s", "factor"),
    [("NNPDF31_nlo_as_0118_luxqed", 13000.0, 1.0), ("CT14qed_proton", 14000.0, 0.5)],
)
def test_the_stored_table_is_what_the_code_computes(
    name: str, sqrt_s: float, factor: float
) -> None:
    with (ROOT / "data" / "cross_sections" / "doublet_lo.toml").open("rb") as handle:
        entry = tomllib.load(handle)[table_name(name, factor, sqrt_s)]
    pick = [0, 36, 76, 86, 106]  # 100, 1000, 2000, 3000, 5000 GeV
    masses = np.array(entry["masses"])[pick]
    np.testing.assert_array_equal(masses, MASSES)
    fresh = hadronic_cross_sections(grid(name), masses, sqrt_s, factor)
    for channel in CHANNELS:
        np.testing.assert_allclose(np.array(entry[channel])[pick], fresh[channel], rtol=1e-6)
