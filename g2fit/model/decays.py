"""Two-body decays of the heavy leptons at tree level, from the mass eigenstates.

The LHC searches for a vector-like doublet assume that its charged state E decays to an SM
lepton and a boson (mu Z, mu h, nu W) and its neutral partner to mu W, nu Z, nu h. In this
model either can also cascade to the other heavy states (E -> N W, N -> N' Z, N' h, E W)
once the masses allow. The partial widths (GeV) follow from the couplings of
g2fit.model.mass_basis; for F -> f V with couplings f-bar gamma (g_L P_L + g_R P_R) F V and for
F -> f h with f-bar (c_L P_L + c_R P_R) F h,

    sum |M|^2 = (g_L^2 + g_R^2) [M^2 + m^2 - 2 M_V^2 + (M^2 - m^2)^2 / M_V^2] - 12 M m g_L g_R
    sum |M|^2 = (c_L^2 + c_R^2) (M^2 + m^2 - m_h^2) + 4 M m c_L c_R

and Gamma = |p| sum |M|^2 / (16 pi M^2), |p| = sqrt(lambda(M^2, m^2, M_X^2)) / (2 M).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.model.constants import Constants
from g2fit.model.mass_basis import ModelPoint, diagonalize
from g2fit.model.observables import EXACT_MASS_RANGE_GEV

FloatArray = NDArray[np.float64]

#: The keys of `decays`, with their meaning.
DECAY_OBSERVABLES: dict[str, str] = {
    "m_E": "mass of the heavy charged lepton (GeV)",
    "m_N_doublet": "mass of the heavy neutral lepton with the larger doublet content (GeV)",
    "BR_E_to_SM": "BR(E -> mu Z, mu h, nu W): the decays the doublet searches assume",
    "BR_N_to_SM": "BR(N_doublet -> mu W, nu Z, nu h): the decays the doublet searches assume",
}


def _momentum(M: FloatArray, m: FloatArray, M_X: float) -> FloatArray:
    """|p| of a two-body decay M -> m + M_X (GeV); 0 where it is closed."""
    lam = (M**2 - (m + M_X) ** 2) * (M**2 - (m - M_X) ** 2)
    momentum: FloatArray = np.sqrt(np.maximum(lam, 0.0)) / (2.0 * M)
    return np.where(m + M_X < M, momentum, 0.0)


def vector_width(
    M: FloatArray, m: FloatArray, g_L: FloatArray, g_R: FloatArray, M_V: float
) -> FloatArray:
    """Gamma(F -> f V) in GeV, for masses M > m (GeV) and couplings g_L, g_R."""
    amplitude = (g_L**2 + g_R**2) * (
        M**2 + m**2 - 2 * M_V**2 + (M**2 - m**2) ** 2 / M_V**2
    ) - 12 * M * m * g_L * g_R
    width: FloatArray = _momentum(M, m, M_V) * amplitude / (16 * math.pi * M**2)
    return width


def scalar_width(
    M: FloatArray, m: FloatArray, c_L: FloatArray, c_R: FloatArray, m_h: float
) -> FloatArray:
    """Gamma(F -> f h) in GeV."""
    amplitude = (c_L**2 + c_R**2) * (M**2 + m**2 - m_h**2) + 4 * M * m * c_L * c_R
    width: FloatArray = _momentum(M, m, m_h) * amplitude / (16 * math.pi * M**2)
    return width


def partial_widths(
    point: ModelPoint,
    constants: Constants,
) -> dict[str, FloatArray]:
    """The heavy states' masses (m_E, m_N: the doublet-like neutral state) and their partial
    widths (GeV) by channel: E -> mu Z, mu h, nu W, N W (both N); N -> mu W, nu Z, nu h,
    N' Z, N' h, E W."""
    k = constants
    d = diagonalize(point, k)
    uE, sE, vE, uN, sN, vN = d.u_E, d.s_E, d.v_E, d.u_N, d.s_N, d.v_N
    g_W = k.m_W / k.v  # g / sqrt(2), with m_W = g v / sqrt(2)
    g_Z = math.sqrt(2.0) * k.m_Z / k.v
    s2 = k.sin2_theta_W
    # W+: N-bar_a gamma (W_L P_L + W_R P_R) E_b, a over [N1, N2, nu], b over [mu, E]
    W_L = g_W * (
        uN[..., 0, :, None] * uE[..., 0, None, :] + uN[..., 1, :, None] * uE[..., 1, None, :]
    )
    W_R = np.zeros_like(W_L)
    W_R[..., :2, :] = -g_W * vN[..., 1, :, None] * vE[..., 1, None, :]
    # Z: charged right-handed (e^c, E^c) -> (s^2, s^2 - 1/2); charged left-handed universal
    Z_R = g_Z * (s2 * vE[..., 0, :, None] * vE[..., 0, None, :])
    Z_R += g_Z * ((s2 - 0.5) * vE[..., 1, :, None] * vE[..., 1, None, :])
    # neutral left-handed (nu, L0, S) -> (1/2, 1/2, 0); right-handed (S^c, N^c) -> (0, 1/2)
    ZN_L = (
        0.5
        * g_Z
        * (uN[..., 0, :, None] * uN[..., 0, None, :] + uN[..., 1, :, None] * uN[..., 1, None, :])
    )
    ZN_R = 0.5 * g_Z * vN[..., 1, :, None] * vN[..., 1, None, :]
    # h: psi'_a chi'_b h / sqrt(2) coefficients (the bilinear is Fbar_b P_L F_a)
    hE = np.einsum("...ia,...ij,...jb->...ab", uE, d.d_E, vE) / math.sqrt(2.0)
    hN = np.einsum("...ia,...ij,...jb->...ab", uN, d.d_N, vN) / math.sqrt(2.0)
    m_mu, M_E = sE[..., 0], sE[..., 1]
    zero = np.zeros_like(M_E)
    widths = {
        "E->mu Z": vector_width(M_E, m_mu, zero, Z_R[..., 0, 1], k.m_Z),
        "E->mu h": scalar_width(M_E, m_mu, hE[..., 1, 0], hE[..., 0, 1], k.m_h),
        "E->nu W": vector_width(M_E, zero, W_L[..., 2, 1], zero, k.m_W),
        "E->N W": vector_width(M_E, sN[..., 0], W_L[..., 0, 1], W_R[..., 0, 1], k.m_W)
        + vector_width(M_E, sN[..., 1], W_L[..., 1, 1], W_R[..., 1, 1], k.m_W),
    }
    # the doublet-like neutral state a: the larger L0 and N^c content; b the other
    a = np.argmax(uN[..., 1, :2] ** 2 + vN[..., 1, :] ** 2, axis=-1)
    b = 1 - a
    nu, mu, E = np.full_like(a, 2), np.zeros_like(a), np.ones_like(a)

    def at(matrix: FloatArray, i: NDArray[np.int_], j: NDArray[np.int_]) -> FloatArray:
        rows = np.take_along_axis(matrix, i[..., None, None], axis=-2)[..., 0, :]
        return np.take_along_axis(rows, j[..., None], axis=-1)[..., 0]

    M_N = np.take_along_axis(sN, a[..., None], axis=-1)[..., 0]
    M_other = np.take_along_axis(sN, b[..., None], axis=-1)[..., 0]
    widths |= {
        "N->mu W": vector_width(M_N, m_mu, at(W_L, a, mu), at(W_R, a, mu), k.m_W),
        "N->nu Z": vector_width(M_N, zero, at(ZN_L, nu, a), zero, k.m_Z),
        "N->nu h": scalar_width(M_N, zero, at(hN, nu, a), zero, k.m_h),
        "N->N' Z": vector_width(M_N, M_other, at(ZN_L, b, a), at(ZN_R, b, a), k.m_Z),
        "N->N' h": scalar_width(M_N, M_other, at(hN, a, b), at(hN, b, a), k.m_h),
        "N->E W": vector_width(M_N, M_E, at(W_L, a, E), at(W_R, a, E), k.m_W),
    }
    return {"m_E": M_E, "m_N": M_N, **widths}


#: The channels the doublet searches assume, per heavy state.
SM_CHANNELS = {"E": ("E->mu Z", "E->mu h", "E->nu W"), "N": ("N->mu W", "N->nu Z", "N->nu h")}


def decays(
    m_L: ArrayLike,
    m_S: ArrayLike,
    Y_L: ArrayLike,
    Y_R: ArrayLike,
    Y_V: ArrayLike,
    Y_Vp: ArrayLike,
    constants: Constants,
) -> dict[str, FloatArray]:
    """The heavy states' masses and the branching ratios the LHC searches assume
    (DECAY_OBSERVABLES); nan where a state has no open decay (no mixing), and at masses
    outside EXACT_MASS_RANGE_GEV (the mass eigenstates assume leptons heavier than the muon)."""
    low, high = EXACT_MASS_RANGE_GEV
    masses = np.broadcast_arrays(np.asarray(m_L, dtype=float), np.asarray(m_S, dtype=float))
    inside = (masses[0] >= low) & (masses[0] <= high) & (masses[1] >= low) & (masses[1] <= high)
    Y_L, Y_R, Y_V, Y_Vp = (np.asarray(y, dtype=float) for y in (Y_L, Y_R, Y_V, Y_Vp))
    clipped = (
        np.where(inside, masses[0], high),
        np.where(inside, masses[1], low),
        Y_L,
        Y_R,
        Y_V,
        Y_Vp,
    )
    widths = partial_widths(clipped, constants)
    ratios: dict[str, FloatArray] = {}
    for state, channels in SM_CHANNELS.items():
        every = [w for name, w in widths.items() if name.startswith(f"{state}->")]
        total = np.sum(every, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios[f"BR_{state}_to_SM"] = np.sum([widths[c] for c in channels], axis=0) / total
    values = {"m_E": widths["m_E"], "m_N_doublet": widths["m_N"], **ratios}
    return {name: np.where(inside, value, np.nan) for name, value in values.items()}
