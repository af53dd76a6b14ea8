"""Loop functions of the model, accurate to ~1e-13 relative on and near their singular lines.

The one-loop function of eq. 12,

    F(x, y) = x^3 y log x / ((y-x)(x-1)^3) + x y^3 log y / ((x-y)(y-1)^3)
              - x y (3xy - x - y - 1) / (2 (y-1)^2 (x-1)^2),

has removable singularities on x = y, x = 1 and y = 1, where the formula as written
loses every digit. It is rewritten exactly as

    F(x, y) = -x y r[x, y],    r(t) = (phi(t) - T(t)) / (t-1)^3,   phi(t) = t^2 log t,

where T is the second-order Taylor polynomial of phi at t = 1 and r[x, y] is the divided
difference (r(x) - r(y)) / (x - y). (Equivalently F = -x y phi[1, 1, 1, x, y], a fourth
divided difference; as phi'''' = -2/t^2, Hermite-Genocchi gives F = (x y / 12) times the
average of 1/t^2 over the simplex of the nodes: F > 0 and F(1, 1) = 1/12.)
r is analytic except for the branch point at t = 0, and each regime of r[x, y] is
evaluated where it is well conditioned:

- both nodes near 1: the Taylor series of r about 1, with exact coefficients
  c_k = 2 (-1)^k / ((k+1)(k+2)(k+3)), and its divided difference by synthetic division;
- nodes close to each other (|x - y| <= 0.05 min(x, y), or 0.25 min(x, y) when both are
  below 4): Gauss-Legendre quadrature of r' over [x, y], exact to rounding because r' is
  analytic on a wide ellipse around it;
- both nodes below 1: r(t) = 1/2 + t u(t) takes the nearly constant part out before
  differencing;
- otherwise the divided difference as written, which is then well conditioned.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Half-width of the region around t = 1 where r and r' come from their Taylor series.
_SERIES_RADIUS = 0.5
#: Terms kept: k |c_k| 0.5^(k-1) < 1e-18 beyond k = 55.
_SERIES_TERMS = 56
_SERIES_COEFFS = np.array(
    [2.0 * (-1) ** k / ((k + 1) * (k + 2) * (k + 3)) for k in range(_SERIES_TERMS)]
)
_SERIES_DERIV_COEFFS = np.arange(1, _SERIES_TERMS) * _SERIES_COEFFS[1:]
#: Nodes x, y count as close when |x - y| <= _CLOSE * min(x, y): there the difference quotient
#: would lose up to ~1/_CLOSE digits' worth of rounding (20 eps), so it is replaced. Below
#: _NEAR_ONE the closed form of r itself already loses digits, so the close band is wider.
_CLOSE = 0.05
_CLOSE_NEAR_ONE = 0.25
_NEAR_ONE = 4.0
_LOG_CLOSE, _LOG_NEAR_ONE = np.log1p(_CLOSE) * (1 + 1e-12), np.log(_NEAR_ONE) * (1 + 1e-12)
#: Gauss-Legendre on [x, y]: r' is analytic on an ellipse ~40 half-widths wide, error < 1e-18.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(6)
#: Where |log(m_b^2/m_a^2)| is below this, log(1 + z)/z comes from log1p: elsewhere the
#: quotient of logarithms keeps ~eps |log x| / 0.02 < 1e-13 relative even from differenced logs.
_LOG_RATIO_NEAR = 0.02


def _horner(coeffs: FloatArray, s: FloatArray) -> FloatArray:
    if s.size == 0:
        return s
    result = np.full_like(s, coeffs[-1])
    for c in coeffs[-2::-1]:
        result = result * s + c
    return result


def _r_closed(t: FloatArray, log_t: FloatArray | None = None) -> FloatArray:
    """(2 t^2 log t - (t - 1)(3t - 1)) / (2 (t - 1)^3), the numerator in Horner form
    t (t (2 log t - 3) + 4) - 1, updated in place (this runs on every point)."""
    log_t = np.log(t) if log_t is None else log_t
    numerator = 2.0 * log_t
    numerator -= 3.0
    numerator *= t
    numerator += 4.0
    numerator *= t
    numerator -= 1.0
    s = t - 1.0
    denominator = s * s
    denominator *= s
    denominator *= 2.0
    numerator /= denominator
    return numerator


def _r_prime_closed(t: FloatArray) -> FloatArray:
    s = t - 1.0
    numerator = 2.0 * t * t * np.log(t) - s * (3.0 * t - 1.0)
    numerator_prime = 4.0 * (t * np.log(t) - t + 1.0)
    return (s * numerator_prime - 3.0 * numerator) / (2.0 * s**4)


def _near_one(t: FloatArray) -> NDArray[np.bool_]:
    return np.abs(t - 1.0) <= _SERIES_RADIUS


def _r(
    t: FloatArray, near: NDArray[np.bool_] | None = None, log_t: FloatArray | None = None
) -> FloatArray:
    """r(t) for t > 0: the closed form, patched by the Taylor series near t = 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _r_closed(t, log_t)
    near = _near_one(t) if near is None else near
    if near.any():
        out[near] = _horner(_SERIES_COEFFS, t[near] - 1.0)
    return out


def _r_prime(t: FloatArray) -> FloatArray:
    """dr/dt for t > 0."""
    out = np.empty_like(t)
    near = _near_one(t)
    out[near] = _horner(_SERIES_DERIV_COEFFS, t[near] - 1.0)
    out[~near] = _r_prime_closed(t[~near])
    return out


