"""a_mu from one (fermion, boson) loop in Feynman gauge, by numerical Dirac algebra.

An independent computation for the gauge-independence test: g2fit's loops are Leveille's
unitary-gauge integrands at m_mu -> 0 (g2fit/model/one_loop.py); here every diagram of
Feynman gauge (xi = 1, Goldstones at the vector's mass) is built from its Feynman rules,
with explicit 4x4 gamma matrices, the physical m_mu kept in the spinors, and the
Feynman-parameter integral done by quadrature. F2 is read off the vertex between on-shell
spinors at a small spacelike q^2 with a trace projector onto the six Lorentz structures.

The theory, for one muon-like fermion mu (charge -1, vertex -i e Q gamma^mu, covariant
derivative d + i e Q A) and one internal fermion F:
    X_mu mu-bar gamma^mu (c_L P_L + c_R P_R) F + h.c.      (X = W-, or Z with F charged)
    G    mu-bar (d_L P_L + d_R P_R) F + h.c.              (G = G-, or G0)
with the Goldstone couplings that the Stueckelberg form of the vector, B = X - d G/M,
gives after integrating by parts and using the Dirac equations (the Ward identity):
    d_L = i (m_mu c_L - m_F c_R)/M,   d_R = i (m_mu c_R - m_F c_L)/M.
The mixing term M^2 B+ B- contains -M (W+ . dG- + W- . dG+); its U(1)_em-covariant form
gives the gamma W G vertex, i e M (W+ . A G- - W- . A G+). W W gamma is the Yang-Mills
vertex and G G gamma that of scalar QED.

Only the loop-momentum-independent part of each numerator is kept after the shift: in
Feynman gauge every numerator is at most quadratic in momenta, so its l^2 part carries no
external momentum and can only give gamma^mu and gamma^mu gamma5 structures (F1, axial).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

CArray = NDArray[np.complex128]

_einsum = functools.partial(np.einsum, optimize=True)
# Feynman-rule factors: a vertex is i times its Lagrangian coefficient; propagators are
# i/(k^2 - m^2) for fermions (times k-slash + m) and scalars, -i g/(k^2 - M^2) for vectors
# in Feynman gauge; the photon meets charge Q = -1 with -i e Q = +i (e = 1).
VERTEX = 1j
PROPAGATOR = 1j
VECTOR = -1j
PHOTON = 1j

METRIC = np.array([1.0, -1.0, -1.0, -1.0])
_I2 = np.eye(2)
_ZERO = np.zeros((2, 2))
_PAULI = (
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
)
GAMMA = np.array(
    [np.block([[_I2, _ZERO], [_ZERO, -_I2]])]
    + [np.block([[_ZERO, s], [-s, _ZERO]]) for s in _PAULI],
    dtype=complex,
)
GAMMA5 = np.block([[_ZERO, _I2], [_I2, _ZERO]]).astype(complex)
GAMMA_LOWER = GAMMA * METRIC[:, None, None]
ONE = np.eye(4, dtype=complex)
P_L = 0.5 * (ONE - GAMMA5)
P_R = 0.5 * (ONE + GAMMA5)


def slash(p: NDArray[np.float64]) -> CArray:
    """gamma^mu p_mu for momenta along the leading axes, shape (..., 4, 4)."""
    return _einsum("...m,mab->...ab", p * METRIC, GAMMA)


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    return _einsum("...m,m,...m->...", a, METRIC, b)


class Kinematics:
    """Breit frame: p = (E, 0, 0, -Q/2), p' = (E, 0, 0, Q/2), q = p' - p, q^2 = -Q^2."""

    def __init__(self, m_mu: float, Q: float) -> None:
        E = math.sqrt(m_mu**2 + Q**2 / 4)
        self.m = m_mu
        self.p = np.array([E, 0.0, 0.0, -Q / 2])
        self.pp = np.array([E, 0.0, 0.0, Q / 2])
        q = self.pp - self.p
        total = self.p + self.pp
        # structures Lambda^mu: gamma, (p+p'), q and each times gamma5; shape (6, 4, 4, 4)
        plain = [GAMMA, total[:, None, None] * ONE, q[:, None, None] * ONE]
        self.structures = np.array(plain + [s @ GAMMA5 for s in plain])
        self.gram = np.array(
            [[self._project(a, b) for b in self.structures] for a in self.structures]
        )

    def _project(self, probe: CArray, vertex: CArray) -> complex:
        """sum_mu g_mu,mu Tr[probe^mu (p'-slash + m) vertex^mu (p-slash + m)]."""
        outer = slash(self.pp) + self.m * ONE
        inner = slash(self.p) + self.m * ONE
        return complex(_einsum("m,mab,bc,mcd,da->", METRIC, probe, outer, vertex, inner))

    def f2(self, vertex: CArray) -> float:
        """F2 of Gamma^mu (shape (4, 4, 4)) = F1 gamma^mu + i sigma^{mu nu} q_nu F2/(2m) + ..."""
        rhs = np.array([self._project(a, vertex) for a in self.structures])
        coefficients = np.linalg.solve(self.gram, rhs)
        # gamma^mu = (p+p')^mu/2m + i sigma q/2m, so F2 is -2m times the (p+p')^mu coefficient
        return float((-2.0 * self.m * coefficients[1]).real)


def _simplex(n: int) -> tuple[NDArray[np.float64], ...]:
    """Nodes (x, y, z) and weights of a product Gauss-Legendre rule on x + y + z = 1.

    x = u, y = (1 - u) s: n nodes in s and n per panel in u, on panels that shrink
    geometrically towards u = 0 and u = 1 (down to 1e-12), where Delta can be as small as
    m_mu^2 while it is M^2 elsewhere.
    """
    t, w = np.polynomial.legendre.leggauss(n)
    t, w = 0.5 * (t + 1), 0.5 * w
    steps = 10.0 ** -np.arange(12, 0, -1)
    edges = np.concatenate([[0.0], steps, [0.5], (1 - steps)[::-1], [1.0]])
    width = np.diff(edges)
    u = (edges[:-1, None] + width[:, None] * t).ravel()
    u_weights = (width[:, None] * w).ravel()
    uu, ss = np.meshgrid(u, t, indexing="ij")
    weights = np.outer(u_weights, w) * (1 - uu)
    x, y = uu, (1 - uu) * ss
    return x.ravel(), y.ravel(), (1 - x - y).ravel(), weights.ravel()


class FeynmanGaugeLoop:
    """One internal fermion F (mass m_F) with a boson of mass M, vector couplings c_L, c_R."""

    def __init__(
        self, kin: Kinematics, c_L: float, c_R: float, m_F: float, M: float, nodes: int = 16
    ) -> None:
        self.kin, self.m_F, self.M = kin, m_F, M
        m = kin.m
        self.chiral = c_L * P_L + c_R * P_R  # mu-bar ... F vertex
        self.chiral_bar = np.conj(c_L) * P_L + np.conj(c_R) * P_R  # F-bar ... mu (after gamma)
        d_L = 1j * (m * c_L - m_F * c_R) / M
        d_R = 1j * (m * c_R - m_F * c_L) / M
        self.scalar = d_L * P_L + d_R * P_R
        self.scalar_bar = np.conj(d_L) * P_R + np.conj(d_R) * P_L
        x, y, z, w = _simplex(nodes)
        self.x, self.y, self.z, self.w = x, y, z, w
        self.P = y[:, None] * kin.p + z[:, None] * kin.pp

    def _integrate(self, numerator: CArray, m0: float, m1: float, m2: float) -> float:
        """F2 of the vertex whose numerator at k = P is `numerator` (n, 4, 4, 4); propagator
        masses m0 (momentum k), m1 (p - k), m2 (p' - k)."""
        kin = self.kin
        delta = (
            _dot(self.P, self.P)
            - (self.y + self.z) * kin.m**2
            + self.x * m0**2
            + self.y * m1**2
            + self.z * m2**2
        )
        integral = _einsum("n,nmab->mab", self.w / delta, numerator)
        # i M = -i/(16 pi^2) int N/Delta; Gamma = i M / (-i e Q_mu), e = 1, Q_mu = -1
        vertex = integral / (16.0 * math.pi**2 * -1.0)
        return kin.f2(vertex)

    def _scalar_vertices(self, couplings: tuple[complex, complex] | None) -> tuple[CArray, CArray]:
        if couplings is None:
            return self.scalar, self.scalar_bar
        s_L, s_R = couplings
        return s_L * P_L + s_R * P_R, np.conj(s_L) * P_R + np.conj(s_R) * P_L

    # --- photon on the boson: F neutral, boson charge -1 -----------------------------
    def _charged_momenta(self) -> tuple[CArray, NDArray[np.float64], NDArray[np.float64]]:
        k = self.P
        propagator = slash(k) + self.m_F * ONE  # F carries k
        return propagator, self.kin.p - k, self.kin.pp - k  # W- / G- before and after

    def vector_charged(self) -> float:
        """W- W- gamma diagram, Feynman-gauge propagators -i g/(k^2 - M^2)."""
        S, k1, k2 = self._charged_momenta()
        g = np.diag(METRIC)
        # V^{mu alpha beta} = +i e Q [g^ab (k1+k2)^mu - g^b mu (2k2-k1)^a + g^mu a (k2-2k1)^b]
        V = (
            _einsum("ab,nm->nmab", g, k1 + k2)
            - _einsum("bm,na->nmab", g, 2 * k2 - k1)
            + _einsum("ma,nb->nmab", g, k2 - 2 * k1)
        ) * -PHOTON
        left = _einsum("bij,jk->bik", GAMMA_LOWER, self.chiral)
        right = _einsum("aij,jk->aik", GAMMA_LOWER, self.chiral_bar)
        string = _einsum("bij,njk,akl->nbail", left, S, right)
        N = VERTEX**2 * PROPAGATOR * VECTOR**2 * _einsum("nmab,nbaij->nmij", V, string)
        return self._integrate(N, self.m_F, self.M, self.M)

    def scalar_charged(self, couplings: tuple[complex, complex] | None = None) -> float:
        """G- G- gamma diagram (scalar QED vertex -i e Q (k1 + k2)^mu): the Goldstone by
        default, or a charged scalar with couplings mu-bar (s_L P_L + s_R P_R) F G- + h.c."""
        vertex, vertex_bar = self._scalar_vertices(couplings)
        S, k1, k2 = self._charged_momenta()
        string = _einsum("ij,njk,kl->nil", vertex, S, vertex_bar)
        N = VERTEX**2 * PROPAGATOR**3 * PHOTON * _einsum("nm,nij->nmij", k1 + k2, string)
        return self._integrate(N, self.m_F, self.M, self.M)

    def mixed_charged(self) -> float:
        """The two gamma W G diagrams (W then G, and G then W), vertex i e M (W+.A G- - W-.A G+)."""
        S, _, _ = self._charged_momenta()
        M = self.M
        # W- emitted, gamma W- -> G- (vertex e M g^{mu alpha}), G- absorbed
        first = _einsum("ij,njk,mkl,lo->nmio", self.scalar, S, GAMMA, self.chiral_bar)
        first = first * (VERTEX**2 * PROPAGATOR**2 * VECTOR * M)
        # G- emitted, gamma G- -> W- (vertex -e M g^{mu beta}), W- absorbed
        second = _einsum("mij,jk,nkl,lo->nmio", GAMMA, self.chiral, S, self.scalar_bar)
        second = second * (VERTEX**2 * PROPAGATOR**2 * VECTOR * -M)
        return self._integrate(first + second, self.m_F, self.M, self.M)

    # --- photon on the fermion: F charged (-1), boson neutral ---------------------------
    def _neutral_strings(self) -> tuple[CArray, CArray]:
        k = self.P
        before = slash(self.kin.p - k) + self.m_F * ONE
        after = slash(self.kin.pp - k) + self.m_F * ONE
        return before, after

    def vector_neutral(self) -> float:
        """Z loop with the photon on F, propagator -i g/(k^2 - M^2)."""
        before, after = self._neutral_strings()
        left = _einsum("bij,jk->bik", GAMMA, self.chiral)
        right = _einsum("bij,jk->bik", GAMMA_LOWER, self.chiral_bar)
        N = _einsum("bij,njk,mkl,nlo,bop->nmip", left, after, GAMMA, before, right)
        N = N * (VERTEX**2 * PROPAGATOR**2 * PHOTON * VECTOR)
        return self._integrate(N, self.M, self.m_F, self.m_F)

    def scalar_neutral(self, couplings: tuple[complex, complex] | None = None) -> float:
        """Neutral scalar loop with the photon on F: the Goldstone G0 by default, or a scalar
        with couplings mu-bar (s_L P_L + s_R P_R) F h + h.c."""
        vertex, vertex_bar = self._scalar_vertices(couplings)
        before, after = self._neutral_strings()
        N = _einsum("ij,njk,mkl,nlo,op->nmip", vertex, after, GAMMA, before, vertex_bar)
        N = N * (VERTEX**2 * PROPAGATOR**3 * PHOTON)
        return self._integrate(N, self.M, self.m_F, self.m_F)
