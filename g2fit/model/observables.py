"""Observables of the vector-like lepton model (arXiv:2106.01373, eqs. 4, 12, 14, 16).

Every function broadcasts over numpy arrays; masses in GeV, Yukawas dimensionless.
`loops="eft"` uses the paper's leading-order formulas (eqs. 12, 16); `loops="exact"` takes
the one-loop Delta a_mu and the W and Z couplings from the mass eigenstates (g2fit.model.exact).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.errors import InputError
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants
from g2fit.model.exact import exact_observables
from g2fit.model.loops import log_ratio_over_difference_of_squares, r_divided_difference
from g2fit.model.mass_basis import ModelPoint

FloatArray = NDArray[np.float64]

#: Masses (and the cutoff) g2fit evaluates, GeV: observables are finite throughout (tested),
#: while e.g. 1e-300 or 1e160 GeV overflow the squares of mass ratios.
MASS_RANGE_GEV = (1e-6, 1e12)
#: Yukawas beyond this magnitude are outside perturbation theory (warned about, allowed).
PERTURBATIVE_LIMIT = 4.0 * math.pi
_LOOP = 16.0 * math.pi**2
#: Why a cutoff below the new lepton masses is refused (eq. 4; the paper's Lambda is the
#: scale above them, e.g. the heavy scalars of its sec. IV).
CUTOFF_REASON = "eq. 4's log(Lambda/m) assumes the new leptons lie below the cutoff Lambda"
#: Why a new lepton lighter than m_W is warned about (ExpansionWarning) or refused in a prior.
EXPANSION_REASON = (
    "Delta a_mu (eq. 12, the leading term of an expansion in m_W^2/m^2, and eq. 14, computed "
    "far above the weak scale) assumes m_L, m_S >> m_W"
)

#: The one-loop modes: the paper's formulas (eqs. 12, 16) or the mass eigenstates.
LOOPS = ("eft", "exact")
#: Masses (GeV) the exact mode evaluates: above the muon, and up to where the cancellation
#: among the loops leaves ~5 digits in float64 with O(1) Yukawas (absolute error ~1e-22,
#: tested against mpmath; 11 digits up to 5 TeV).
EXACT_MASS_RANGE_GEV = (1.0, 1e5)

#: The model's parameters (arguments of `observables`): masses in GeV, Yukawas of eq. 3.
MODEL_PARAMETERS = ("m_L", "m_S", "Y_L", "Y_R", "Y_V", "Y_Vp")
MASS_PARAMETERS = ("m_L", "m_S")

#: The keys of `observables`, in the order the CLI prints them, with units and meaning.
OBSERVABLES: dict[str, str] = {
    "delta_amu": "Delta a_mu, eq. 12 + eq. 14 (eq. 12 alone if the top term is off)",
    "delta_amu_one_loop": "Delta a_mu, one loop (eq. 12; exact mode: every W, Z, h loop)",
    "delta_amu_chiral": "its chirally enhanced part (eq. 12; exact mode: odd in Y_L)",
    "delta_amu_two_loop_top": "Delta a_mu, two loop, top Yukawa (eq. 14)",
    "delta_mmu_over_mmu": "radiative muon mass over m_mu at cutoff Lambda (eq. 4)",
    "dgL_W": "delta g_L^W (eq. 16; exact mode: from the mixing matrices)",
    "dgL_Znu": "delta g_L^{Z nu} (eq. 16; exact mode: from the mixing matrices)",
    "dgL_Zmu": "delta g_L^{Z mu} (zero: mu and L- have the same Z coupling)",
    "dgR_Zmu": "delta g_R^{Z mu} (eq. 16; exact mode: from the mixing matrices)",
    "R_tau": "Gamma(tau->mu nu nu)/Gamma(tau->e nu nu) = R_tau^SM (1 + dgL_W)^2",
    "gmu_over_ge": "coupling ratio g_mu/g_e in W and tau decays = 1 + dgL_W",
    "R_W_mu_e": "BR(W->mu nu)/BR(W->e nu) = (1 + dgL_W)^2",
    "gL_Zmu": "Z coupling of mu_L, -1/2 + s_W^2 (unchanged: dgL_Zmu = 0)",
    "gR_Zmu": "Z coupling of mu_R, s_W^2 + dgR_Zmu",
    "A_mu": "Z-mu asymmetry parameter (gL^2 - gR^2)/(gL^2 + gR^2)",
    "Gamma_Zmumu_ratio": "Gamma(Z->mu mu) over its SM value, (gL^2 + gR^2)/(gL^2 + gR^2)_SM",
}


class PerturbativityWarning(UserWarning):
    """A Yukawa coupling beyond |Y| = 4 pi: allowed, but perturbation theory is unreliable."""


class ExpansionWarning(UserWarning):
    """A new lepton lighter than m_W: allowed, but Delta a_mu (eqs. 12, 14) does not hold there.

    The paper derives both for m_L, m_S >> m_W (arXiv:2106.01373, sec. II): eq. 12 is the
    dimension-eight one-loop term, the leading order in m_W^2/m^2 (sec. I, II.C); eq. 14 is
    computed in the Higgs picture with a massless Higgs, "appropriate for leading effects in
    the effective theory far above the weak scale" (sec. II.A). Below m_W neither holds
    (eq. 14's 1/m^2 growth gives Delta a_mu ~ -5e8 at 1e-6 GeV).
    """


def _checked_masses(**masses: ArrayLike) -> list[FloatArray]:
    out = []
    for name, value in masses.items():
        array = np.asarray(value, dtype=float)
        bad = ~(np.isfinite(array) & (array > 0))
        if np.any(bad):
            example = array[bad].flat[0]
            raise InputError(
                f"{name} must be a finite positive mass in GeV, got {float(example)!r}"
            )
        low, high = MASS_RANGE_GEV
        outside = (array < low) | (array > high)
        if np.any(outside):
            example = array[outside].flat[0]
            raise InputError(f"{name} must lie in [{low:g}, {high:g}] GeV, got {float(example)!r}")
        out.append(array)
    return out


def _check_cutoff(m_L: FloatArray, m_S: FloatArray, cutoff: FloatArray) -> None:
    """Refuse a cutoff below the new leptons anywhere: eq. 4 assumes them below it."""
    L, S, cut = np.broadcast_arrays(m_L, m_S, cutoff)
    below = cut < np.maximum(L, S)
    if np.any(below):
        i = int(np.argmax(below))
        name, mass = ("m_L", L.flat[i]) if L.flat[i] >= S.flat[i] else ("m_S", S.flat[i])
        raise InputError(
            f"cutoff = {float(cut.flat[i])!r} GeV is below {name} = {float(mass)!r} GeV: "
            f"{CUTOFF_REASON}"
        )


#: The same for the exact mode, where only eq. 14 assumes heavy leptons.
EXACT_EXPANSION_REASON = (
    "Delta a_mu's two-loop top term (eq. 14, computed far above the weak scale) assumes "
    "m_L, m_S >> m_W"
)


def _warn_below_m_W(m_L: FloatArray, m_S: FloatArray, constants: Constants, loops: str) -> None:
    """Warn of a new lepton lighter than m_W, where eq. 14 (and eq. 12) do not hold."""
    reason = EXACT_EXPANSION_REASON if loops == "exact" else EXPANSION_REASON
    for name, mass in (("m_L", m_L), ("m_S", m_S)):
        light = mass < constants.m_W
        if np.any(light):
            warnings.warn(
                f"{name} = {float(mass[light].flat[0])!r} GeV is below m_W = "
                f"{constants.m_W!r} GeV: {reason} and does not hold there",
                ExpansionWarning,
                stacklevel=3,
            )


def _checked_yukawas(**yukawas: ArrayLike) -> list[FloatArray]:
    out = []
    for name, value in yukawas.items():
        array = np.asarray(value, dtype=float)
        finite = np.isfinite(array)
        if not np.all(finite):
            raise InputError(
                f"{name} must be a finite number, got {float(array[~finite].flat[0])!r}"
            )
        if np.any(np.abs(array) > PERTURBATIVE_LIMIT):
            warnings.warn(
                f"{name} outside [-4 pi, 4 pi]: perturbation theory is unreliable there",
                PerturbativityWarning,
                stacklevel=3,
            )
        out.append(array)
    return out


def mixing_factor(m_L: ArrayLike, m_S: ArrayLike, Y_V: ArrayLike, Y_Vp: ArrayLike) -> FloatArray:
    """c = Y_V m_S / m_L + Y'_V, the common factor of eqs. 4, 12 and 14."""
    factor: FloatArray = np.asarray(Y_V) * np.asarray(m_S) / np.asarray(m_L) + np.asarray(Y_Vp)
    return factor


def _bracket(
    m_L: FloatArray, m_S: FloatArray, cutoff: FloatArray, log_ratio: FloatArray
) -> FloatArray:
    bracket: FloatArray = 2.0 * np.log(cutoff / m_S) - m_L * m_L * log_ratio
    return bracket


_G2 = frozenset({"delta_amu", "delta_amu_one_loop", "delta_amu_chiral", "delta_amu_two_loop_top"})
#: The observables that depend on Y_L only through Y_L^2 v^2/m_S^2, and those that depend
#: on Y_R only through Y_R^2 v^2/m_L^2 (eq. 16; not in the exact mode).
LEFT_COUPLING_OBSERVABLES = frozenset({"dgL_W", "dgL_Znu", "R_tau", "gmu_over_ge", "R_W_mu_e"})
RIGHT_COUPLING_OBSERVABLES = frozenset({"dgR_Zmu", "gR_Zmu", "A_mu", "Gamma_Zmumu_ratio"})
_LEFT, _RIGHT = LEFT_COUPLING_OBSERVABLES, RIGHT_COUPLING_OBSERVABLES


def _eft_core(
    m_L: FloatArray,
    m_S: FloatArray,
    Y_L: FloatArray,
    Y_R: FloatArray,
    coupling: FloatArray,
    masses_over_m_W: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    constants: Constants,
    wanted: frozenset[str],
) -> dict[str, FloatArray]:
    """eq. 12 (the one-loop Delta a_mu, all of it chirally enhanced) and eq. 16's couplings.

    masses_over_m_W: x = m_S^2/m_W^2, y = m_L^2/m_W^2 and their logarithms."""
    k = constants
    values: dict[str, FloatArray] = {}
    if wanted & _G2:
        x, y, log_x, log_y = masses_over_m_W
        # eq. 12 with m_W^2 F(x, y) / (m_S^2 m_L^2) = -r[x, y] / m_W^2
        one_loop = np.asarray(r_divided_difference(x, y, log_x, log_y) * coupling)
        one_loop *= -6.0 * k.v * k.m_mu / (_LOOP * k.m_W**2)
        values["delta_amu_one_loop"] = values["delta_amu_chiral"] = one_loop
    if wanted & _LEFT:
        dgL_W = np.square(Y_L * k.v / m_S)
        dgL_W *= -0.5
        values["dgL_W"] = values["dgL_Znu"] = dgL_W
    if wanted & _RIGHT:
        dgR_Zmu = np.square(Y_R * k.v / m_L)
        dgR_Zmu *= -0.5
        values["dgR_Zmu"] = dgR_Zmu
    return values


def compute_observables(
    m_L: FloatArray,
    m_S: FloatArray,
    Y_L: FloatArray,
    Y_R: FloatArray,
    Y_V: FloatArray,
    Y_Vp: FloatArray,
    cutoff: FloatArray,
    two_loop_top: bool,
    constants: Constants,
    wanted: frozenset[str] | None = None,
    loops: str = "eft",
) -> dict[str, FloatArray]:
    """The observables in `wanted` (all if None) at checked inputs, without re-checking them.

    The likelihood calls this for points already inside its prior, asking only for what its
    terms use; `observables` is the checked public entry point. It is the hot path of every
    fit, chain and plane, so it computes each shared intermediate once and applies scalar
    factors in place.
    """
    k = constants
    wanted = frozenset(OBSERVABLES) if wanted is None else wanted
    coupling = log_ratio = np.zeros(())
    masses_over_m_W = (coupling,) * 4
    if wanted & (_G2 | {"delta_mmu_over_mmu"}):
        coupling = Y_L * Y_R * mixing_factor(m_L, m_S, Y_V, Y_Vp)
        x = np.square(m_S * (1.0 / k.m_W))
        y = np.square(m_L * (1.0 / k.m_W))
        log_x, log_y = np.log(x), np.log(y)
        masses_over_m_W = (x, y, log_x, log_y)
        log_ratio = log_ratio_over_difference_of_squares(m_S, m_L, log_y - log_x)
    if loops == "exact" and wanted & (_G2 | _LEFT | _RIGHT):
        chiral = "delta_amu_chiral" in wanted
        values = exact_observables((m_L, m_S, Y_L, Y_R, Y_V, Y_Vp), k, chiral=chiral)
    else:
        values = _eft_core(m_L, m_S, Y_L, Y_R, coupling, masses_over_m_W, k, wanted)
    if wanted & _G2:
        two_loop = np.asarray(coupling * log_ratio)
        two_loop *= -3.0 * k.y_t**2 * k.v * k.m_mu / _LOOP**2
        one_loop = values["delta_amu_one_loop"]
        values["delta_amu"] = one_loop + two_loop if two_loop_top else one_loop.copy()
        values["delta_amu_two_loop_top"] = two_loop
    if "delta_mmu_over_mmu" in wanted:
        bracket = _bracket(m_L, m_S, cutoff, log_ratio)
        values["delta_mmu_over_mmu"] = (-k.v / (_LOOP * k.m_mu)) * coupling * bracket
    if wanted & _LEFT:
        values["gmu_over_ge"] = 1.0 + values["dgL_W"]
        if wanted & {"R_W_mu_e", "R_tau"}:
            values["R_W_mu_e"] = values["gmu_over_ge"] ** 2
            values["R_tau"] = k.R_tau_SM * values["R_W_mu_e"]
    g_L = -0.5 + k.sin2_theta_W
    if wanted & _RIGHT and wanted & {"gR_Zmu", "A_mu", "Gamma_Zmumu_ratio"}:
        g_R = k.sin2_theta_W + values["dgR_Zmu"]
        values["gR_Zmu"] = g_R
        values["A_mu"] = (g_L**2 - g_R**2) / (g_L**2 + g_R**2)
        values["Gamma_Zmumu_ratio"] = (g_L**2 + g_R**2) / (g_L**2 + k.sin2_theta_W**2)
    shape = np.broadcast_shapes(*(np.shape(a) for a in (m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, cutoff)))
    if "dgL_Zmu" in wanted:
        values["dgL_Zmu"] = np.zeros(shape)
    if "gL_Zmu" in wanted:
        values["gL_Zmu"] = np.full(shape, g_L)
    out = {}
    for name in OBSERVABLES:
        if name in wanted:
            value = np.asarray(values[name], dtype=float)
            out[name] = value if value.shape == shape else np.broadcast_to(value, shape).copy()
    return out


def observables(
    m_L: ArrayLike,
    m_S: ArrayLike,
    Y_L: ArrayLike,
    Y_R: ArrayLike,
    Y_V: ArrayLike,
    Y_Vp: ArrayLike,
    *,
    cutoff: ArrayLike = 1e5,
    two_loop_top: bool = True,
    constants: Constants = DEFAULT_CONSTANTS,
    loops: str = "eft",
) -> dict[str, FloatArray]:
    """All observables of the model at the given points (arrays broadcast together).

    m_L, m_S: doublet and singlet masses (GeV); Y_L, Y_R, Y_V, Y_Vp: Yukawas of eq. 3
    (Y_Vp is Y'_V); cutoff: Lambda of eq. 4 (GeV). `two_loop_top=False` leaves eq. 14 out of
    `delta_amu` (it is still reported on its own). `loops`: "eft" (eqs. 12, 16) or "exact"
    (mass eigenstates; masses within EXACT_MASS_RANGE_GEV). Keys and meanings: `OBSERVABLES`.
    A cutoff below max(m_L, m_S) is an InputError (eq. 4 assumes the new leptons below it);
    a mass below m_W is an ExpansionWarning (eqs. 12 and 14 assume m_L, m_S >> m_W).
    """
    check_loops(loops)
    m_L, m_S, cutoff_arr = _checked_masses(m_L=m_L, m_S=m_S, cutoff=cutoff)
    if loops == "exact":
        _check_exact_range(m_L=m_L, m_S=m_S)
    _check_cutoff(m_L, m_S, cutoff_arr)
    Y_L, Y_R, Y_V, Y_Vp = _checked_yukawas(Y_L=Y_L, Y_R=Y_R, Y_V=Y_V, Y_Vp=Y_Vp)
    _warn_below_m_W(m_L, m_S, constants, loops)
    return compute_observables(
        m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, cutoff_arr, two_loop_top, constants, loops=loops
    )


def check_loops(loops: object) -> None:
    """Refuse a one-loop mode other than those of LOOPS."""
    if loops not in LOOPS:
        raise InputError(f"loops must be one of {', '.join(LOOPS)}, got {loops!r}")


def _check_exact_range(**masses: FloatArray) -> None:
    low, high = EXACT_MASS_RANGE_GEV
    for name, mass in masses.items():
        outside = (mass < low) | (mass > high)
        if np.any(outside):
            raise InputError(
                f"{name} must lie in [{low:g}, {high:g}] GeV in the exact one-loop mode, got "
                f"{float(mass[outside].flat[0])!r}"
            )


def model_point(point: Mapping[str, FloatArray]) -> ModelPoint:
    """(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp) from a mapping of MODEL_PARAMETERS, in that order."""
    m_L, m_S, Y_L, Y_R, Y_V, Y_Vp = (point[name] for name in MODEL_PARAMETERS)
    return m_L, m_S, Y_L, Y_R, Y_V, Y_Vp


def sm_observables(constants: Constants = DEFAULT_CONSTANTS) -> dict[str, float]:
    """The observables of the SM: no new couplings, so no dependence on the new masses.

    The one SM reference point of g2fit: projections are centred on it and the SM's chi^2
    is evaluated at it."""
    values = observables(1e3, 1e3, 0.0, 0.0, 0.0, 0.0, constants=constants)
    return {name: float(value) + 0.0 for name, value in values.items()}  # + 0.0: no -0.0
