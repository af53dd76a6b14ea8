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
Masses and couplings are those of the exact mode, at the G_mu-scheme vev v0
(g2fit.model.mass_basis.g_mu_vev), so a point has one set of couplings everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.model.constants import Constants
from g2fit.model.mass_basis import ModelPoint, diagonalize_closed_form, g_mu_vev
from g2fit.model.observables import EXACT_MASS_RANGE_GEV

FloatArray = NDArray[np.float64]

#: The keys of `decays`, with their meaning.
DECAY_OBSERVABLES: dict[str, str] = {
    "m_E": "mass of the heavy charged lepton (GeV)",
    "m_N_doublet": "mass of the heavy neutral lepton with the larger doublet content (GeV)",
    "BR_E_to_SM": "BR(E -> mu Z, mu h, nu W): the decays the doublet searches assume",
    "BR_N_to_SM": "BR(N_doublet -> mu W, nu Z, nu h): the decays the doublet searches assume",
}


def _momentum(M: FloatArray, m: FloatArray, M_X: FloatArray | float) -> FloatArray:
    """|p| of a two-body decay M -> m + M_X (GeV); 0 where it is closed."""
    lam = (M**2 - (m + M_X) ** 2) * (M**2 - (m - M_X) ** 2)
    momentum: FloatArray = np.sqrt(np.maximum(lam, 0.0)) / (2.0 * M)
    return np.where(m + M_X < M, momentum, 0.0)


def vector_width(
    M: FloatArray, m: FloatArray, g_L: FloatArray, g_R: FloatArray, M_V: FloatArray | float
) -> FloatArray:
    """Gamma(F -> f V) in GeV, for masses M > m (GeV) and couplings g_L, g_R."""
    amplitude = (g_L**2 + g_R**2) * (
        M**2 + m**2 - 2 * M_V**2 + (M**2 - m**2) ** 2 / M_V**2
    ) - 12 * M * m * g_L * g_R
    width: FloatArray = _momentum(M, m, M_V) * amplitude / (16 * math.pi * M**2)
    return width


def scalar_width(
    M: FloatArray, m: FloatArray, c_L: FloatArray, c_R: FloatArray, m_h: FloatArray | float
) -> FloatArray:
    """Gamma(F -> f h) in GeV."""
    amplitude = (c_L**2 + c_R**2) * (M**2 + m**2 - m_h**2) + 4 * M * m * c_L * c_R
    width: FloatArray = _momentum(M, m, m_h) * amplitude / (16 * math.pi * M**2)
    return width


#: The decays of a heavy neutral state, by the name after "N->" (N' is the other one).
NEUTRAL_CHANNELS = ("mu W", "nu Z", "nu h", "N' Z", "N' h", "E W")


def _stacked_widths(
    channels: list[tuple[str, FloatArray, FloatArray, FloatArray, FloatArray, float]],
    width: Callable[..., FloatArray],
) -> dict[str, FloatArray]:
    """The widths (GeV) of channels (name, M, m, c_1, c_2, boson mass) in one call of `width`;
    every array has the points' shape."""
    columns = [np.stack([channel[k] for channel in channels]) for k in range(1, 5)]
    bosons = np.array([channel[5] for channel in channels]).reshape(-1, *(1,) * channels[0][1].ndim)
    widths = width(*columns, bosons)
    return {channel[0]: widths[i] for i, channel in enumerate(channels)}


