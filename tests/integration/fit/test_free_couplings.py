"""The free-coupling scenarios: (Y_V, Y'_V) free in [-1, 1]^2 with their relative sign.

Checks that they load as intended, that the observables see (Y_V, Y'_V) only through
c = Y_V m_S/m_L + Y'_V (against a hand evaluation of eqs. 12, 14 and 4 written here), that
the sign flips the scenario files call unphysical are symmetries and the relative sign is
not, that each free scenario contains its fixed benchmark exactly, and that a CLI fit runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from helpers import run_cli

from g2fit import DEFAULT_CONSTANTS, observables
from g2fit.config.scenarios import load_scenario_spec
from g2fit.likelihood.global_likelihood import GlobalLikelihood, to_internal
from g2fit.likelihood.scenario import load_scenario

K = DEFAULT_CONSTANTS
FREE = {"paper-2021-free-couplings": "paper-2021", "current-free-couplings": "current"}
CUTOFF = 1e5


@pytest.mark.parametrize(("name", "parent"), FREE.items())
def test_free_scenarios_free_both_couplings_over_the_whole_square(name: str, parent: str) -> None:
    spec, base = load_scenario_spec(name), load_scenario_spec(parent)
    free = {p.name: p for p in spec.parameters}
    assert list(free) == ["m_L", "m_S", "Y_L", "Y_R", "Y_V", "Y_Vp"]
    assert spec.fixed == {}
    for coupling in ("Y_V", "Y_Vp"):  # every sign is physical once Y_L, Y_R >= 0
        assert (free[coupling].prior, free[coupling].low, free[coupling].high) == (
            "uniform",
            -1.0,
            1.0,
        )
    # Everything else is the parent's: its priors (Y_L, Y_R >= 0), terms and settings.
    assert [p for p in spec.parameters if p.name not in ("Y_V", "Y_Vp")] == list(base.parameters)
    assert base.fixed == {"Y_V": 1.0, "Y_Vp": 0.0}
    assert spec.term_names == base.term_names
    assert (spec.two_loop_top, spec.cutoff, spec.max_YL_YR) == (
        base.two_loop_top,
        base.cutoff,
        base.max_YL_YR,
    )


# ------------------------------------------------ eqs. 12, 14, 4 by hand, at equal c


def _loop_function(x: mp.mpf, y: mp.mpf) -> mp.mpf:
    """F(x, y) of eq. 12 as printed (no singular line is near the points used here)."""
    return (
        x**3 * y * mp.log(x) / ((y - x) * (x - 1) ** 3)
        + x * y**3 * mp.log(y) / ((x - y) * (y - 1) ** 3)
        - x * y * (3 * x * y - x - y - 1) / (2 * (y - 1) ** 2 * (x - 1) ** 2)
    )


def _by_hand(m_L: float, m_S: float, Y_L: float, Y_R: float, c: float) -> dict[str, float]:
    """eq. 12 in mpmath at 40 digits; eq. 14 and eq. 4 (times v/m_mu) in plain floats."""
    with mp.workdps(40):
        mL, mS, mW = mp.mpf(m_L), mp.mpf(m_S), mp.mpf(K.m_W)
        one_loop = (
            6 * mp.mpf(Y_L) * mp.mpf(Y_R) / (16 * mp.pi**2)
            * mW**2 * mp.mpf(K.v) * mp.mpf(K.m_mu) / (mS**2 * mL**2)
            * mp.mpf(c) * _loop_function(mS**2 / mW**2, mL**2 / mW**2)
        )  # fmt: skip
    loop = 16 * math.pi**2
    log_ratio = math.log(m_L**2 / m_S**2)
    top = -3 * K.y_t**2 * Y_R * Y_L / loop**2 * K.v * K.m_mu / (m_L**2 - m_S**2) * c * log_ratio
    bracket = m_S**2 / (m_S**2 - m_L**2) * math.log(CUTOFF**2 / m_S**2) + m_L**2 / (
        m_L**2 - m_S**2
    ) * math.log(CUTOFF**2 / m_L**2)
    delta_y = -Y_L * Y_R / loop * c * bracket
    return {
        "delta_amu_one_loop": float(one_loop),
        "delta_amu_two_loop_top": top,
        "delta_amu": float(one_loop) + top,
        "delta_mmu_over_mmu": delta_y * K.v / K.m_mu,
    }


# (m_L, m_S, Y_L, Y_R) and several (Y_V, Y'_V) with the same c = Y_V m_S/m_L + Y'_V.
EQUAL_C = [
    ((1000.0, 800.0, 0.5, 0.4), 0.8, [(1.0, 0.0), (0.0, 0.8), (0.5, 0.4), (-0.25, 1.0)]),
    ((1500.0, 300.0, 0.2, 0.7), 0.9, [(0.5, 0.8), (-0.5, 1.0), (1.0, 0.7)]),
    ((700.0, 2800.0, 0.9, 0.1), -0.6, [(-0.15, 0.0), (0.1, -1.0), (-0.4, 1.0)]),
]


@pytest.mark.parametrize(("masses", "c", "couplings"), EQUAL_C)
def test_observables_see_the_couplings_only_through_c(
    masses: tuple[float, float, float, float], c: float, couplings: list[tuple[float, float]]
) -> None:
    m_L, m_S, Y_L, Y_R = masses
    Y_V, Y_Vp = np.array(couplings).T
    np.testing.assert_allclose(Y_V * m_S / m_L + Y_Vp, c, rtol=1e-14)
    # eq. 12-16's observables (the heavy states' masses and decays see Y_V, Y'_V apart)
    obs = observables(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, cutoff=CUTOFF, decays=False)
    for key, values in obs.items():  # equal c: every observable equal
        np.testing.assert_allclose(values, values[0], rtol=1e-13, atol=1e-300, err_msg=key)
    for key, expected in _by_hand(m_L, m_S, Y_L, Y_R, c).items():
        np.testing.assert_allclose(obs[key], expected, rtol=1e-12, err_msg=key)


def test_the_relative_sign_is_physical_and_interferes() -> None:
    """At m_S/m_L = 0.8: (1, 0.8) adds, (1, -0.8) cancels Delta a_mu and Delta m_mu exactly;
    flipping both couplings flips them."""
    m_L, m_S, Y_L, Y_R = 1000.0, 800.0, 0.5, 0.4
    same, opposite, both = (
        observables(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, cutoff=CUTOFF)
        for Y_V, Y_Vp in ((1.0, 0.8), (1.0, -0.8), (-1.0, -0.8))
    )
    alone = observables(m_L, m_S, Y_L, Y_R, 1.0, 0.0, cutoff=CUTOFF)
    for key in ("delta_amu", "delta_amu_one_loop", "delta_mmu_over_mmu"):
        assert float(same[key]) == pytest.approx(2 * float(alone[key]), rel=1e-12, abs=0)
        assert float(opposite[key]) == pytest.approx(0.0, abs=1e-14 * abs(float(same[key])))
        assert float(both[key]) == pytest.approx(-float(same[key]), rel=1e-13, abs=0)
    assert float(same["delta_amu"]) > 0 > float(same["delta_mmu_over_mmu"])
    # The couplings of eq. 16 do not involve Y_V, Y'_V.
    for key in ("dgL_W", "dgR_Zmu", "R_tau", "A_mu"):
        assert float(same[key]) == float(opposite[key]) == float(both[key])


@pytest.mark.parametrize(("a", "b"), [(-1, 1), (1, -1), (-1, -1)])
def test_the_field_redefinitions_of_the_scenario_files_are_symmetries(a: int, b: int) -> None:
    """(Y_L, Y_R, Y_V, Y'_V) -> (a Y_L, b Y_R, ab Y_V, ab Y'_V) leaves every observable as it
    is: with Y_L, Y_R >= 0 no sign of Y_V, Y'_V is left to remove."""
    rng = np.random.default_rng(3)
    m_L, m_S = 10 ** rng.uniform(2.2, 3.6, (2, 50))
    Y_L, Y_R = rng.uniform(0, 1, (2, 50))
    Y_V, Y_Vp = rng.uniform(-1, 1, (2, 50))
    before = observables(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, cutoff=CUTOFF)
    after = observables(m_L, m_S, a * Y_L, b * Y_R, a * b * Y_V, a * b * Y_Vp, cutoff=CUTOFF)
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-14, atol=0, err_msg=key)


