"""Leading-order Drell-Yan pair production of the doublet L = (N, E) at the LHC, in fb.

Processes: q qbar -> gamma*/Z* -> E+ E- ("EE"), q qbar -> Z* -> N Nbar ("NN"), and
u_i dbar_j -> W+* -> E+ N plus ubar_i d_j -> W-* -> E- Nbar ("EN", both charges summed).
m_E = m_N = m. Photon-initiated production (gamma gamma -> E+ E-) is not included (nor is it
in the NLO+NNLL higgsino tables this is compared with).

Partonic cross section. Each boson V couples as -i gamma^mu (v - a gamma5) to the quarks and
to F; with P_V(s) = 1 / (s - M_V^2 + i M_V Gamma_V) (P = 1/s for the photon), massless quarks,
two final states of mass m and beta = sqrt(1 - 4 m^2 / s), averaged over spins and colours:

    sigma-hat(s) = s / (12 pi N_c) * sum_{V,V'} Re[P_V P_V'^*] (v_q v_q' + a_q a_q')
                   * [beta (3 - beta^2) / 2 * v_F v_F' + beta^3 * a_F a_F']

(the v a' products only make the forward-backward asymmetry and integrate to zero). For one
photon and beta = 1 this is the e+e- -> mu+mu- result 4 pi alpha^2 Q_q^2 Q_F^2 / (3 s N_c); the
threshold factors beta (3 - beta^2) / 2 (vector) and beta^3 (axial) are those of e+e- -> Q Qbar
with massive quarks (e.g. Jersak, Laermann, Zerwas, Phys. Rev. D 25 (1982) 1218; Peskin and
Schroeder ch. 5 for the massless case). tests/unit/collider checks it against quadrature of an
angular distribution derived separately from chiral couplings.

Couplings (e = sqrt(4 pi alpha), g = e / s_W, g_Z = g / c_W). Photon: e Q. Z, quarks:
v = g_Z (T3 / 2 - Q s_W^2), a = g_Z T3 / 2. Z, doublet (vector-like, both chiralities in the
doublet): v = g_Z (T3 - Q s_W^2), a = 0, i.e. -1/2 + s_W^2 for E, +1/2 for N. W: quarks
v = a = g / (2 sqrt 2) times |V_ij|, doublet v = g / sqrt 2, a = 0.

SM inputs (`Electroweak.g_mu_scheme`): m_W, m_Z from g2fit.model.constants.Constants;
G_mu scheme, s_W^2 = 1 - m_W^2 / m_Z^2, alpha = sqrt 2 G_F m_W^2 s_W^2 / pi with
G_F = 1.1663788e-5 GeV^-2 (PDG 2024); Gamma_Z = 2.4955 GeV, Gamma_W = 2.085 GeV (PDG 2024);
|V_ij| of the PDG 2024 CKM review's global fit (u, c rows; the top is not in the PDFs).
Status to-verify: the widths and |V_ij| were written from the PDG 2024 review without
re-reading it here (no page of it was reachable). Their weight is small: mixing at all lowers
EN by 0.7-3.5 % (100 GeV-2 TeV) against none, and a change of 0.001 in any |V_ij| moves EN by
at most 0.2 % and the channel fractions and the 14/13 ratio, which are all g2fit uses of this
table, by less. Quarks u, d, s, c, b from the PDFs (5 flavours).

Hadronic cross section: sigma = sum integral dtau/tau dy sigma-hat(tau S) x1 f(x1) x2 f(x2)
with x1,2 = sqrt(tau) e^(+-y) and mu_F = scale_factor * sqrt(s-hat). Gauss-Legendre
quadrature in w, tau = tau0 exp(w^2) (tau0 = 4 m^2 / S, which makes the beta ~ w threshold
smooth), and in y / y_max; at the default nodes (96, 64) it agrees with (512, 384) to
5e-5 relative at most from 100 GeV to 5 TeV (tests/integration/collider). Where mu_F
would pass the grid's highest Q (NNPDF2.3: 10 TeV), it is held there: only for s-hat above
(Q_max / scale_factor)^2, where the luminosity is negligible.

Positivity: the central member of NNPDF3.1 has ubar, sbar, bbar < 0 at x >~ 0.4-0.5, which
makes sigma(EE) and sigma(NN) negative above 2.35 and 2.55 TeV at 13 TeV. By default a
negative x f(x) is set to zero (`force_positive`, as LHAPDF's ForcePositive: 1); a set with no
negative values (CT14qed) is unchanged. Either way NNPDF3.1 is unreliable there: compare sets.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.model.constants import DEFAULT_CONSTANTS, Constants

FloatArray = NDArray[np.float64]

#: (hbar c)^2 = 0.3893793721 GeV^2 mb (PDG 2024), in fb GeV^2.
GEV2_IN_FB = 0.3893793721e12
N_C = 3
G_FERMI = 1.1663788e-5  # GeV^-2, PDG 2024
WIDTH_Z = 2.4955  # GeV, PDG 2024
WIDTH_W = 2.085  # GeV, PDG 2024
#: |V_ud| |V_us| |V_ub| / |V_cd| |V_cs| |V_cb|: PDG 2024, CKM review, global fit (eq. 12.27).
CKM_PDG_2024 = ((0.97435, 0.22501, 0.003732), (0.22487, 0.97349, 0.04183))
CHANNELS = ("EE", "EN", "NN")
#: A vector-like SU(2) singlet E (Q = -1, T3 = 0 for both chiralities): the ATLAS singlet
#: benchmark whose mass limit anchors the doublet limit's emulation at low mass.
SINGLET = "EE_singlet"
UP_TYPE = (2, 4)  # u, c
DOWN_TYPE = (1, 3, 5)  # d, s, b
#: (default) Gauss-Legendre nodes in w (tau) and in y.
NODES = (96, 64)
#: Per channel: the luminosity classes (_luminosities) and a quark of each, for its couplings.
_CLASSES = {
    "EE": (("up", 2), ("down", 1)),
    "EN": (("W", 2),),
    "NN": (("up", 2), ("down", 1)),
    SINGLET: (("up", 2), ("down", 1)),
}


class PartonDensities(Protocol):
    """What the integration needs of a PDF (g2fit.collider.pdf_grid.PdfGrid is one)."""

    name: str
    q_min: float
    q_max: float

    def xfx(self, flavours: Sequence[int], x: ArrayLike, q: ArrayLike) -> FloatArray: ...


@dataclasses.dataclass(frozen=True)
class Electroweak:
    """SM inputs of the couplings (masses and widths in GeV); `ckm` holds |V_ij|, rows u, c
    and columns d, s, b."""

    alpha: float
    sin2_w: float
    m_W: float
    m_Z: float
    width_W: float = WIDTH_W
    width_Z: float = WIDTH_Z
    ckm: tuple[tuple[float, float, float], tuple[float, float, float]] = CKM_PDG_2024

    @classmethod
    def g_mu_scheme(cls, constants: Constants = DEFAULT_CONSTANTS) -> Electroweak:
        """s_W^2 = 1 - m_W^2 / m_Z^2, alpha = sqrt 2 G_F m_W^2 s_W^2 / pi (module docstring)."""
        sin2_w = 1.0 - constants.m_W**2 / constants.m_Z**2
        alpha = math.sqrt(2.0) * G_FERMI * constants.m_W**2 * sin2_w / math.pi
        return cls(alpha, sin2_w, constants.m_W, constants.m_Z)

    @property
    def e(self) -> float:
        return math.sqrt(4.0 * math.pi * self.alpha)

    @property
    def g(self) -> float:
        """The SU(2) coupling e / s_W."""
        return self.e / math.sqrt(self.sin2_w)

    @property
    def g_z(self) -> float:
        """g / c_W."""
        return self.g / math.sqrt(1.0 - self.sin2_w)


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One s-channel boson: mass and width (GeV; 0 for the photon) and the vector and axial
    couplings, v - a gamma5, to the quarks (q) and to the final state (f)."""

    mass: float
    width: float
    v_q: float
    a_q: float
    v_f: float
    a_f: float