def _u(t: FloatArray) -> FloatArray:
    """u(t) = (r(t) - 1/2) / t, used for 0 < t < 1 - _SERIES_RADIUS only."""
    return (1.0 - t * t + 2.0 * t * np.log(t)) / (2.0 * (t - 1.0) ** 3)


def _series_divided_difference(a: FloatArray, b: FloatArray) -> FloatArray:
    """P[a, b] for the Taylor polynomial P of r about 1, a = x - 1, b = y - 1."""
    coeffs = _SERIES_COEFFS
    if a.size == 0:
        return a
    quotient = np.full_like(a, coeffs[-1])
    result = quotient.copy()
    for c in coeffs[-2:0:-1]:
        quotient = c + b * quotient
        result = result * a + quotient
    return result


def _quadrature_divided_difference(x: FloatArray, y: FloatArray) -> FloatArray:
    """r[x, y] = mean of r' over [x, y], by 6-point Gauss-Legendre quadrature."""
    if x.size == 0:
        return x
    mid = 0.5 * (x + y)[:, None]
    half = 0.5 * (y - x)[:, None]
    nodes = (mid + half * _GL_NODES[None, :]).ravel()
    values = _r_prime(nodes).reshape(x.shape[0], _GL_NODES.size)
    return 0.5 * values @ _GL_WEIGHTS


def r_divided_difference(
    x: ArrayLike,
    y: ArrayLike,
    log_x: ArrayLike | None = None,
    log_y: ArrayLike | None = None,
) -> FloatArray:
    """r[x, y] = (r(x) - r(y)) / (x - y) (r'(x) at x = y), for x, y > 0; broadcasts.

    log_x, log_y: log(x), log(y) if the caller has them already. The difference quotient
    is evaluated everywhere (it is well conditioned for most points), then the points of the
    three other regimes are overwritten.
    """
    arrays = [np.asarray(a, dtype=float) for a in (x, y)]
    logs = [
        np.log(a) if b is None else np.asarray(b, dtype=float)
        for a, b in zip(arrays, (log_x, log_y), strict=True)
    ]
    xb, yb, lxb, lyb = np.broadcast_arrays(*arrays, *logs)
    shape = xb.shape
    xs, ys, lx, ly = xb.ravel(), yb.ravel(), lxb.ravel(), lyb.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _r(xs, _near_one(xs), lx)
        out -= _r(ys, _near_one(ys), ly)
        out /= xs - ys

    # One cheap test on the logarithms flags every point of the other regimes: below
    # _NEAR_ONE, or close (|x - y| <= _CLOSE min(x, y) is |log x - log y| <= log(1 + _CLOSE)).
    # Only those few are classified, and recomputed where needed.
    log_gap = np.abs(lx - ly)
    flagged = np.flatnonzero((np.maximum(lx, ly) <= _LOG_NEAR_ONE) | (log_gap <= _LOG_CLOSE))
    if flagged.size:
        x, y = xs[flagged], ys[flagged]
        lo, hi = np.minimum(x, y), np.maximum(x, y)
        series = (lo >= 1.0 - _SERIES_RADIUS) & (hi <= 1.0 + _SERIES_RADIUS)
        band = np.where(hi <= _NEAR_ONE, _CLOSE_NEAR_ONE, _CLOSE)
        close = ~series & (np.abs(x - y) <= band * lo)
        below = ~series & ~close & (hi < 1.0 - _SERIES_RADIUS)
        if series.any():
            out[flagged[series]] = _series_divided_difference(x[series] - 1.0, y[series] - 1.0)
        if close.any():
            out[flagged[close]] = _quadrature_divided_difference(x[close], y[close])
        if below.any():
            xw, yw = x[below], y[below]
            ux, uy = _u(xw), _u(yw)
            out[flagged[below]] = ux + yw * (ux - uy) / (xw - yw)
    return out.reshape(shape)


def loop_function_F(x: ArrayLike, y: ArrayLike) -> FloatArray:
    """F(x, y) of eq. 12 for x = m_S^2/m_W^2 > 0, y = m_L^2/m_W^2 > 0; F(1, 1) = 1/12."""
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    F: FloatArray = -xa * ya * r_divided_difference(xa, ya)
    return F


def log_ratio_over_difference_of_squares(
    m_a: ArrayLike, m_b: ArrayLike, log_ratio: ArrayLike | None = None
) -> FloatArray:
    """log(m_b^2/m_a^2) / (m_b^2 - m_a^2) for masses m_a, m_b > 0 (GeV), GeV^-2.

    Forms m_b^2 - m_a^2 as (m_b - m_a)(m_b + m_a), exact to rounding even when m_a ~ m_b,
    and uses log1p(z)/z, z = (m_b^2 - m_a^2)/m_a^2, where |log(1 + z)| <= 0.02 (limit 1/m_a^2
    at z = 0). log_ratio: log(m_b^2/m_a^2) if the caller has it (then not recomputed).
    """
    ma, mb = np.broadcast_arrays(np.asarray(m_a, dtype=float), np.asarray(m_b, dtype=float))
    logs = np.broadcast_to(2.0 * np.log(mb / ma) if log_ratio is None else log_ratio, ma.shape)
    difference = np.asarray(mb - ma)
    difference *= mb + ma
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(np.divide(logs, difference))
    near = np.abs(logs) <= _LOG_RATIO_NEAR
    if near.any():
        a_near = ma[near] * ma[near]
        zn = difference[near] / a_near
        safe = np.where(zn == 0.0, 1.0, zn)
        out[near] = np.where(zn == 0.0, 1.0, np.log1p(safe) / safe) / a_near
    return out
