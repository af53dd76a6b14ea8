"""The partonic cross sections of g2fit.collider.drell_yan against closed forms and against
quadrature of an angular distribution written here from chiral couplings.

The reference distribution, for massless quarks of chirality chi and final states of mass m
(beta = sqrt(1 - 4 m^2 / s), c = cos theta), with G_{chi,lambda} = sum_V g_chi^q(V)
g_lambda^F(V) P_V(s) and P_V = 1 / (s - M^2 + i M Gamma):

    (1/4) sum |M|^2 = s^2 [|G_{chi,chi}|^2 (1 + beta c)^2 + |G_{chi,-chi}|^2 (1 - beta c)^2
                           + 2 (1 - beta^2) Re(G_{chi,chi} G_{chi,-chi}^*)] / 4,
    d sigma / d c   = beta / (32 pi s) (1/4) sum |M|^2 / N_c,

summed over chi = L, R (from the traces of p2 gamma P_chi p1 gamma and (k1 + m) gamma
(G_L P_L + G_R P_R) (k2 - m) gamma; for beta = 1 it is e+e- -> mu+mu-, 1 + c^2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from g2fit.collider.drell_yan import (
    N_C,
    Electroweak,
    Exchange,
    exchanges,
    partonic_cross_section,
)

EW = Electroweak.g_mu_scheme()


Boson = tuple[float, float, float, float, float, float]


def _chiral_couplings(channel: str, up_type: bool, ew: Electroweak) -> list[Boson]:
    """(M, Gamma, gL_q, gR_q, gL_F, gR_F) per boson, from Q, T3 and s_W^2 (not from g2fit)."""
    e = math.sqrt(4 * math.pi * ew.alpha)
    s2 = ew.sin2_w
    g = e / math.sqrt(s2)
    gz = g / math.sqrt(1 - s2)
    q, t3 = (2 / 3, 1 / 2) if up_type else (-1 / 3, -1 / 2)
    z_quark = (gz * (t3 - q * s2), gz * (-q * s2))
    if channel == "EE":  # E: Q = -1, T3 = -1/2 for both chiralities
        z_e = gz * (-1 / 2 + s2)
        return [(0.0, 0.0, e * q, e * q, -e, -e), (ew.m_Z, ew.width_Z, *z_quark, z_e, z_e)]
    if channel == "NN":
        return [(ew.m_Z, ew.width_Z, *z_quark, gz / 2, gz / 2)]
    w = g / math.sqrt(2)  # W: left-handed quarks, both chiralities of the doublet
    return [(ew.m_W, ew.width_W, w, 0.0, w, w)]


def _reference(s: float, m: float, bosons: list[Boson]) -> float:
    """sigma-hat in GeV^-2 by quadrature of the angular distribution (module docstring)."""
    beta = math.sqrt(1 - 4 * m**2 / s)
    props = [1 / complex(s - mass**2, mass * width) for mass, width, *_ in bosons]

    def summed(c: float) -> float:
        total = 0.0
        for chi in (0, 1):  # quark L, R
            same = sum(p * b[2 + chi] * b[4 + chi] for p, b in zip(props, bosons, strict=True))
            other = sum(p * b[2 + chi] * b[5 - chi] for p, b in zip(props, bosons, strict=True))
            total += (
                abs(same) ** 2 * (1 + beta * c) ** 2
                + abs(other) ** 2 * (1 - beta * c) ** 2
                + 2 * (1 - beta**2) * (same * other.conjugate()).real
            )
        return s**2 * total / 4 * beta / (32 * math.pi * s) / N_C

    value, _ = integrate.quad(summed, -1, 1, epsabs=0, epsrel=1e-12)
    return float(value)


@pytest.mark.parametrize("channel", ["EE", "EN", "NN"])
@pytest.mark.parametrize("up_type", [True, False], ids=["up", "down"])
@pytest.mark.parametrize(
    ("sqrt_s_hat", "m"), [(200.5, 100.0), (250.0, 100.0), (1000.0, 300.0), (6000.0, 2999.0)]
)
def test_partonic_cross_section_against_the_angular_distribution(
    channel: str, up_type: bool, sqrt_s_hat: float, m: float
) -> None:
    s = sqrt_s_hat**2
    expected = _reference(s, m, _chiral_couplings(channel, up_type, EW))
    quark = 2 if up_type else 1
    got = partonic_cross_section(s, m, exchanges(channel, quark, EW))
    assert got == pytest.approx(expected, rel=1e-10)


def test_photon_exchange_is_the_qed_result_at_high_energy() -> None:
    """4 pi alpha^2 Q_q^2 Q_F^2 / (3 s N_c), the e+e- -> mu+mu- result per colour."""
    alpha = 1 / 137.035999
    e = math.sqrt(4 * math.pi * alpha)
    photon = Exchange(0.0, 0.0, e * 2 / 3, 0.0, -e, 0.0)
    s = np.array([1e6, 1e8, 1e10])
    got = partonic_cross_section(s, 1e-3, [photon])
    expected = 4 * math.pi * alpha**2 * (2 / 3) ** 2 / (3 * s * 3)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_threshold_factors_for_vector_and_axial_couplings() -> None:
    """beta (3 - beta^2) / 2 for vector, beta^3 for axial couplings of the final state."""
    s, vector, axial = (
        1e6,
        Exchange(0.0, 0.0, 0.3, 0.0, 0.5, 0.0),
        Exchange(0.0, 0.0, 0.3, 0, 0, 0.5),
    )
    massless = partonic_cross_section(s, 0.0, [vector])
    for beta in (0.01, 0.3, 0.7, 0.99):
        m = math.sqrt(s * (1 - beta**2)) / 2
        assert partonic_cross_section(s, m, [vector]) / massless == pytest.approx(
            beta * (3 - beta**2) / 2, rel=1e-12
        )
        assert partonic_cross_section(s, m, [axial]) / massless == pytest.approx(beta**3, rel=1e-12)


def test_zero_below_threshold_and_broadcast_over_masses() -> None:
    got = partonic_cross_section(
        1e6, np.array([100.0, 499.0, 500.0, 600.0]), exchanges("EN", 2, EW)
    )
    assert got.shape == (4,)
    assert got[0] > got[1] > 0
    assert got[2] == 0
    assert got[3] == 0


def test_g_mu_scheme_inputs() -> None:
    """s_W^2 = 1 - m_W^2/m_Z^2 and alpha = sqrt(2) G_F m_W^2 s_W^2 / pi, by hand."""
    s2 = 1 - (80.3692 / 91.1880) ** 2
    assert s2 == pytest.approx(EW.sin2_w, rel=1e-14)
    assert math.sqrt(2) * 1.1663788e-5 * 80.3692**2 * s2 / math.pi == pytest.approx(EW.alpha)
    assert 1 / EW.alpha == pytest.approx(132.1, abs=0.05)


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        exchanges("EX", 2, EW)
