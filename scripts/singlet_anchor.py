"""The low-mass anchor of the emulated ATLAS doublet limit: the theory cross section of a
vector-like SU(2) singlet E at ATLAS's mu-singlet mass limit (arXiv:2411.07143, 400 GeV), 13 TeV.

sigma = K(m) x sigma_LO,singlet(m): the leading order of g2fit.collider.drell_yan (photon and Z,
singlet couplings) over a PDF set, times the doublet's K-factor at the same mass (the NLO+NNLL
sum of data/cross_sections/ over the same set's leading order: Drell-Yan K-factors depend on
the mass, not on the electroweak couplings). Prints the number data/lhc.toml records.

    python scripts/singlet_anchor.py --pdf ../shared/pdf/CT14qed_proton [--mass 400]
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import numpy as np

from g2fit.collider.drell_yan import CHANNELS, SINGLET, hadronic_cross_sections
from g2fit.collider.pdf_grid import open_grid

NLO = (
    Path(__file__).resolve().parents[1] / "data" / "cross_sections" / "doublet_13tev_nlo_nnll.toml"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pdf", type=Path, required=True, help="an LHAPDF lhagrid1 set folder")
    parser.add_argument("--mass", type=float, default=400.0, help="GeV (default 400)")
    args = parser.parse_args()
    entry = tomllib.loads(NLO.read_text())["doublet_13tev_nlo_nnll"]
    nlo = float(np.exp(np.interp(args.mass, entry["masses"], np.log(entry["sigma"]))))
    lo = hadronic_cross_sections(
        open_grid(args.pdf), [args.mass], 13000.0, channels=(*CHANNELS, SINGLET)
    )
    k_factor = nlo / sum(float(lo[c][0]) for c in CHANNELS)
    singlet = float(lo[SINGLET][0])
    print(
        f"m = {args.mass:g} GeV, 13 TeV, {args.pdf.name}: LO singlet {singlet:.4g} fb, "
        f"doublet K-factor {k_factor:.4f}, singlet sigma {k_factor * singlet:.4g} fb"
    )


if __name__ == "__main__":
    main()