def partonic_cross_section(
    s_hat: ArrayLike, mass: ArrayLike, exchanges: Sequence[Exchange]
) -> FloatArray:
    """sigma-hat(s-hat) in GeV^-2 (module docstring) for final states of mass `mass` (GeV),
    s-hat in GeV^2; zero below threshold. Broadcasts s_hat against mass."""
    s, m = np.broadcast_arrays(np.asarray(s_hat, dtype=float), np.asarray(mass, dtype=float))
    beta2 = np.clip(1.0 - 4.0 * m**2 / s, 0.0, None)
    beta = np.sqrt(beta2)
    vector, axial = beta * (3.0 - beta2) / 2.0, beta * beta2
    propagators = [1.0 / (s - ex.mass**2 + 1j * ex.mass * ex.width) for ex in exchanges]
    total = np.zeros(s.shape)
    for ex_i, p_i in zip(exchanges, propagators, strict=True):
        for ex_j, p_j in zip(exchanges, propagators, strict=True):
            quarks = ex_i.v_q * ex_j.v_q + ex_i.a_q * ex_j.a_q
            final = vector * ex_i.v_f * ex_j.v_f + axial * ex_i.a_f * ex_j.a_f
            total += (p_i * np.conj(p_j)).real * quarks * final
    result: FloatArray = s * total / (12.0 * math.pi * N_C)
    return result