def spectrum(point: ModelPoint, constants: Constants) -> dict[str, FloatArray]:
    """Every heavy state's mass (GeV), partial widths (GeV) and production weight, from one
    diagonalization at v0.

    Keys: m_E, m_N1, m_N2 (the neutral states, ascending), "E->X" for X in mu Z, mu h,
    nu W, N W (both N), "N1->X" and "N2->X" for X in NEUTRAL_CHANNELS, `doublet` (0 or 1:
    which neutral state has the larger L0 and N^c content), and the pair-production weights
    relative to the pure doublet (g2fit.model.lhc_signal): w_EN1, w_EN2 = (W_L^2 + W_R^2) /
    (2 g_W^2) of the E N_i W vertex, z_11, z_12, z_22 = (Z_L^2 + Z_R^2) / (2 (g_Z/2)^2) of
    the N_i N_j Z vertex."""
    k = constants
    v0 = g_mu_vev(point, k)
    d = diagonalize_closed_form(point, k, v0)
    uE, sE, vE, uN, sN, vN = d.u_E, d.s_E, d.v_E, d.u_N, d.s_N, d.v_N
    g_W = (k.m_W / v0)[..., None, None]  # g / sqrt(2), with m_W = g v0 / sqrt(2)
    g_Z = (math.sqrt(2.0) * k.m_Z / v0)[..., None, None]
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
    # every channel at once (one vectorized width per kind): (name, M, m, coupling pair, boson)
    vector: list[tuple[str, FloatArray, FloatArray, FloatArray, FloatArray, float]] = [
        ("E->mu Z", M_E, m_mu, zero, Z_R[..., 0, 1], k.m_Z),
        ("E->nu W", M_E, zero, W_L[..., 2, 1], zero, k.m_W),
        ("E->N1 W", M_E, sN[..., 0], W_L[..., 0, 1], W_R[..., 0, 1], k.m_W),
        ("E->N2 W", M_E, sN[..., 1], W_L[..., 1, 1], W_R[..., 1, 1], k.m_W),
    ]
    scalar = [("E->mu h", M_E, m_mu, hE[..., 1, 0], hE[..., 0, 1], k.m_h)]
    for i in (0, 1):
        j, M, name = 1 - i, sN[..., i], f"N{i + 1}->"
        vector += [
            (name + "mu W", M, m_mu, W_L[..., i, 0], W_R[..., i, 0], k.m_W),
            (name + "nu Z", M, zero, ZN_L[..., 2, i], zero, k.m_Z),
            (name + "N' Z", M, sN[..., j], ZN_L[..., j, i], ZN_R[..., j, i], k.m_Z),
            (name + "E W", M, M_E, W_L[..., i, 1], W_R[..., i, 1], k.m_W),
        ]
        scalar += [
            (name + "nu h", M, zero, hN[..., 2, i], zero, k.m_h),
            (name + "N' h", M, sN[..., j], hN[..., i, j], hN[..., j, i], k.m_h),
        ]
    values = {"m_E": M_E, "m_N1": sN[..., 0], "m_N2": sN[..., 1]}
    values |= _stacked_widths(vector, vector_width) | _stacked_widths(scalar, scalar_width)
    values["E->N W"] = values.pop("E->N1 W") + values.pop("E->N2 W")
    for i in (0, 1):
        values[f"w_EN{i + 1}"] = (W_L[..., i, 1] ** 2 + W_R[..., i, 1] ** 2) / (
            2.0 * g_W[..., 0, 0] ** 2
        )
    z_unit = 2.0 * (0.5 * g_Z[..., 0, 0]) ** 2
    for i, j in ((0, 0), (0, 1), (1, 1)):
        values[f"z_{i + 1}{j + 1}"] = (ZN_L[..., i, j] ** 2 + ZN_R[..., i, j] ** 2) / z_unit
    # the doublet-like neutral state: the larger L0 and N^c content
    doublet = np.argmax(uN[..., 1, :2] ** 2 + vN[..., 1, :] ** 2, axis=-1)
    values["doublet"] = doublet.astype(float)
    return values


def partial_widths(
    point: ModelPoint,
    constants: Constants,
) -> dict[str, FloatArray]:
    """The heavy states' masses (m_E, m_N: the doublet-like neutral state) and their partial
    widths (GeV) by channel: E -> mu Z, mu h, nu W, N W (both N); N -> mu W, nu Z, nu h,
    N' Z, N' h, E W."""
    values = spectrum(point, constants)
    first = values["doublet"] == 0
    widths = {name: value for name, value in values.items() if name.startswith("E->")}
    for channel in NEUTRAL_CHANNELS:
        widths[f"N->{channel}"] = np.where(
            first, values[f"N1->{channel}"], values[f"N2->{channel}"]
        )
    m_N = np.where(first, values["m_N1"], values["m_N2"])
    return {"m_E": values["m_E"], "m_N": m_N, **widths}


#: The channels the doublet searches assume, per heavy state.
SM_CHANNELS = {"E": ("E->mu Z", "E->mu h", "E->nu W"), "N": ("N->mu W", "N->nu Z", "N->nu h")}


def branching_to_sm(values: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """BR into the channels the doublet searches assume (SM_CHANNELS) of E, N1 and N2 from
    `spectrum`'s widths: keys E, N1, N2; nan where a state has no open decay."""
    ratios = {}
    for state, kind in (("E", "E"), ("N1", "N"), ("N2", "N")):
        every = [w for name, w in values.items() if name.startswith(f"{state}->")]
        wanted = [values[state + c.removeprefix(kind)] for c in SM_CHANNELS[kind]]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.sum(wanted, axis=0) / np.sum(every, axis=0)
        ratios[state] = np.minimum(ratio, 1.0)  # sums in another order may round 1 ulp above
    return ratios


def spectrum_in_range(
    m_L: ArrayLike,
    m_S: ArrayLike,
    Y_L: ArrayLike,
    Y_R: ArrayLike,
    Y_V: ArrayLike,
    Y_Vp: ArrayLike,
    constants: Constants,
) -> tuple[dict[str, FloatArray], NDArray[np.bool_]]:
    """`spectrum` where both masses lie in EXACT_MASS_RANGE_GEV (the mass eigenstates assume
    leptons heavier than the muon), and that mask; elsewhere the values are placeholders."""
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
    return spectrum(clipped, constants), inside


def decay_observables(
    values: dict[str, FloatArray], inside: NDArray[np.bool_]
) -> dict[str, FloatArray]:
    """DECAY_OBSERVABLES from `spectrum_in_range`'s values; nan outside its range."""
    ratios = branching_to_sm(values)
    first = values["doublet"] == 0
    observables = {
        "m_E": values["m_E"],
        "m_N_doublet": np.where(first, values["m_N1"], values["m_N2"]),
        "BR_E_to_SM": ratios["E"],
        "BR_N_to_SM": np.where(first, ratios["N1"], ratios["N2"]),
    }
    return {name: np.where(inside, value, np.nan) for name, value in observables.items()}


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
    return decay_observables(*spectrum_in_range(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, constants))
