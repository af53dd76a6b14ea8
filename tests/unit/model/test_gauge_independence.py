"""Gauge independence: g2fit's unitary-gauge loops against every Feynman-gauge diagram.

The reference (tests/feynman_gauge_reference.py) builds each Feynman-gauge diagram from its
Feynman rules with explicit gamma matrices and integrates it by quadrature: the W or Z loop
with -g propagators, the Goldstone loop at the vector's mass, and for the W the two gamma W G
diagrams. Their sum must equal g2fit's unitary-gauge result (Leveille's integrands) for any
couplings, up to the O(m_mu^2/M^2) that g2fit neglects (<= 5e-6 here, against a tolerance of
2e-5; every diagram is over 100 times that).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from feynman_gauge_reference import FeynmanGaugeLoop, Kinematics

from g2fit.model.constants import DEFAULT_CONSTANTS as K
from g2fit.model.exact import _loops
from g2fit.model.mass_basis import MassBasis, mass_basis
from g2fit.model.one_loop import loop_parts

RTOL = 2e-5

# (c_L, c_R, m_F) of one internal fermion: massless, light, near the boson's mass, heavy
CHARGED_CASES = [
    (0.46, 0.0, 0.0),
    (0.1, 0.5, 40.0),
    (-0.3, 0.2, 79.0),
    (0.3, -0.2, 500.0),
    (0.25, 0.35, 2000.0),
    (0.0, 0.6, 150.0),
]
NEUTRAL_CASES = [
    (-0.2, 0.17, K.m_mu),
    (0.1, 0.5, 40.0),
    (0.4, 0.4, 95.0),
    (0.3, -0.2, 500.0),
    (-0.25, 0.35, 5000.0),
]


def _loop(c_L: float, c_R: float, m_F: float, M: float) -> FeynmanGaugeLoop:
    """The reference at q^2 = -Q^2 with Q = 1 % of the lightest mass on the photon's line
    (F2(q^2) - F2(0) < 1e-6 of it), but at most 30 MeV: a smaller q^2 costs precision in the
    projection onto F2."""
    Q = min(0.03, 0.01 * max(m_F, K.m_mu))
    return FeynmanGaugeLoop(Kinematics(K.m_mu, Q), c_L, c_R, m_F, M)


def _unitary(kind: str, c_L: float, c_R: float, m_F: float, M: float) -> float:
    one = np.ones(1)
    conserving, enhanced = loop_parts(kind, c_L * one, c_R * one, m_F * one, M, K.m_mu)
    return float(conserving + enhanced)


def _feynman_w(loop: FeynmanGaugeLoop) -> float:
    return loop.vector_charged() + loop.scalar_charged() + loop.mixed_charged()


def _feynman_z(loop: FeynmanGaugeLoop) -> float:
    return loop.vector_neutral() + loop.scalar_neutral()


@pytest.mark.parametrize(("c_L", "c_R", "m_F"), CHARGED_CASES)
def test_w_loop_is_the_same_in_feynman_gauge(c_L: float, c_R: float, m_F: float) -> None:
    """Unitary W = W W gamma + G G gamma + the two gamma W G diagrams."""
    loop = _loop(c_L, c_R, m_F, K.m_W)
    unitary = _unitary("vector_charged", c_L, c_R, m_F, K.m_W)
    assert _feynman_w(loop) == pytest.approx(unitary, rel=RTOL, abs=0)


@pytest.mark.parametrize(("c_L", "c_R", "m_F"), NEUTRAL_CASES)
def test_z_loop_is_the_same_in_feynman_gauge(c_L: float, c_R: float, m_F: float) -> None:
    """Unitary Z = Z (photon on the fermion) + G0 at m_Z."""
    loop = _loop(c_L, c_R, m_F, K.m_Z)
    unitary = _unitary("vector_neutral", c_L, c_R, m_F, K.m_Z)
    assert _feynman_z(loop) == pytest.approx(unitary, rel=RTOL, abs=0)


@pytest.mark.parametrize(("c_L", "c_R", "m_F"), CHARGED_CASES)
def test_every_diagram_counts(c_L: float, c_R: float, m_F: float) -> None:
    """Each Feynman-gauge W-sector diagram is over 100 times the tolerance wherever it is not
    m_mu^2-suppressed (the Goldstone loop of a massless fermion): leaving one out, or
    flipping its sign, fails the test above. The gamma W G pair is 1.5-30 % of the total."""
    loop = _loop(c_L, c_R, m_F, K.m_W)
    unitary = abs(_unitary("vector_charged", c_L, c_R, m_F, K.m_W))
    diagrams = [loop.vector_charged(), loop.mixed_charged()]
    if m_F > 0:
        diagrams.append(loop.scalar_charged())
    for value in diagrams:
        assert abs(value) > 100 * RTOL * unitary


@pytest.mark.parametrize("m_F", [K.m_mu, 30.0, 300.0, 3000.0])
@pytest.mark.parametrize(("s_L", "s_R"), [(0.3, 0.3), (0.4, -0.1), (0.0, 0.7)])
def test_scalar_loops_against_feynman_rules(m_F: float, s_L: float, s_R: float) -> None:
    """g2fit's neutral (h) and charged scalar loops against the diagrams built from their
    Feynman rules, with the photon on the fermion and on the scalar."""
    loop = _loop(0.0, 0.0, m_F, K.m_h)
    # the loops' natural size; with s_L s_R = 0 and m_F >> m_h the answer is 1e-4 of it
    scale = (
        (s_L**2 + s_R**2 + abs(s_L * s_R) * m_F / K.m_mu) * K.m_mu**2 / (8 * math.pi**2 * K.m_h**2)
    )
    for kind, value in (
        ("scalar_neutral", loop.scalar_neutral((s_L, s_R))),
        ("scalar_charged", loop.scalar_charged((s_L, s_R))),
    ):
        expected = _unitary(kind, s_L, s_R, m_F, K.m_h)
        assert value == pytest.approx(expected, rel=RTOL, abs=1e-6 * scale)


def test_sm_electroweak_a_mu_in_feynman_gauge() -> None:
    """The SM's one-loop W + Z a_mu, G_F m^2/(8 sqrt2 pi^2) [10/3 + ((1 - 4 s^2)^2 - 5)/3], from
    the Feynman-gauge diagrams alone: W W gamma gives 7/3 of the bracket and gamma W G 1, as in
    the classic R_xi computations; the Higgs and Goldstone loops add ~2e-5 of it."""
    g = math.sqrt(2.0) * K.m_W / K.v
    g_Z = math.sqrt(2.0) * K.m_Z / K.v
    s2 = K.sin2_theta_W
    y = -K.m_mu / (math.sqrt(2.0) * K.v)
    w_loop = _loop(g / math.sqrt(2.0), 0.0, 0.0, K.m_W)
    z_loop = _loop(g_Z * (s2 - 0.5), g_Z * s2, K.m_mu, K.m_Z)
    h_loop = _loop(0.0, 0.0, K.m_mu, K.m_h)
    unit = (K.m_mu / K.v) ** 2 / (32 * math.pi**2)  # G_F m^2/(8 sqrt2 pi^2), G_F = 1/(2 sqrt2 v^2)
    assert w_loop.vector_charged() / unit == pytest.approx(7.0 / 3.0, rel=1e-4, abs=0)
    assert w_loop.mixed_charged() / unit == pytest.approx(1.0, rel=1e-4, abs=0)
    total = _feynman_w(w_loop) + _feynman_z(z_loop) + h_loop.scalar_neutral((y, y))
    expected = unit * (10.0 / 3.0 + ((1 - 4 * s2) ** 2 - 5.0) / 3.0)
    assert total == pytest.approx(expected, rel=1e-4, abs=0)


@pytest.mark.parametrize(
    "point", [(1000.0, 500.0, 0.5, 0.5, 1.0, 0.0), (300.0, 2000.0, 0.9, 0.3, -0.4, 0.8)]
)
def test_model_in_feynman_gauge(point: tuple[float, ...]) -> None:
    """Delta a_mu at a model point, every mass eigenstate's W, Z and h loops in Feynman gauge
    (Goldstones from the Ward identity), minus the SM, equals the exact mode's sum."""

    def basis(model: tuple[float, ...]) -> MassBasis:
        m_L, m_S, Y_L, Y_R, Y_V, Y_Vp = (np.array(p) for p in model)
        return mass_basis((m_L, m_S, Y_L, Y_R, Y_V, Y_Vp), K)

    def feynman(model: tuple[float, ...]) -> float:
        states = basis(model)
        total = 0.0
        for (c_L, c_R), masses, M, diagrams in (
            (states.W, states.neutral_masses, K.m_W, _feynman_w),
            (states.Z, states.charged_masses, K.m_Z, _feynman_z),
        ):
            for i in range(masses.shape[-1]):
                total += diagrams(_loop(c_L[i], c_R[i], masses[i], M))
        for i in range(2):
            higgs = _loop(0.0, 0.0, states.charged_masses[i], K.m_h)
            total += higgs.scalar_neutral((states.h[0][i], states.h[1][i]))
        return total

    sm_point = point[:2] + (0.0,) * 4
    expected = float(_loops(basis(point), K) - _loops(basis(sm_point), K))
    assert feynman(point) - feynman(sm_point) == pytest.approx(expected, rel=RTOL, abs=0)