def _quark(flavour: int) -> tuple[float, float]:
    """(Q, T3) of a quark, by PDG id."""
    return (2.0 / 3.0, 0.5) if flavour in UP_TYPE else (-1.0 / 3.0, -0.5)


def exchanges(channel: str, quark: int, ew: Electroweak) -> tuple[Exchange, ...]:
    """The bosons of q qbar -> channel for a quark of PDG id `quark` (its type only; for
    "EN" the W with the CKM factor left out)."""
    charge, t3 = _quark(quark)
    z_quark = (ew.g_z * (t3 / 2.0 - charge * ew.sin2_w), ew.g_z * t3 / 2.0)
    if channel == "EE":
        photon = Exchange(0.0, 0.0, ew.e * charge, 0.0, -ew.e, 0.0)
        z = Exchange(ew.m_Z, ew.width_Z, *z_quark, ew.g_z * (-0.5 + ew.sin2_w), 0.0)
        return (photon, z)
    if channel == SINGLET:
        photon = Exchange(0.0, 0.0, ew.e * charge, 0.0, -ew.e, 0.0)
        return (photon, Exchange(ew.m_Z, ew.width_Z, *z_quark, ew.g_z * ew.sin2_w, 0.0))
    if channel == "NN":
        return (Exchange(ew.m_Z, ew.width_Z, *z_quark, ew.g_z * 0.5, 0.0),)
    if channel == "EN":
        w_quark = ew.g / (2.0 * math.sqrt(2.0))
        return (Exchange(ew.m_W, ew.width_W, w_quark, w_quark, ew.g / math.sqrt(2.0), 0.0),)
    raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")


def _luminosities(xf1: FloatArray, xf2: FloatArray, ew: Electroweak) -> dict[str, FloatArray]:
    """Products x1 f(x1) x2 f(x2) summed per coupling class; xf's first axis: flavours
    -5..5 (index f + 5, 0 unused). Keys: "up", "down" (q qbar + qbar q of each type) and
    "W" (sum |V_ij|^2 over u_i dbar_j, dbar_j u_i, ubar_i d_j, d_j ubar_i)."""

    def pair(a: int, b: int) -> FloatArray:
        result: FloatArray = xf1[a + 5] * xf2[b + 5] + xf1[b + 5] * xf2[a + 5]
        return result

    up = sum(pair(q, -q) for q in UP_TYPE)
    down = sum(pair(q, -q) for q in DOWN_TYPE)
    charged = sum(
        ew.ckm[i][j] ** 2 * (pair(u, -d) + pair(-u, d))
        for i, u in enumerate(UP_TYPE)
        for j, d in enumerate(DOWN_TYPE)
    )
    return {"up": np.asarray(up), "down": np.asarray(down), "W": np.asarray(charged)}


