"""The exact one-loop mode: Delta a_mu and the W, Z couplings from the mass eigenstates.

Delta a_mu at one loop is the sum of the W (neutral fermions), Z and h (charged fermions)
loops of `one_loop` in unitary gauge over every mass eigenstate, minus the same sum in the
SM. Its chirally enhanced part, from the heavy states, is what eq. 12 of arXiv:2106.01373
approximates; the rest conserves chirality and falls like 1/M^2. The couplings of the muon
and its neutrino are those of the mixing matrices at all orders (eq. 16 is their leading term).
The inputs are the measured m_W, m_Z, m_mu and Fermi constant G_mu, as for the SM
prediction: v = 174.10 GeV comes from G_mu, but the model shifts the muon's W coupling, so
that G_mu = (1 + dgL_W) / (2 sqrt(2) v0^2) with v0 the model's vev. Everything is computed at
v0 = v sqrt(1 + dgL_W), dgL_W taken at v (one fixed-point step: the mismatch left is
O(dgL_W^2)). Taking v0 = v instead would move the chirality-conserving part by about
-dgL_W times the SM's 1.9e-9, as much as its own size.
`goldstone_decomposition` evaluates the same sum with the longitudinal W and Z replaced by
Goldstone loops whose couplings come from the Yukawa Lagrangian (a test of the Ward identity).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from g2fit.model.constants import Constants
from g2fit.model.mass_basis import MassBasis, ModelPoint, g_mu_vev, mass_basis
from g2fit.model.one_loop import loop_parts

FloatArray = NDArray[np.float64]

#: The keys `exact_observables` returns.
EXACT_KEYS = ("delta_amu_one_loop", "delta_amu_chiral", "dgL_W", "dgL_Znu", "dgR_Zmu")


def _loops(basis: MassBasis, constants: Constants) -> FloatArray:
    """a_mu from the W, Z and h loops over every mass eigenstate (unitary gauge)."""
    k = constants
    total = np.zeros(basis.charged_masses.shape[:-1])
    for kind, couplings, masses, boson in (
        ("vector_charged", basis.W, basis.neutral_masses, k.m_W),
        ("vector_neutral", basis.Z, basis.charged_masses, k.m_Z),
        ("scalar_neutral", basis.h, basis.charged_masses, k.m_h),
    ):
        conserving, enhanced = loop_parts(kind, *couplings, masses, boson, k.m_mu)
        total += conserving + enhanced
    return total


@functools.lru_cache(maxsize=16)
def sm_one_loop(constants: Constants) -> float:
    """a_mu of the SM at one loop from W, Z and h (no new leptons), same formulas."""
    k = constants
    g = math.sqrt(2.0) * k.m_W / k.v
    g_Z = math.sqrt(2.0) * k.m_Z / k.v
    y = -k.m_mu / (math.sqrt(2.0) * k.v)
    one = np.ones(1)
    parts = (
        loop_parts("vector_charged", g / math.sqrt(2) * one, 0 * one, 0 * one, k.m_W, k.m_mu),
        loop_parts(
            "vector_neutral",
            g_Z * (-0.5 + k.sin2_theta_W) * one,
            g_Z * k.sin2_theta_W * one,
            k.m_mu * one,
            k.m_Z,
            k.m_mu,
        ),
        loop_parts("scalar_neutral", y * one, y * one, k.m_mu * one, k.m_h, k.m_mu),
    )
    return float(sum(float(a + b) for a, b in parts))


def exact_observables(
    point: ModelPoint,
    constants: Constants,
    chiral: bool = True,
) -> dict[str, FloatArray]:
    """Delta a_mu at one loop (whole, and its chirally enhanced part if `chiral`) and the
    shifts of the muon's and its neutrino's W and Z couplings (EXACT_KEYS).

    The chirally enhanced part is the part odd in Y_L: the chirality flip through Y_L Y_R on
    the heavy line that eq. 12 approximates. The even rest conserves chirality (the muon's
    shifted W and Z couplings in the SM loops, and loops with its own Yukawa); it needs a
    second diagonalization, at -Y_L, so it is computed only when asked for.
    """
    v0 = g_mu_vev(point, constants)
    basis = mass_basis(point, constants, v0)
    total = _loops(basis, constants)
    values = {
        "delta_amu_one_loop": total - sm_one_loop(constants),
        "dgL_W": basis.g_L_Wmunu - 1.0,
        "dgL_Znu": basis.g_L_Znu - 0.5,
        "dgR_Zmu": basis.g_R_Zmu - constants.sin2_theta_W,
    }
    if chiral:
        # dgL_W, so v0, is even in Y_L
        m_L, m_S, Y_L, Y_R, Y_V, Y_Vp = point
        mirror = (m_L, m_S, -Y_L, Y_R, Y_V, Y_Vp)
        mirrored = _loops(mass_basis(mirror, constants, v0), constants)
        values["delta_amu_chiral"] = 0.5 * (total - mirrored)
    return values


def goldstone_decomposition(basis: MassBasis, constants: Constants) -> FloatArray:
    """Total a_mu with transverse W, Z plus G-, G0 loops (Lagrangian couplings) and h.

    The unitary-gauge longitudinal parts replaced by Goldstone loops: equal to the unitary-gauge
    total (to O(m_mu^2/m_W^2)) when the Goldstone couplings obey the Ward identity of the gauge
    couplings. Not a Feynman-gauge computation: the W G gamma diagrams stay in the transverse
    part (tests/unit/model/test_gauge_independence.py builds every Feynman-gauge diagram).
    """
    k = constants
    total = np.zeros(basis.charged_masses.shape[:-1])
    for kind, couplings, masses, boson, transverse in (
        ("vector_charged", basis.W, basis.neutral_masses, k.m_W, True),
        ("vector_neutral", basis.Z, basis.charged_masses, k.m_Z, True),
        ("scalar_charged", basis.Gminus, basis.neutral_masses, k.m_W, False),
        ("scalar_neutral", basis.G0, basis.charged_masses, k.m_Z, False),
        ("scalar_neutral", basis.h, basis.charged_masses, k.m_h, False),
    ):
        conserving, enhanced = loop_parts(
            kind, *couplings, masses, boson, k.m_mu, transverse_only=transverse
        )
        total += conserving + enhanced
    return total
