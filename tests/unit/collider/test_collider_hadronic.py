"""The hadronic integration of g2fit.collider.drell_yan against an integral over (x1, x2)
written here (other variables than drell_yan's tau and rapidity, the parton combinations
written out flavour by flavour), with toy parton densities
x f(x, Q) = A_f x^a_f (1 - x)^b_f (1 + k_f ln(Q / 100 GeV)).

The reference's own accuracy: doubling its nodes from 400 to 800 changes it by < 1e-9
(test_the_reference_has_converged)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import ArrayLike, NDArray

from g2fit.collider.drell_yan import (
    CKM_PDG_2024,
    GEV2_IN_FB,
    Electroweak,
    exchanges,
    hadronic_cross_sections,
    partonic_cross_section,
)

EW = Electroweak.g_mu_scheme()
#: flavour: (A, a, b, k); valence-like quarks, softer antiquarks, all different.
TOY = {
    1: (1.1, 0.6, 3.5, -0.05),
    2: (2.0, 0.55, 3.0, -0.06),
    3: (0.4, 0.1, 6.0, 0.03),
    4: (0.2, 0.05, 7.0, 0.05),
    5: (0.1, 0.05, 7.5, 0.07),
    -1: (0.5, 0.15, 6.0, 0.02),
    -2: (0.45, 0.12, 6.5, 0.025),
    -3: (0.35, 0.1, 6.2, 0.03),
    -4: (0.2, 0.05, 7.0, 0.05),
    -5: (0.1, 0.05, 7.5, 0.07),
}


class ToyDensities:
    name = "toy"
    q_min = 1.0
    q_max = 1e5

    def xfx(self, flavours: Sequence[int], x: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
        x, q = np.broadcast_arrays(np.asarray(x, float), np.asarray(q, float))
        return np.array([self.one(f, x, q) for f in flavours])

    @staticmethod
    def one(flavour: int, x: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
        a_, a, b, k = TOY[flavour]
        x_, q_ = np.asarray(x, dtype=float), np.asarray(q, dtype=float)
        value: NDArray[np.float64] = a_ * x_**a * (1 - x_) ** b * (1 + k * np.log(q_ / 100))
        return value


def _gauss(n: int, lo: float, hi: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    z, w = np.polynomial.legendre.leggauss(n)
    return lo + (hi - lo) * (z + 1) / 2, w * (hi - lo) / 2


def _reference(channel: str, m: float, sqrt_s: float, factor: float, n: int = 400) -> float:
    """sigma in fb: integral dx1 dx2 over x1 x2 S > 4 m^2 of f_a(x1) f_b(x2) sigma-hat, in
    x1 = tau0^(1 - r) and x2 = x2min + (1 - x2min) t^2 (x2min = tau0 / x1; t^2 makes the
    beta ~ t threshold smooth), on an n x n Gauss-Legendre grid in (r, t)."""
    big_s = sqrt_s**2
    tau0 = 4 * m**2 / big_s
    r, wr = _gauss(n, 0.0, 1.0)
    t, wt = _gauss(n, 0.0, 1.0)
    x1 = tau0 ** (1 - r)[:, None]
    x2_min = tau0 / x1
    x2 = x2_min + (1 - x2_min) * t[None, :] ** 2
    jacobian = (x1 * -math.log(tau0)) * ((1 - x2_min) * 2 * t[None, :]) * wr[:, None] * wt
    s_hat = x1 * x2 * big_s
    q = factor * np.sqrt(s_hat)

    def f(flavour: int, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return ToyDensities.one(flavour, x, q) / x

    def pair(a: int, b: int) -> NDArray[np.float64]:
        return f(a, x1) * f(b, x2) + f(b, x1) * f(a, x2)

    if channel == "EN":
        lum = sum(
            CKM_PDG_2024[i][j] ** 2 * (pair(u, -d) + pair(-u, d))
            for i, u in enumerate((2, 4))
            for j, d in enumerate((1, 3, 5))
        )
        integrand = lum * partonic_cross_section(s_hat, m, exchanges("EN", 2, EW))
    else:
        up = sum(pair(q_, -q_) for q_ in (2, 4))
        down = sum(pair(q_, -q_) for q_ in (1, 3, 5))
        integrand = up * partonic_cross_section(s_hat, m, exchanges(channel, 2, EW))
        integrand += down * partonic_cross_section(s_hat, m, exchanges(channel, 1, EW))
    return float(np.sum(integrand * jacobian)) * GEV2_IN_FB


@pytest.mark.parametrize(
    ("m", "sqrt_s", "factor"),
    [(150.0, 13000.0, 1.0), (1000.0, 14000.0, 2.0), (2500.0, 13000.0, 0.5)],
)
def test_hadronic_integration_against_an_x1_x2_integral(
    m: float, sqrt_s: float, factor: float
) -> None:
    got = hadronic_cross_sections(ToyDensities(), [m], sqrt_s, factor, force_positive=False)
    for channel in ("EE", "EN", "NN"):
        expected = _reference(channel, m, sqrt_s, factor)
        assert got[channel][0] == pytest.approx(expected, rel=1e-6), channel


def test_the_reference_has_converged() -> None:
    coarse = _reference("EE", 1000.0, 14000.0, 2.0, n=400)
    assert coarse == pytest.approx(_reference("EE", 1000.0, 14000.0, 2.0, n=800), rel=1e-9)


def test_masses_at_or_above_threshold_are_refused() -> None:
    with pytest.raises(ValueError, match="2 m < sqrt_s"):
        hadronic_cross_sections(ToyDensities(), [100.0, 6500.0], 13000.0)
