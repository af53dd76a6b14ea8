"""Two-body decays of the heavy leptons against closed forms and the Goldstone equivalence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from g2fit.model.constants import DEFAULT_CONSTANTS as K
from g2fit.model.decays import decays, partial_widths, scalar_width, vector_width


def test_vector_width_is_the_top_width() -> None:
    """Gamma(t -> b W) = G_F m_t^3/(8 sqrt2 pi) (1 - x)^2 (1 + 2x) at m_b = 0 (textbook LO)."""
    m_t = 172.57
    g = math.sqrt(2) * K.m_W / K.v
    x = (K.m_W / m_t) ** 2
    G_F = g**2 / (4 * math.sqrt(2) * K.m_W**2)
    expected = G_F * m_t**3 / (8 * math.sqrt(2) * math.pi) * (1 - x) ** 2 * (1 + 2 * x)
    got = vector_width(
        np.array(m_t), np.array(0.0), np.array(g / math.sqrt(2)), np.array(0.0), K.m_W
    )
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_scalar_width_closed_form() -> None:
    M, c = 1500.0, 0.3
    expected = c**2 * M / (32 * math.pi) * (1 - (K.m_h / M) ** 2) ** 2
    got = scalar_width(np.array(M), np.array(0.0), np.array(c), np.array(0.0), K.m_h)
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_closed_channels_have_no_width() -> None:
    width = vector_width(np.array(100.0), np.array(50.0), np.array(1.0), np.array(1.0), K.m_W)
    assert width == 0.0


def test_goldstone_equivalence_for_the_doublet() -> None:
    """Only Y_R: the heavy E decays to mu Z and mu h equally, each Y_R^2 m_E/(64 pi) up to
    O(m_Z^2/m_E^2), and its neutral partner to mu W with twice that."""
    Y_R, m_L = 0.6, 5000.0
    point = (np.array(m_L), np.array(3000.0), np.array(0.0), np.array(Y_R), *[np.array(0.0)] * 2)
    widths = partial_widths(point, K)
    expected = Y_R**2 * float(widths["m_E"]) / (64 * math.pi)
    assert float(widths["E->mu Z"]) == pytest.approx(expected, rel=2e-3)
    assert float(widths["E->mu h"]) == pytest.approx(expected, rel=2e-3)
    assert float(widths["N->mu W"]) == pytest.approx(2 * expected, rel=2e-3)
    ratios = decays(m_L, 3000.0, 0.0, Y_R, 0.0, 0.0, K)
    assert float(ratios["BR_E_to_SM"]) == pytest.approx(1.0, abs=1e-14)
    assert float(ratios["BR_N_to_SM"]) == pytest.approx(1.0, abs=1e-14)


def test_cascade_through_the_singlet() -> None:
    """m_S << m_L with Y_V: E -> S G- (Y_V) competes with E -> mu (h, G0) (Y_R); by the
    Goldstone equivalence BR(E -> SM) = Y_R^2 M^4 / (Y_R^2 M^4 + Y_V^2 (M^4 - m_S^4))."""
    Y_R, Y_V, m_L, m_S = 0.5, 1.0, 5000.0, 1500.0
    ratios = decays(m_L, m_S, 0.0, Y_R, Y_V, 0.0, K)
    M4, m4 = m_L**4, m_S**4
    expected = Y_R**2 * M4 / (Y_R**2 * M4 + Y_V**2 * (M4 - m4))
    assert float(ratios["BR_E_to_SM"]) == pytest.approx(expected, rel=0.02)
    assert float(ratios["m_E"]) == pytest.approx(m_L, rel=1e-3)


def test_no_mixing_leaves_the_ratios_undefined() -> None:
    ratios = decays(1000.0, 500.0, 0.0, 0.0, 0.0, 0.0, K)
    assert math.isnan(float(ratios["BR_E_to_SM"]))


def test_vectorized_equals_pointwise() -> None:
    rng = np.random.default_rng(3)
    n = 20
    point = [10 ** rng.uniform(2.3, 3.6, n), 10 ** rng.uniform(2.3, 3.6, n)]
    point += [rng.uniform(-1, 1, n) for _ in range(4)]
    together = decays(*point, K)
    for i in range(n):
        alone = decays(*(p[i] for p in point), K)
        for key, value in alone.items():
            assert together[key][i] == pytest.approx(float(value), rel=1e-10)


def _gammas() -> list[np.ndarray]:
    """Dirac matrices in the Dirac representation, and gamma^5."""
    identity, zero = np.eye(2), np.zeros((2, 2))
    sigma = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])]
    g0 = np.block([[identity, zero], [zero, -identity]]).astype(complex)
    gs = [np.block([[zero, s], [-s, zero]]).astype(complex) for s in sigma]
    return [g0, *gs]


def _slash(p: np.ndarray, gamma: list[np.ndarray]) -> np.ndarray:
    return p[0] * gamma[0] - p[1] * gamma[1] - p[2] * gamma[2] - p[3] * gamma[3]


def _trace_width(
    M: float, m: float, left: float, right: float, boson: float, vector: bool
) -> float:
    """Gamma(F -> f X) from the spin sums written as Dirac traces, evaluated numerically."""
    gamma = _gammas()
    g5 = 1j * gamma[0] @ gamma[1] @ gamma[2] @ gamma[3]
    P_L, P_R = (np.eye(4) - g5) / 2, (np.eye(4) + g5) / 2
    momentum = math.sqrt((M**2 - (m + boson) ** 2) * (M**2 - (m - boson) ** 2)) / (2 * M)
    p = np.array([M, 0.0, 0.0, 0.0])
    k = np.array([math.sqrt(m**2 + momentum**2), 0.0, 0.0, momentum])
    q = p - k
    metric = np.diag([1.0, -1.0, -1.0, -1.0])
    final, initial = _slash(k, gamma) + m * np.eye(4), _slash(p, gamma) + M * np.eye(4)
    chiral = left * P_L + right * P_R
    bar = gamma[0] @ chiral.conj().T @ gamma[0]
    if not vector:
        total = np.trace(final @ chiral @ initial @ bar).real
    else:
        q_lower = metric @ q
        total = 0.0
        for mu in range(4):
            for nu in range(4):
                polarization = -metric[mu, nu] + q_lower[mu] * q_lower[nu] / boson**2
                vertex = gamma[mu] @ chiral
                vertex_bar = gamma[0] @ (gamma[nu] @ chiral).conj().T @ gamma[0]
                total += polarization * np.trace(final @ vertex @ initial @ vertex_bar).real
    return momentum * total / (16 * math.pi * M**2)


@pytest.mark.parametrize(("left", "right"), [(0.4, 0.0), (0.3, 0.5), (0.3, -0.5)])
def test_widths_with_heavy_final_states_equal_dirac_traces(left: float, right: float) -> None:
    """Both chiralities and a heavy final state, so the interference terms (-12 M m g_L g_R,
    +4 M m c_L c_R) count: the closed forms against the traces computed numerically."""
    M, m = 1500.0, 700.0
    args = (np.array(M), np.array(m), np.array(left), np.array(right))
    assert float(vector_width(*args, K.m_W)) == pytest.approx(
        _trace_width(M, m, left, right, K.m_W, vector=True), rel=1e-10
    )
    assert float(scalar_width(*args, K.m_h)) == pytest.approx(
        _trace_width(M, m, left, right, K.m_h, vector=False), rel=1e-10
    )


def test_decays_outside_the_mass_range_are_undefined() -> None:
    ratios = decays(0.05, 500.0, 0.5, 0.5, 1.0, 0.0, K)
    assert all(math.isnan(float(v)) for v in ratios.values())