@pytest.mark.parametrize(("name", "parent"), FREE.items())
def test_each_free_scenario_contains_its_benchmark(name: str, parent: str) -> None:
    """At (Y_V, Y'_V) = (1, 0) the free scenario's chi^2 is its parent's, term by term; at
    another point of equal c too."""
    free, fixed = GlobalLikelihood(load_scenario(name)), GlobalLikelihood(load_scenario(parent))
    rng = np.random.default_rng(5)
    n = 200
    point = {
        "m_L": 10 ** rng.uniform(2.0, 3.7, n),
        "m_S": 10 ** rng.uniform(2.0, 3.7, n),
        "Y_L": rng.uniform(0, 1, n),
        "Y_R": rng.uniform(0, 1, n),
    }
    # (1, 0), and the same c = m_S/m_L reached with Y'_V > 0 where |Y_V| <= 1 allows it.
    ratio = point["m_S"] / point["m_L"]
    Y_Vp = rng.uniform(0, 1, n) * np.clip(np.minimum(1 - ratio, 2 * ratio), 0, None)
    Y_V = (ratio - Y_Vp) / ratio
    assert np.all(np.abs(Y_V) <= 1)

    def theta(likelihood: GlobalLikelihood, values: dict[str, np.ndarray]) -> np.ndarray:
        return np.stack([to_internal(p, values[p.name]) for p in likelihood.parameters], axis=1)

    reference = fixed.chi2_terms(theta(fixed, point))
    # The decay-aware LHC limit sees the mass eigenstates, which depend on Y_V and Y'_V apart,
    # not only through c: it is compared at the benchmark point only.
    lhc = {term.name for term in free.terms if "lhc_pair_masses" in term.observables}
    for couplings in ({"Y_V": np.ones(n), "Y_Vp": np.zeros(n)}, {"Y_V": Y_V, "Y_Vp": Y_Vp}):
        terms = free.chi2_terms(theta(free, {**point, **couplings}))
        assert terms.keys() == reference.keys()
        for key, values in terms.items():
            if key in lhc and couplings["Y_Vp"] is Y_Vp:
                continue
            np.testing.assert_allclose(values, reference[key], rtol=1e-12, atol=1e-12)
    assert free.chi2_sm() == fixed.chi2_sm()


@pytest.mark.parametrize("name", FREE)
def test_cli_fit_of_a_free_scenario(name: str, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ("--profile-points", "5", "--profile-2d-points", "2")
    result = run_cli("fit", "--scenario", name, "--out", str(out), *args, timeout=120)
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "fit.json").read_text())
    best = document["best_fit"]
    assert set(best) >= {"m_L", "m_S", "Y_L", "Y_R", "Y_V", "Y_Vp"}
    for coupling in ("Y_V", "Y_Vp"):
        assert abs(best[coupling]) <= 1
    for coupling in ("Y_L", "Y_R"):
        assert 0 <= best[coupling] <= 1
    # The anomaly pulls the best fit to c > 0 (Delta a_mu > 0), and below the SM's chi^2.
    assert best["Y_V"] * best["m_S"] / best["m_L"] + best["Y_Vp"] > 0
    assert document["chi2_min"] < document["chi2_sm"] - 10
    assert f"Y_Vp = {best['Y_Vp']:.4g}" in result.stdout
