"""The leading-order 14/13 TeV ratio of the W-mediated channel (EN) against the published
NLO+NLL ratio of wino chargino-neutralino production, also W-mediated with vector couplings,
so the same function of mass at leading order (the normalization cancels).

13 TeV: github.com/fuenfundachtzig/xsec @ 11348d204d3bde4daeb8d691b544116c439bd945,
json/pp13_winopm_C1N2_NLO+NLL.json (pb; TWiki SUSYCrossSections13TeVn2x1wino).
14 TeV: github.com/OSU-CMS/DisappTrks, SignalMC/python/signalCrossSecs14TeV.py, the
chargino_neutralino_cross_sections block (pb; TWiki SUSYCrossSections14TeVn2x1wino), read at
commit 4a4a20e4625085551a7a180b3e728fa726d25522 (the stored version; the numbers are those of
942f2cce2a130cc2f1a1522356587b4d0277a4e0 named in ../shared/COLLIDER.md). Its x1x1wino block,
a copy of the 13 TeV one, is not used. The 14 TeV numbers carry 3-5 digits (1.83e-3 pb at
1 TeV: +-0.3 %).

Measured (ours / published - 1), 100-1100 GeV: NNPDF3.1 -0.4 % to -3.1 %, CT14qed -0.4 % to
-2.6 % at mu_F = sqrt(s-hat); -0.04 % to -3.6 % over the three scales. The leading order
is systematically a little below (as ../shared/COLLIDER.md found, 1-3.5 %); asserted: within
-3.5 % and +0.5 % at the central scale, within 4 % at the others.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from g2fit.collider.drell_yan import hadronic_cross_sections
from g2fit.collider.pdf_grid import open_grid

PDF = Path(__file__).resolve().parents[3] / ".." / "shared" / "pdf"
pytestmark = pytest.mark.skipif(
    not PDF.is_dir(), reason="PDF grids are developer/CI data at ../shared/pdf, not shipped"
)

#: mass (GeV): (13 TeV, 14 TeV) wino C1+-N2 NLO+NLL, pb (module docstring).
WINO = {
    100.0: (22.67, 25.134),
    200.0: (1.8074, 2.0596),
    300.0: (0.38694, 0.45145),
    400.0: (0.12101, 0.14426),
    500.0: (0.046353, 0.05642),
    600.0: (0.020137, 0.02505),
    700.0: (0.0095103, 0.01211),
    800.0: (0.0047584, 0.00619),
    900.0: (0.0024967, 0.0033),
    1000.0: (0.0013435, 0.00183),
    1100.0: (0.00074037, 0.00104),
}


@pytest.mark.parametrize("name", ["NNPDF31_nlo_as_0118_luxqed", "CT14qed_proton"])
def test_en_ratio_against_the_wino_ratio(name: str) -> None:
    grid = open_grid(PDF / name)
    masses = np.array(list(WINO))
    published = np.array([b / a for a, b in WINO.values()])
    for factor in (1.0, 2.0, 0.5):
        ratio = (
            hadronic_cross_sections(grid, masses, 14000.0, factor)["EN"]
            / hadronic_cross_sections(grid, masses, 13000.0, factor)["EN"]
        )
        deviation = ratio / published - 1
        if factor == 1.0:
            assert np.all((deviation > -0.035) & (deviation < 0.005)), deviation
        assert np.all(np.abs(deviation) < 0.04), (factor, deviation)
