"""Mass eigenstates of the model and their couplings to W, Z, h and the Goldstones.

Two-component fields, all left-handed: l = (nu, mu), L = (L0, L-), Phi = (phi0, phi-)
(hypercharge -1/2, the paper's H), L^c = (E^c, N^c) (hypercharge +1/2), e^c, S, S^c.
SU(2) products are A.B = A_1 B_2 - A_2 B_1 and A.B* = A_1 B_1* + A_2 B_2*. The Lagrangian
is minus the sum of (eq. 3 of arXiv:2106.01373, plus the muon Yukawa y)

    y (l.Phi) e^c - Y_R (L.Phi) e^c - Y_V S (L^c.Phi) + Y_L (l.Phi*) S^c + Y'_V (L.Phi*) S^c
    + m_L L.L^c + m_S S S^c,

and their conjugates. The signs of the Y_R and Y_V terms are the convention that makes the
exact result reduce to eq. 12, Delta a_mu = +6 Y_L Y_R c ... with c = Y_V m_S/m_L + Y'_V
(tested at small Yukawas): the relative sign of Y_V and Y'_V is physical, and this anchors it
to the paper's, where Delta a_mu > 0 comes with Delta m_mu < 0 (eq. 4).
With phi0 = v + (h + i G0)/sqrt(2), phi- = G-, the mass terms are psi^T M chi:

    charged, (mu, L-) x (e^c, E^c):          M_E = [[-y v, 0], [Y_R v, -m_L]]
    neutral, (nu, L0, S) x (S^c, N^c):       M_N = [[Y_L v, 0], [Y'_V v, m_L], [m_S, Y_V v]]

y is fixed so that the light charged singular value is m_mu; the neutral matrix has rank 2,
so one neutrino stays massless. Dirac mass eigenstates are psi' = U^T psi, chi' = V^T chi
from the singular value decompositions, and their couplings follow by rotating the
interaction-basis matrices. Every array has the points along its leading axes.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import NDArray

from g2fit.model.constants import Constants

FloatArray = NDArray[np.float64]
#: A model point: (m_L, m_S, Y_L, Y_R, Y_V, Y_Vp), masses in GeV, arrays that broadcast.
ModelPoint = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


@dataclasses.dataclass(frozen=True)
class MassBasis:
    """Masses (GeV) and mass-basis couplings at each point; charged index 0 is the muon.

    Couplings are the chiral pairs (c_L, c_R) of mu-bar (c_L P_L + c_R P_R) F X + h.c. for
    each internal fermion F along the last axis, with X = W- (F neutral), Z, h, G0 (F charged)
    or G- (F neutral). Neutral index 2 is the massless neutrino. `g_R_Zmu`, `g_L_Znu` and
    `g_L_Wmunu` are the muon's and its neutrino's own couplings in units of g/c_W or g/sqrt(2).
    """

    charged_masses: FloatArray  # (..., 2), ascending: [m_mu, m_E]
    neutral_masses: FloatArray  # (..., 3): [m_N1, m_N2, 0]
    W: tuple[FloatArray, FloatArray]
    Z: tuple[FloatArray, FloatArray]
    h: tuple[FloatArray, FloatArray]
    G0: tuple[FloatArray, FloatArray]
    Gminus: tuple[FloatArray, FloatArray]
    g_L_Wmunu: FloatArray
    g_R_Zmu: FloatArray
    g_L_Znu: FloatArray


def muon_yukawa(
    m_L: FloatArray, Y_R: FloatArray, constants: Constants, v: FloatArray | float
) -> FloatArray:
    """y v (GeV) such that the light singular value of M_E is exactly m_mu, at vev v (GeV)."""
    m_mu = constants.m_mu
    yv: FloatArray = m_mu * np.sqrt((np.square(Y_R * v) + m_L**2 - m_mu**2) / (m_L**2 - m_mu**2))
    return yv


def _svd_ascending(matrix: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """U, singular values and V with matrix = U[..., :, :k] diag(s) V^T, s ascending."""
    u, s, vt = np.linalg.svd(matrix)
    k = s.shape[-1]
    order = np.arange(k)[::-1]
    u_sorted = np.concatenate([u[..., :, order], u[..., :, k:]], axis=-1)
    return u_sorted, s[..., order], np.swapaxes(vt, -1, -2)[..., :, order]


@dataclasses.dataclass(frozen=True)
class Diagonalized:
    """The mass matrices' singular value decompositions at each point (module docstring).

    u_E, v_E: (..., 2, 2) over (mu, L-) and (e^c, E^c), columns [muon, E]; u_N: (..., 3, 3)
    over (nu, L0, S), columns [N1, N2, nu]; v_N: (..., 2, 2) over (S^c, N^c), columns [N1, N2].
    d_E, d_N: the Higgs-field parts d M/d v; yv: the muon Yukawa times v (GeV)."""

    u_E: FloatArray
    s_E: FloatArray
    v_E: FloatArray
    u_N: FloatArray
    s_N: FloatArray
    v_N: FloatArray
    d_E: FloatArray
    d_N: FloatArray
    yv: FloatArray


def diagonalize(
    point: ModelPoint,
    constants: Constants,
    v: FloatArray | None = None,
) -> Diagonalized:
    """The charged and neutral mass matrices and their decompositions (masses in GeV), at the
    vev v (GeV; constants.v unless given, per point)."""
    v_given = constants.v if v is None else v
    m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, v_array = np.broadcast_arrays(*point, v_given)
    yv = muon_yukawa(m_L, Y_R, constants, v_array)
    v = v_array[..., None, None]
    # d M / d v: the Higgs-field part of each mass matrix (filled in place: cheaper than
    # stacking for the small batches of a chain)
    dE = np.zeros((*m_L.shape, 2, 2))
    dE[..., 0, 0], dE[..., 1, 0] = -yv / v_array, Y_R
    mE = dE * v
    mE[..., 1, 1] = -m_L
    dN = np.zeros((*m_L.shape, 3, 2))
    dN[..., 0, 0], dN[..., 1, 0], dN[..., 2, 1] = Y_L, Y_Vp, Y_V
    mN = dN * v
    mN[..., 1, 1], mN[..., 2, 0] = m_L, m_S
    uE, sE, vE = _svd_ascending(mE)
    uN, sN, vN = _svd_ascending(mN)
    return Diagonalized(uE, sE, vE, uN, sN, vN, dE, dN, yv)


def mass_basis(
    point: ModelPoint,
    constants: Constants,
    v: FloatArray | None = None,
) -> MassBasis:
    """The masses (GeV) and the muon's couplings to every internal state, at every point, at
    the vev v (GeV; constants.v unless given, per point)."""
    k = constants
    d = diagonalize(point, k, v)
    v = np.broadcast_to(k.v if v is None else v, d.yv.shape)
    uE, sE, vE, uN, sN, vN, dE = d.u_E, d.s_E, d.v_E, d.u_N, d.s_N, d.v_N, d.d_E
    Y_L, Y_R, Y_V, Y_Vp = np.broadcast_arrays(*point[2:], d.yv)[:4]
    shape = d.yv.shape
    zero = np.zeros(shape)
    yv = d.yv
    mu = 0  # the muon is the light charged state
    uE_mu, vE_mu = uE[..., :, mu], vE[..., :, mu]
    # W+ current N-bar gamma (G_L P_L + G_R P_R) E: G_L from psi, G_R = -(E^c N^c term)
    W_L = uN[..., 0, :] * uE_mu[..., None, 0] + uN[..., 1, :] * uE_mu[..., None, 1]
    W_R = np.concatenate([-vN[..., 1, :] * vE_mu[..., None, 1], zero[..., None]], -1)
    g = (math.sqrt(2.0) * k.m_W / v)[..., None]
    W = (g / math.sqrt(2.0) * W_L, g / math.sqrt(2.0) * W_R)
    # Z: left-handed charged states share T3 - Q s^2 = -1/2 + s^2; right-handed (e^c, E^c)
    # have -(T3 - Q s^2) = (s^2, s^2 - 1/2) after the sign of the chi current.
    s2 = k.sin2_theta_W
    g_Z = (math.sqrt(2.0) * k.m_Z / v)[..., None]
    Z_L = np.where(np.arange(2) == mu, -0.5 + s2, 0.0) * np.ones((*shape, 2))
    Z_R = (
        s2 * vE[..., 0, :] * vE_mu[..., None, 0] + (s2 - 0.5) * vE[..., 1, :] * vE_mu[..., None, 1]
    )
    Z = (g_Z * Z_L, g_Z * Z_R)
    # Scalars: -L contains phi0 psi^T dM chi; the Dirac bilinear psi_a chi_b = Fbar_b P_L F_a.
    lamE = np.einsum("...ia,...ij,...jb->...ab", uE, dE, vE)  # [psi' charged, chi' charged]
    inv_sqrt2 = 1.0 / math.sqrt(2.0)
    h = (-inv_sqrt2 * lamE[..., :, mu], -inv_sqrt2 * lamE[..., mu, :])
    # G0 enters phi0 as i G0/sqrt(2): couplings i times h's; only Re(c_L c_R*) and |c|^2 enter,
    # so the pair (c_L, c_R) = (-i a, +i b) is stored as the real pair (a, -b) with equal products.
    G0 = (h[0], -h[1])
    # G-: phi- couplings (nu, L0, S) x (e^c, E^c) and phi-* couplings (mu, L-) x (S^c, N^c)
    K = np.stack(
        [np.stack([yv / v, zero], -1), np.stack([-Y_R, zero], -1), np.stack([zero, -Y_V], -1)], -2
    )
    J = np.stack([np.stack([Y_L, zero], -1), np.stack([Y_Vp, zero], -1)], -2)
    K_mu = np.einsum("...ia,...ij,...j->...a", uN, K, vE_mu)  # over neutral psi'
    J_mu = np.einsum("...i,...ij,...jb->...b", uE_mu, J, vN)  # over neutral chi' (massive only)
    Gminus = (-K_mu, -np.concatenate([J_mu, zero[..., None]], -1))
    return MassBasis(
        charged_masses=sE,
        neutral_masses=np.concatenate([sN, zero[..., None]], -1),
        W=W,
        Z=Z,
        h=h,
        G0=G0,
        Gminus=Gminus,
        g_L_Wmunu=np.abs(W_L[..., 2]),
        g_R_Zmu=Z_R[..., mu],
        g_L_Znu=0.5 * (uN[..., 0, 2] ** 2 + uN[..., 1, 2] ** 2),
    )


def g_mu_vev(point: ModelPoint, constants: Constants) -> FloatArray:
    """The model's vev v0 = v sqrt(1 + dgL_W) (GeV) in the G_mu scheme (g2fit.model.exact),
    dgL_W taken at v: one fixed-point step, so every heavy-lepton quantity of a point (loops,
    couplings, decays) is computed with one set of couplings.

    1 + dgL_W is |<nu_0|nu> <mu_0|mu> + <L0|nu> <L-|mu>|, the muon's W coupling: the massless
    neutrino is the cross product of the neutral mass matrix's two columns (its left null
    vector) and the muon the lighter left singular vector of the charged one, in closed form
    (no decomposition; equal to `mass_basis(...).g_L_Wmunu`, tested)."""
    m_L, m_S, Y_L, Y_R, Y_V, Y_Vp = np.broadcast_arrays(*(np.asarray(x, float) for x in point))
    v = constants.v
    # neutrino: (Y_L v, Y'_V v, m_S) x (0, m_L, Y_V v)
    nu = np.stack([Y_Vp * Y_V * v * v - m_S * m_L, -Y_L * Y_V * v * v, Y_L * v * m_L], axis=-1)
    # norms written out: a point rounds the same alone and inside a batch (a reduction need not)
    nu /= np.sqrt(nu[..., 0] ** 2 + nu[..., 1] ** 2 + nu[..., 2] ** 2)[..., None]
    # muon: the eigenvector of M_E M_E^T at m_mu^2, (m_mu^2 - c, b) with c = Y_R^2 v^2 + m_L^2
    yv = muon_yukawa(m_L, Y_R, constants, v)
    mu = np.stack([constants.m_mu**2 - np.square(Y_R * v) - m_L**2, -yv * Y_R * v], axis=-1)
    mu /= np.sqrt(mu[..., 0] ** 2 + mu[..., 1] ** 2)[..., None]
    coupling = np.abs(nu[..., 0] * mu[..., 0] + nu[..., 1] * mu[..., 1])
    vev: FloatArray = v * np.sqrt(coupling)
    return vev


def diagonalize_closed_form(point: ModelPoint, constants: Constants, v: FloatArray) -> Diagonalized:
    """`diagonalize` without a numerical SVD: the 2x2 eigenproblems of M M^T and M^T M in closed
    form (decays and LHC rates of a chain's small batches; numpy's SVD costs ~5 us a matrix).

    Charged: the muon's left and right vectors are the eigenvectors at m_mu^2 (exact, as y is
    fixed by it), E's are orthogonal to them. Neutral: M_N^T M_N's eigenvectors, its smaller
    eigenvalue as det / larger (no cancellation), the left vectors M_N v / s and the massless
    neutrino's cross product. Right vectors are signed so that M v = s u. Equal to `diagonalize`
    up to the signs of singular vectors (tested)."""
    m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, v_array = np.broadcast_arrays(*point, v)
    yv = muon_yukawa(m_L, Y_R, constants, v_array)
    dE = np.zeros((*m_L.shape, 2, 2))
    dE[..., 0, 0], dE[..., 1, 0] = -yv / v_array, Y_R
    mE = dE * v_array[..., None, None]
    mE[..., 1, 1] = -m_L
    dN = np.zeros((*m_L.shape, 3, 2))
    dN[..., 0, 0], dN[..., 1, 0], dN[..., 2, 1] = Y_L, Y_Vp, Y_V
    mN = dN * v_array[..., None, None]
    mN[..., 1, 1], mN[..., 2, 0] = m_L, m_S
    # charged: rows (mu, L-), columns (e^c, E^c); eigenvectors at lambda = m_mu^2
    m_mu2, yr = constants.m_mu**2, Y_R * v_array
    left = _unit2(m_mu2 - yr**2 - m_L**2, -yv * yr)
    right = _unit2(m_L**2 - m_mu2, yr * m_L)
    uE = np.stack([np.stack([left[0], -left[1]], -1), np.stack([left[1], left[0]], -1)], -2)
    vE = np.stack([np.stack([right[0], -right[1]], -1), np.stack([right[1], right[0]], -1)], -2)
    heavy = np.sqrt(np.maximum(np.sum(mE**2, axis=(-2, -1)) - m_mu2, 0.0))
    sE = np.stack([np.full(m_L.shape, constants.m_mu), heavy], -1)
    vE *= np.sign(np.einsum("...ia,...ij,...ja->...a", uE, mE, vE))[..., None, :]
    # neutral: M^T M = [[p, q], [q, r]] over (S^c, N^c)
    p = np.sum(mN[..., :, 0] ** 2, axis=-1)
    q = np.sum(mN[..., :, 0] * mN[..., :, 1], axis=-1)
    r = np.sum(mN[..., :, 1] ** 2, axis=-1)
    high = 0.5 * (p + r) + np.sqrt(0.25 * (p - r) ** 2 + q**2)
    low = (p * r - q * q) / high
    first, second = (high - r, q), (q, high - p)  # both eigenvectors at high; take the longer
    longer = first[0] ** 2 + first[1] ** 2 >= second[0] ** 2 + second[1] ** 2
    top = _unit2(np.where(longer, first[0], second[0]), np.where(longer, first[1], second[1]))
    vN = np.stack([np.stack([-top[1], top[0]], -1), np.stack([top[0], top[1]], -1)], -2)
    sN = np.sqrt(np.stack([np.maximum(low, 0.0), high], -1))
    columns = np.einsum("...ij,...ja->...ia", mN, vN) / sN[..., None, :]
    nu = np.stack(
        [Y_Vp * Y_V * v_array**2 - m_S * m_L, -Y_L * Y_V * v_array**2, Y_L * v_array * m_L], -1
    )
    nu /= np.sqrt(nu[..., 0] ** 2 + nu[..., 1] ** 2 + nu[..., 2] ** 2)[..., None]
    uN = np.concatenate([columns, nu[..., None]], -1)
    return Diagonalized(uE, sE, vE, uN, sN, vN, dE, dN, yv)


def _unit2(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(a, b) / |(a, b)|, elementwise."""
    norm = np.sqrt(a * a + b * b)
    return a / norm, b / norm
