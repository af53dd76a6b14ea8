"""The loop integrand of eqs. 5-7 (Fig. 2): f(u) = u/((u + m_L^2)(u + m_S^2)), a total derivative.

In units of m_S^2 (m_S = 1): f'(u) = (m_L^2 - u^2)/((u + m_L^2)^2 (u + 1)^2). Per unit log u the
integrand of eq. 7 is u f'(u), with peaks of opposite sign at u = m_S^2 and u = m_L^2 whose
areas cancel exactly, since f(0) = f(infinity) = 0.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

FloatArray = NDArray[np.float64]


def f_prime(u: ArrayLike, ratio: float) -> FloatArray:
    """f'(u) for m_S = 1 and m_L = ratio (u in units of m_S^2)."""
    u = np.asarray(u, dtype=float)
    a = ratio * ratio
    return np.asarray((a - u * u) / ((u + a) ** 2 * (u + 1.0) ** 2))


def integrals(ratio: float) -> tuple[float, float]:
    """(integral of f'(u) du, integral of |f'(u)| du) by adaptive quadrature in log u."""
    edges = [-60.0, 0.0, 2.0 * math.log(ratio), 2.0 * math.log(ratio) + 60.0]
    if ratio == 1.0:
        edges = [-60.0, 0.0, 60.0]
    total = magnitude = 0.0
    for low, high in itertools.pairwise(edges):
        total += integrate.quad(
            lambda w: math.exp(w) * float(f_prime(math.exp(w), ratio)),
            low,
            high,
            epsabs=1e-15,
            epsrel=1e-11,
            limit=400,
        )[0]
        magnitude += integrate.quad(
            lambda w: math.exp(w) * abs(float(f_prime(math.exp(w), ratio))),
            low,
            high,
            epsrel=1e-10,
            limit=400,
        )[0]
    return total, magnitude
