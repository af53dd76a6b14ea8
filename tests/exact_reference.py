"""An independent high-precision evaluation of the exact one-loop Delta a_mu, in mpmath.

Written from the Lagrangian in g2fit/model/mass_basis.py's docstring and the Feynman-parameter
integrals of Leveille (Nucl. Phys. B137 (1978) 63) at m_mu -> 0, without g2fit's code:
the mass matrices are diagonalized by mpmath's SVD, the couplings are rotated index by
index, and every loop is integrated by quadrature. Delta a_mu is the sum at the point (in the
G_mu scheme, g2fit.model.exact) minus the same sum with every new Yukawa zero. It shares the
formulas with g2fit and checks the float64 numerics; the formulas are anchored elsewhere.
"""

from __future__ import annotations

import mpmath as mp

from g2fit.model.constants import Constants

_DPS = 40


def _integral(numerator, denominator, r: mp.mpf) -> mp.mpf:  # type: ignore[no-untyped-def]
    """int_0^1 numerator(x, r)/denominator(x, r) dx, split where the integrand varies fastest."""
    cuts = {mp.mpf(0), mp.mpf(1)}
    for c in (r, 1 / r, 1 - r, 1 - 1 / r):
        if 0 < c < 1:
            cuts.add(c)
    return mp.quad(lambda x: numerator(x, r) / denominator(x, r), sorted(cuts))


def _neutral_d(x: mp.mpf, r: mp.mpf) -> mp.mpf:
    return 1 - x + r * x


def _charged_d(x: mp.mpf, r: mp.mpf) -> mp.mpf:
    return x + r * (1 - x)


# (N1 with its longitudinal part, N2 with its longitudinal part, denominator) per loop kind
_LOOPS = {
    "W": (
        lambda x, r: 2 * x**2 * (1 + x) + r * x * (1 - x) * (2 - x),
        lambda x, r: -4 * x**2 - r * x * (1 - x),
        _charged_d,
    ),
    "Z": (
        lambda x, r: 2 * x * (1 - x) * (x - 2) - r * x**2 * (1 + x),
        lambda x, r: 4 * x * (1 - x) + r * x**2,
        _neutral_d,
    ),
    "h": (lambda x, r: x**2 * (1 - x), lambda x, r: x**2, _neutral_d),
}


def _loop(kind: str, c_L: mp.mpf, c_R: mp.mpf, m_F: mp.mpf, M: mp.mpf, m_mu: mp.mpf) -> mp.mpf:
    n1, n2, d = _LOOPS[kind]
    r = max((m_F / M) ** 2, mp.mpf("1e-60"))
    value = (c_L**2 + c_R**2) / 2 * _integral(n1, d, r)
    if c_L * c_R != 0:
        value += c_L * c_R * m_F / m_mu * _integral(n2, d, r)
    return m_mu**2 / (8 * mp.pi**2 * M**2) * value


def _svd(rows: list[list[mp.mpf]]) -> tuple[mp.matrix, list[mp.mpf], mp.matrix]:
    """U, ascending singular values and V (columns) with A = U diag(s) V^T."""
    u, s, vt = mp.svd_r(mp.matrix(rows), full_matrices=True)
    n = len(s)
    order = sorted(range(n), key=lambda i: s[i])
    cols = order + list(range(n, u.cols))
    U = mp.matrix(u.rows, u.cols)
    V = mp.matrix(vt.cols, n)
    for j, c in enumerate(cols):
        for i in range(u.rows):
            U[i, j] = u[i, c]
    for j, c in enumerate(order):
        for i in range(vt.cols):
            V[i, j] = vt[c, i]
    return U, [s[i] for i in order], V


def _bases(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, m_mu, v, full=False):  # type: ignore[no-untyped-def]
    """The muon Yukawa times v and the two decompositions at vev v."""
    yv = m_mu * mp.sqrt(((Y_R * v) ** 2 + m_L**2 - m_mu**2) / (m_L**2 - m_mu**2))
    uE, sE, vE = _svd([[-yv, 0], [Y_R * v, -m_L]])
    uN, sN, vN = _svd([[Y_L * v, 0], [Y_Vp * v, m_L], [m_S, Y_V * v]])
    return (yv, sE, vE, uE, uN, sN, vN) if full else (yv, sE, vE, uE, uN)


def _total(point: tuple[float, ...], k: Constants, v: mp.mpf | None = None) -> mp.mpf:
    """The loops' sum at vev v (GeV); by default at the v0 that reproduces G_mu."""
    m_L, m_S, Y_L, Y_R, Y_V, Y_Vp = (mp.mpf(p) for p in point)
    m_mu, m_W, m_Z, m_h = (mp.mpf(getattr(k, n)) for n in ("m_mu", "m_W", "m_Z", "m_h"))
    if v is None:  # the G_mu scheme: v0 = v sqrt(1 + dgL_W), dgL_W at v (g2fit.model.exact)
        v_measured = mp.mpf(k.v)
        _, _, _, uE, uN = _bases(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, m_mu, v_measured)
        v = v_measured * mp.sqrt(abs(uN[0, 2] * uE[0, 0] + uN[1, 2] * uE[1, 0]))
    yv, sE, vE, uE, uN, sN, vN = _bases(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, m_mu, v, full=True)
    s2 = mp.mpf(k.sin2_theta_W)
    g = mp.sqrt(2) * m_W / v
    gZ = mp.sqrt(2) * m_Z / v
    total = mp.mpf(0)
    # W: neutral states a (two massive Dirac, one massless), muon = charged state 0
    for a in range(3):
        c_L = g / mp.sqrt(2) * (uN[0, a] * uE[0, 0] + uN[1, a] * uE[1, 0])
        c_R = -g / mp.sqrt(2) * vN[1, a] * vE[1, 0] if a < 2 else mp.mpf(0)
        m_F = sN[a] if a < 2 else mp.mpf(0)
        total += _loop("W", c_L, c_R, m_F, m_W, m_mu)
    # Z and h: charged states b
    dE = [[-yv / v, 0], [Y_R, 0]]
    for b in range(2):
        c_L = gZ * (-mp.mpf(1) / 2 + s2) if b == 0 else mp.mpf(0)
        c_R = gZ * (s2 * vE[0, b] * vE[0, 0] + (s2 - mp.mpf(1) / 2) * vE[1, b] * vE[1, 0])
        total += _loop("Z", c_L, c_R, sE[b], m_Z, m_mu)
        pairs = [(i, j) for i in range(2) for j in range(2)]
        lam = [
            [sum(uE[i, p] * dE[i][j] * vE[j, q] for i, j in pairs) for q in (0, 1)] for p in (0, 1)
        ]
        total += _loop("h", -lam[b][0] / mp.sqrt(2), -lam[0][b] / mp.sqrt(2), sE[b], m_h, m_mu)
    return total


def delta_amu_one_loop(point: tuple[float, ...], constants: Constants) -> mp.mpf:
    """The exact one-loop Delta a_mu at (m_L, m_S, Y_L, Y_R, Y_V, Y'_V), at 40 digits."""
    with mp.workdps(_DPS):
        sm = (point[0], point[1], 0.0, 0.0, 0.0, 0.0)
        return _total(point, constants) - _total(sm, constants, mp.mpf(constants.v))
