"""Delta a_mu at one loop in the mass basis, exact in the heavy masses (unitary gauge).

For a loop of fermion F (mass m_F) and boson X (mass M) with couplings
mu-bar (c_L P_L + c_R P_R) F X + h.c., the contribution at leading order in m_mu/M is

    a = m_mu^2/(8 pi^2 M^2) [ S/2 int N1(x)/D(x) + P (m_F/m_mu) int N2(x)/D(x) ],

S = |c_L|^2 + |c_R|^2, P = Re(c_L c_R*), with the Feynman-parameter integrands of
Leveille, Nucl. Phys. B137 (1978) 63 (as collected in Jegerlehner & Nyffeler, Phys. Rept.
477 (2009) 1, sec. 7) taken to m_mu -> 0 at fixed r = m_F^2/M^2:

    neutral vector (Z):   N1 = 2x(1-x)(x-2) - r x^2(1+x),   N2 = 4x(1-x) + r x^2,   D = 1-x+rx
    charged vector (W):   N1 = 2x^2(1+x) + r x(1-x)(2-x),   N2 = -4x^2 - r x(1-x),  D = x+r(1-x)
    neutral scalar (h):   N1 = x^2(1-x),                   N2 = x^2,               D = 1-x+rx
    charged scalar (G-):  N1 = -x^2(1-x),                  N2 = -x(1-x),           D = x+r(1-x)

The r terms of the vectors are their longitudinal parts: the scalar integrands with the
Goldstone couplings that the Ward identity gives, (m_mu - m_F) C_V/M and (m_mu + m_F) C_A/M.
The P terms are the chirally enhanced ones (what eq. 12 approximates); the S terms conserve
chirality. Every integral is a sum of I_n(r) = int_0^1 t^n/(1 + (r-1) t) dt (the charged
denominators after x -> 1 - t), computed from a series near r = 1 and by recurrence elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import polynomial as poly
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_NEUTRAL, _CHARGED = "neutral", "charged"
_X = np.array([0.0, 1.0])
_ONE_MINUS_X = np.array([1.0, -1.0])


def _p(*factors: object) -> FloatArray:
    """The product of polynomials given as coefficient lists (lowest power first)."""
    out = np.array([1.0])
    for factor in factors:
        out = poly.polymul(out, np.asarray(factor, dtype=float))
    return out


#: Integrand numerators (N1, N1 r-part, N2, N2 r-part) in x and their denominator kind.
_INTEGRANDS: dict[str, tuple[tuple[FloatArray, ...], str]] = {
    "vector_neutral": (
        (
            _p(2.0, _X, _ONE_MINUS_X, [-2.0, 1.0]),
            _p(-1.0, _X, _X, [1.0, 1.0]),
            _p(4.0, _X, _ONE_MINUS_X),
            _p(_X, _X),
        ),
        _NEUTRAL,
    ),
    "vector_charged": (
        (
            _p(2.0, _X, _X, [1.0, 1.0]),
            _p(_X, _ONE_MINUS_X, [2.0, -1.0]),
            _p(-4.0, _X, _X),
            _p(-1.0, _X, _ONE_MINUS_X),
        ),
        _CHARGED,
    ),
    "scalar_neutral": ((_p(_X, _X, _ONE_MINUS_X), np.zeros(1), _p(_X, _X), np.zeros(1)), _NEUTRAL),
    "scalar_charged": (
        (_p(-1.0, _X, _X, _ONE_MINUS_X), np.zeros(1), _p(-1.0, _X, _ONE_MINUS_X), np.zeros(1)),
        _CHARGED,
    ),
}
_DEGREE = 4  # numerators have degree <= 3: I_0 .. I_3


def _in_t(coeffs: FloatArray, kind: str) -> FloatArray:
    """Coefficients of the numerator in t, where the denominator is 1 + (r-1) t."""
    if kind == _CHARGED:  # x = 1 - t turns x + r(1-x) into 1 - t + r t
        coeffs = _substitute_one_minus(coeffs)
    out = np.zeros(_DEGREE)
    out[: len(coeffs)] = coeffs
    return out


def _substitute_one_minus(coeffs: FloatArray) -> FloatArray:
    result = np.zeros(1)
    for power, c in enumerate(coeffs):
        result = poly.polyadd(result, c * poly.polypow(_ONE_MINUS_X, power))
    return np.asarray(result)


#: Per loop kind: a (4, 4) matrix mapping (I_0..I_3) to (N1, N1r, N2, N2r) integrals.
_COEFFS = {
    name: np.stack([_in_t(c, kind) for c in numerators])
    for name, (numerators, kind) in _INTEGRANDS.items()
}

_SERIES_TERMS = 60  # |r - 1| <= 1/2: 0.5^60 < 1e-18
_SERIES_RADIUS = 0.5
#: Below this r the logarithm of I_0 is taken at this floor: a massless fermion's integrals
#: converge (numerators vanish where the denominator does) and change by O(r log r) < 1e-28.
_R_FLOOR = 1e-30


def basis_integrals(r: FloatArray) -> FloatArray:
    """I_n(r) = int_0^1 t^n / (1 + (r-1) t) dt for n = 0..3, shape r.shape + (4,)."""
    r = np.maximum(np.asarray(r, dtype=float), _R_FLOOR)
    a = r - 1.0
    out = np.empty((*r.shape, _DEGREE))
    near = np.abs(a) <= _SERIES_RADIUS
    if np.any(near):
        an = a[near]
        for n in range(_DEGREE):
            total = np.zeros_like(an)
            for k in range(_SERIES_TERMS - 1, -1, -1):
                total = total * -an + 1.0 / (n + k + 1)
            out[near, n] = total
    far = ~near
    if np.any(far):
        af = a[far]
        current = np.log(r[far]) / af
        out[far, 0] = current
        for n in range(1, _DEGREE):
            current = (1.0 / n - current) / af
            out[far, n] = current
    return out


def loop_parts(
    kind: str,
    c_L: FloatArray,
    c_R: FloatArray,
    m_F: FloatArray,
    M: float,
    m_mu: float,
    *,
    per_state: bool = False,
    transverse_only: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """(chirality-conserving, chirally enhanced) contributions to a_mu.

    c_L, c_R, m_F (GeV): couplings and masses of the internal fermions along the last axis;
    M: boson mass (GeV); `kind` is one of vector_neutral, vector_charged, scalar_neutral,
    scalar_charged (module docstring). Summed over the fermions unless `per_state`;
    `transverse_only` drops a vector's longitudinal (r) terms.
    """
    r = np.square(m_F / M)
    integrals = basis_integrals(r) @ _COEFFS[kind].T  # (..., 4): N1, N1r, N2, N2r
    longitudinal = 0.0 if transverse_only else r
    pref = m_mu**2 / (8.0 * math.pi**2 * M**2)
    conserving = 0.5 * (c_L**2 + c_R**2) * (integrals[..., 0] + longitudinal * integrals[..., 1])
    enhanced = c_L * c_R * (m_F / m_mu) * (integrals[..., 2] + longitudinal * integrals[..., 3])
    if per_state:
        return pref * conserving, pref * enhanced
    return pref * conserving.sum(-1), pref * enhanced.sum(-1)
