"""What the LHC sees of a model point: the G_mu-scheme vev, the pair-production weights of the
mass eigenstates, and the covered cross section, against closed forms and sum rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from g2fit.config.cross_sections import load_cross_sections
from g2fit.model.constants import DEFAULT_CONSTANTS as K
from g2fit.model.decays import branching_to_sm, spectrum
from g2fit.model.lhc_signal import lhc_signals
from g2fit.model.mass_basis import g_mu_vev, mass_basis


def random_points(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    masses = 10 ** rng.uniform(2, 3.7, (2, n))
    return (*masses, *rng.uniform(-1, 1, (4, n)))


def test_the_vev_is_the_exact_modes() -> None:
    """The closed form (cross product, 2x2 eigenvector) against the SVD of the mass matrices."""
    point = random_points(3000, 1)
    expected = K.v * np.sqrt(mass_basis(point, K).g_L_Wmunu)
    np.testing.assert_allclose(g_mu_vev(point, K), expected, rtol=1e-12)


def test_the_vev_at_small_mixing_is_eq_16s() -> None:
    """v0 = v sqrt(1 + dgL_W) with dgL_W = -Y_L^2 v^2 / (2 m_S^2) at leading order (eq. 16)."""
    Y_L, m_S = 0.01, 2000.0
    point = tuple(np.array([x]) for x in (1500.0, m_S, Y_L, 0.3, 0.0, 0.0))
    expected = K.v * math.sqrt(1 - Y_L**2 * K.v**2 / (2 * m_S**2))
    assert float(g_mu_vev(point, K)[0]) == pytest.approx(expected, rel=1e-9)


def test_production_weights_add_up_to_the_doublets() -> None:
    """Unitarity: the heavy neutral states share the doublet's W and Z couplings, less what the
    massless neutrino carries (its L0 content) and what E loses to the muon (its L- and E^c
    content), so sum_i w_EN_i = 1 and z_11 + 2 z_12 + z_22 = 1 up to O(Y^2 v^2/m^2)."""
    point = random_points(4000, 2)
    values = spectrum(point, K)
    lightest = np.minimum(point[0], point[1])
    small = (np.abs(point[2]) * K.v / lightest < 0.05) & (np.abs(point[3]) * K.v / point[0] < 0.05)
    assert small.sum() > 50
    w = values["w_EN1"] + values["w_EN2"]
    z = values["z_11"] + 2 * values["z_12"] + values["z_22"]
    np.testing.assert_allclose(w[small], 1.0, atol=5e-3)
    np.testing.assert_allclose(z[small], 1.0, atol=5e-3)


def test_without_mixing_the_doublet_state_takes_the_whole_rate() -> None:
    point = tuple(np.array([x]) for x in (1200.0, 300.0, 0.0, 1e-4, 0.0, 0.0))
    values = spectrum(point, K)
    doublet = int(values["doublet"][0])
    assert float(values[f"w_EN{doublet + 1}"][0]) == pytest.approx(1.0, abs=1e-8)
    assert float(values[f"w_EN{2 - doublet}"][0]) == pytest.approx(0.0, abs=1e-12)
    assert float(values[f"z_{doublet + 1}{doublet + 1}"][0]) == pytest.approx(1.0, abs=1e-8)


def test_the_light_state_is_produced_through_its_doublet_admixture() -> None:
    """m_L = 370, m_S = 245 GeV, Y_V = 1: the heavy 2x2 block [[0, m_L], [m_S, Y_V v]] mixes L0
    and S at large angle. Its closed-form singular vectors give the light state's doublet
    content; the production weight of N_light N_light is (cos^4 + cos'^4) / 2 with cos, cos'
    the left (L0) and right (N^c) doublet components."""
    m_L, m_S = 370.0, 245.0
    point = tuple(np.array([x]) for x in (m_L, m_S, 0.0, 0.0, 1.0, 0.0))
    values = spectrum(point, K)
    v0 = float(g_mu_vev(point, K)[0])
    block = np.array([[0.0, m_L], [m_S, v0]])  # rows (L0, S), columns (S^c, N^c)
    u, s, vt = np.linalg.svd(block)
    left, right = u[0, 1] ** 2, vt[1, 1] ** 2  # the light state's L0 and N^c content
    assert float(values["m_N1"][0]) == pytest.approx(s[1], rel=1e-10)
    assert float(values["z_11"][0]) == pytest.approx((left**2 + right**2) / 2, rel=1e-8)
    assert float(values["w_EN1"][0]) == pytest.approx((left + right) / 2, rel=1e-6)


def test_a_pure_doublet_is_all_covered_and_sums_the_table() -> None:
    """Only Y_R: E and N decay to a muon or neutrino and a boson (BR = 1), so every pair is
    covered, and the pair cross section is the table's channels at the physical masses (up to
    E's mixing with the muon, (Y_R v / m_L)^2 = 3e-6 here)."""
    table = load_cross_sections()
    point = tuple(np.array([x]) for x in (1000.0, 3000.0, 0.0, 0.01, 0.0, 0.0))
    signals = lhc_signals(point, K, table)
    m_E, m_N = float(signals["m_E"][0]), float(signals["m_N_doublet"][0])
    expected = sum(
        float(table.sigma(m, 13000.0, c)[()])
        for c, m in (("EE", m_E), ("EN", (m_E + m_N) / 2), ("NN", m_N))
    )
    assert float(signals["sigma_pair_13"][0]) == pytest.approx(expected, rel=1e-5)
    assert float(signals["sigma_covered_13"][0]) == pytest.approx(expected, rel=1e-5)
    assert float(signals["lhc_uncovered_share"][0]) == pytest.approx(0.0, abs=1e-12)


def test_cascades_are_not_covered() -> None:
    """m_S << m_L with Y_V = 1 and a small Y_R: E and the doublet-like N decay through the
    singlet (BR to SM ~ 1 %, as g2fit.model.decays' Goldstone test), so pairs of the doublet
    states are mostly not covered, and the covered part is the BR-weighted sum."""
    table = load_cross_sections()
    point = tuple(np.array([x]) for x in (2000.0, 400.0, 0.05, 0.05, 1.0, 0.0))
    signals = lhc_signals(point, K, table)
    values = spectrum(point, K)
    ratios = branching_to_sm(values)
    assert float(ratios["E"][0]) < 0.05
    assert 0.0 <= float(signals["lhc_uncovered_share"][0]) <= 1.0
    assert float(signals["sigma_covered_13"][0]) < float(signals["sigma_pair_13"][0])
    assert float(signals["sigma_covered_14"][0]) > float(signals["sigma_covered_13"][0])


def test_a_state_below_m_w_decays_through_an_off_shell_boson() -> None:
    """m_L = 200, m_S = 100 GeV, Y_V = 1: the heavy block [[0, 200], [100, v0]] has a light
    singular value of ~73 GeV (closed form below), under m_W: no two-body decay is open, and
    its pairs count as covered (three-body decays to the searches' final state)."""
    point = tuple(np.array([x]) for x in (200.0, 100.0, 0.02, 0.02, 1.0, 0.0))
    values = spectrum(point, K)
    v0 = float(g_mu_vev(point, K)[0])
    trace, det = 200.0**2 + 100.0**2 + v0**2, (200.0 * 100.0) ** 2
    light = math.sqrt((trace - math.sqrt(trace**2 - 4 * det)) / 2)
    assert float(values["m_N1"][0]) == pytest.approx(light, rel=3e-3)  # Y_L v shifts it by 0.1 %
    assert light < K.m_W
    assert np.isnan(branching_to_sm(values)["N1"][0])
    signals = lhc_signals(point, K, load_cross_sections())
    light_pair = 3  # the pairs: E E, E N1, E N2, N1 N1, N1 N2, N2 N2
    assert float(signals["lhc_pair_masses"][light_pair, 0]) == pytest.approx(light, rel=3e-3)
    # covered = produced: the light state's BR to the searches' final state is taken as 1
    n1_only = values["z_11"][0] * load_cross_sections().at("NN", values["m_N1"], 13000.0)[0]
    assert float(signals["lhc_pairs_covered_13"][light_pair, 0]) == pytest.approx(n1_only)


def test_the_covered_signal_is_the_pair_sum_by_hand() -> None:
    """sigma_covered = sigma_EE BR_E^2 + sum_i sigma_EN(m_E, m_i) w_i BR_E BR_i
    + sum_ij sigma_NN(m_i, m_j) z_ij BR_i BR_j (both orders for i != j), with each pair's
    cross section at its mean mass: assembled here from `spectrum` and the table, at points
    where E and N cascade in part."""
    table = load_cross_sections()
    point = random_points(50, 5)
    point = (np.clip(point[0], 200, 4000), np.clip(point[1], 150, 4000), *point[2:])
    values = spectrum(point, K)
    br = {k: np.nan_to_num(v, nan=1.0) for k, v in branching_to_sm(values).items()}
    m = {"E": values["m_E"], "N1": values["m_N1"], "N2": values["m_N2"]}
    by_hand = table.at("EE", m["E"], 13000.0) * br["E"] ** 2
    for i in ("1", "2"):
        mean = (m["E"] + m["N" + i]) / 2
        by_hand += table.at("EN", mean, 13000.0) * values["w_EN" + i] * br["E"] * br["N" + i]
        for j in ("1", "2"):
            weight = values[f"z_{min(i, j)}{max(i, j)}"]
            mean = (m["N" + i] + m["N" + j]) / 2
            by_hand += table.at("NN", mean, 13000.0) * weight * br["N" + i] * br["N" + j]
    signals = lhc_signals(point, K, load_cross_sections())
    np.testing.assert_allclose(signals["sigma_covered_13"], by_hand, rtol=1e-12)
    np.testing.assert_allclose(signals["lhc_pairs_covered_13"].sum(axis=0), by_hand, rtol=1e-12)
    assert np.any(signals["lhc_uncovered_share"] > 0.5)  # cascades among the points


def test_the_closed_form_decomposition_gives_the_svds_decays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`spectrum` diagonalizes in closed form; with numpy's SVD instead (a separate algorithm)
    every mass, width, weight and branching ratio is the same."""
    import g2fit.model.decays as decays_module
    from g2fit.model.mass_basis import diagonalize

    point = random_points(3000, 7)
    fast = spectrum(point, K)
    monkeypatch.setattr(decays_module, "diagonalize_closed_form", diagonalize)
    reference = spectrum(point, K)
    for name, value in reference.items():
        scale = np.max(np.abs(value))
        np.testing.assert_allclose(fast[name], value, rtol=1e-9, atol=1e-12 * scale, err_msg=name)
