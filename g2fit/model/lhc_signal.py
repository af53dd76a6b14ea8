"""What the LHC's doublet searches see of a model point: the heavy leptons' pair cross
section, and the part of it that decays as those searches assume.

Pairs are produced through the doublet content of the mass eigenstates: E+E- (gamma, Z),
E N_i (W) and N_i N_j (Z) for both heavy neutral states, each with the pure doublet's
cross section (g2fit.model.cross_sections) at the pair's mean mass, times the squared
coupling of its vertex relative to the pure doublet's (w_EN_i, z_ij of
g2fit.model.decays.spectrum; the E E Z coupling's small change is neglected, as is the
difference between vector and axial thresholds). For the pure doublet this is the table's
sum; with m_S < m_L and a large Y_V, the light, singlet-like state is produced through its
doublet admixture.

A pair counts for a doublet search only when both members decay to a muon or neutrino and a
boson (g2fit.model.decays.SM_CHANNELS):

    sigma_covered = sum over pairs (X, Y) of sigma_XY BR_X BR_Y

The rest cascades (E -> N W, N -> N' Z, N' h, E W) into final states no doublet search was
designed for: as a recasting tool such as SModelS does, a limit is applied only to the
topologies it constrains, and the rest is reported as not covered (`lhc_uncovered_share`).
A neutral state lighter than m_W has no open two-body decay: it decays promptly through an
off-shell W or Z to a muon or neutrino and a fermion pair, the searches' final state with a
soft boson, and counts as decaying as they assume (with a sizable doublet admixture such a
light state is pair produced far above the limit; LEP's searches for heavy neutral leptons,
not in g2fit, cover it too).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from g2fit.model.constants import Constants
from g2fit.model.cross_sections import ENERGIES_GEV, PairCrossSections
from g2fit.model.decays import branching_to_sm, decay_observables, spectrum_in_range
from g2fit.model.mass_basis import ModelPoint

FloatArray = NDArray[np.float64]

#: The keys of `lhc_signals`, with their meaning (cross sections in fb).
LHC_OBSERVABLES: dict[str, str] = {
    "sigma_pair_13": "sigma(pp -> E+E-, E N, N Nbar) at 13 TeV, every heavy neutral state (fb)",
    "sigma_covered_13": "its part where both heavy leptons decay as the searches assume (fb)",
    "sigma_pair_14": "sigma(pp -> E+E-, E N, N Nbar) at 14 TeV, every heavy neutral state (fb)",
    "sigma_covered_14": "its part where both decay as the doublet searches assume (fb)",
    "lhc_uncovered_share": "1 - sigma_covered_13/sigma_pair_13: share no doublet search covers",
}
#: Per produced pair (the six of `_pairs`, along a leading axis of length 6): the pair's mean
#: mass (GeV) and its covered cross section (fb), for limits that depend on the mass.
LHC_PAIR_OBSERVABLES: dict[str, str] = {
    "lhc_pair_masses": "mean mass of each produced pair (GeV), shape (6, n)",
    "lhc_pairs_covered_13": "covered cross section of each pair at 13 TeV (fb), shape (6, n)",
    "lhc_pairs_covered_14": "covered cross section of each pair at 14 TeV (fb), shape (6, n)",
}
_ENERGIES = {f"{energy / 1000:g}": energy for energy in ENERGIES_GEV}


def _pairs(values: dict[str, FloatArray]) -> list[tuple[str, FloatArray, FloatArray, str, str]]:
    """(channel, mass, weight, first state, second state) of every produced pair."""
    m = {"E": values["m_E"], "N1": values["m_N1"], "N2": values["m_N2"]}
    pairs = [("EE", m["E"], np.ones_like(m["E"]), "E", "E")]
    for i in ("1", "2"):
        pairs.append(("EN", 0.5 * (m["E"] + m["N" + i]), values["w_EN" + i], "E", "N" + i))
    for i, j in (("1", "1"), ("1", "2"), ("2", "2")):
        both_orders = 1.0 if i == j else 2.0  # N_i N_j-bar and N_j N_i-bar
        mass = 0.5 * (m["N" + i] + m["N" + j])
        pairs.append(("NN", mass, both_orders * values[f"z_{i}{j}"], "N" + i, "N" + j))
    return pairs


def lhc_signals(
    point: ModelPoint,
    constants: Constants,
    table: PairCrossSections,
    wanted: frozenset[str] | None = None,
) -> dict[str, FloatArray]:
    """LHC_OBSERVABLES and LHC_PAIR_OBSERVABLES (those `wanted`; if None, all and
    g2fit.model.decays' DECAY_OBSERVABLES, from the same diagonalization) at model points
    (masses in GeV); nan where m_L lies outside the table's masses."""
    every = wanted is None
    known = set(LHC_OBSERVABLES) | set(LHC_PAIR_OBSERVABLES)
    wanted = frozenset(known) if wanted is None else wanted & known
    if not wanted:
        return {}
    values, inside = spectrum_in_range(*point, constants)
    low, high = table.mass_range
    m_L = np.broadcast_to(np.asarray(point[0], dtype=float), inside.shape)
    # 1e-9: a prior's edge, 10^log10(5000), may round a hair beyond the table's end
    in_table = inside & (m_L >= low * (1 - 1e-9)) & (m_L <= high * (1 + 1e-9))
    # nan: no open two-body decay (below m_W): the three-body decay to the same final state
    ratios = {state: np.nan_to_num(r, nan=1.0) for state, r in branching_to_sm(values).items()}
    pairs = _pairs(values)
    out: dict[str, FloatArray] = {}
    for label, sqrt_s in _ENERGIES.items():
        needed = {f"sigma_pair_{label}", f"sigma_covered_{label}", f"lhc_pairs_covered_{label}"}
        if label == "13":
            needed.add("lhc_uncovered_share")
        if not wanted & needed:
            continue
        sigma = np.stack([table.at(c, m, sqrt_s) * w for c, m, w, _, _ in pairs])
        both = np.stack([ratios[first] * ratios[second] for _, _, _, first, second in pairs])
        out[f"lhc_pairs_covered_{label}"] = sigma * both
        out[f"sigma_pair_{label}"] = sigma.sum(axis=0)
        out[f"sigma_covered_{label}"] = out[f"lhc_pairs_covered_{label}"].sum(axis=0)
    if "lhc_uncovered_share" in wanted:
        out["lhc_uncovered_share"] = 1.0 - out["sigma_covered_13"] / out["sigma_pair_13"]
    out["lhc_pair_masses"] = np.stack([mass for _, mass, _, _, _ in pairs])
    out = {name: np.where(in_table, out[name], np.nan) for name in sorted(known) if name in wanted}
    return {**decay_observables(values, inside), **out} if every else out