def _symmetric_nodes(n: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on [-1, 1], exactly symmetric (z[::-1] == -z)."""
    z, w = np.polynomial.legendre.leggauss(n)
    z = (z - z[::-1]) / 2.0
    w = (w + w[::-1]) / 2.0
    return z, w


def hadronic_cross_sections(
    pdf: PartonDensities,
    masses: ArrayLike,
    sqrt_s: float,
    scale_factor: float = 1.0,
    ew: Electroweak | None = None,
    nodes: tuple[int, int] = NODES,
    force_positive: bool = True,
    channels: Sequence[str] = CHANNELS,
) -> dict[str, FloatArray]:
    """sigma(p p -> channel) in fb per channel (CHANNELS, or SINGLET) at the masses (GeV,
    2 m < sqrt_s) and sqrt_s (GeV), with mu_F = scale_factor * sqrt(s-hat); `nodes`:
    Gauss-Legendre nodes in w and y; `force_positive`: negative x f(x) set to zero (module
    docstring)."""
    ew = Electroweak.g_mu_scheme() if ew is None else ew
    m = np.atleast_1d(np.asarray(masses, dtype=float))
    if m.ndim != 1 or np.any(~np.isfinite(m)) or np.any(m <= 0) or np.any(2 * m >= sqrt_s):
        raise ValueError(f"masses must be positive with 2 m < sqrt_s = {sqrt_s:g} GeV")
    big_s = sqrt_s**2
    tau0 = (4.0 * m**2 / big_s)[:, None, None]
    t_nodes, t_weights = np.polynomial.legendre.leggauss(nodes[0])
    z, z_weights = _symmetric_nodes(nodes[1])
    w_max = np.sqrt(-np.log(tau0))
    w = w_max * (t_nodes[None, :, None] + 1.0) / 2.0
    w_weight = w_max * t_weights[None, :, None] / 2.0
    tau = tau0 * np.exp(w**2)
    s_hat = tau * big_s
    y_max = -0.5 * np.log(tau)
    x1 = np.sqrt(tau) * np.exp(y_max * z[None, None, :])
    q = np.clip(scale_factor * np.sqrt(s_hat), pdf.q_min, pdf.q_max)
    quarks = [f for f in range(-5, 6) if f != 0]
    xf1 = np.zeros((11, *x1.shape))  # flavour f at index f + 5
    xf1[[f + 5 for f in quarks]] = pdf.xfx(quarks, x1, np.broadcast_to(q, x1.shape))
    if force_positive:
        np.clip(xf1, 0.0, None, out=xf1)
    xf2 = xf1[..., ::-1]  # x2 at node z is x1 at node -z
    lum = _luminosities(xf1, xf2, ew)
    # dtau/tau dy = 2 w dw * y_max dz
    jacobian = 2.0 * w * w_weight * y_max
    y_integrals = {k: np.sum(v * z_weights, axis=-1, keepdims=True) for k, v in lum.items()}
    sigma: dict[str, FloatArray] = {}
    mass = m[:, None, None]
    for channel in channels:
        integrand = sum(
            partonic_cross_section(s_hat, mass, exchanges(channel, quark, ew)) * y_integrals[key]
            for key, quark in _CLASSES[channel]
        )
        sigma[channel] = np.sum(integrand * jacobian, axis=(1, 2)) * GEV2_IN_FB
    return sigma
