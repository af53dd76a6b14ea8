"""Observables of the model against mpmath, quadrature and closed forms."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import reference
from scipy import integrate

from g2fit import DEFAULT_CONSTANTS, Constants, ExpansionWarning, InputError, PerturbativityWarning
from g2fit.model.loops import log_ratio_over_difference_of_squares
from g2fit.model.observables import observables

K = DEFAULT_CONSTANTS
PIECES = ("delta_amu_one_loop", "delta_amu_two_loop_top", "delta_mmu_over_mmu")


def _mass_pairs() -> list[tuple[float, float]]:
    rng = np.random.default_rng(11)
    pairs = [tuple(p) for p in 10 ** rng.uniform(0, 4.5, size=(150, 2))]
    for m in [1.0, K.m_W, 250.0, 1000.0, 2.5e4]:
        for d in [0.0, 1e-14, 1e-12, 1e-9, 1e-6, 1e-3, 1e-2]:
            pairs += [(m, m * (1 + d)), (m * (1 + d), m)]  # m_L = m_S
            pairs += [(m, K.m_W * math.sqrt(1 + d)), (K.m_W * math.sqrt(1 - d), m)]  # x, y = 1
    return pairs


def test_constants_are_physics_md_defaults() -> None:
    assert K.v == 174.10
    assert (K.m_W, K.m_Z, K.m_mu, K.m_t, K.sin2_theta_W) == (
        80.3692,
        91.1880,
        0.1056583755,
        172.57,
        0.23121,
    )
    assert K.y_t == pytest.approx(172.57 / 174.10, rel=1e-15)


@pytest.mark.parametrize(
    "yukawas", [(0.7, 0.4, 1.0, 0.0), (0.3, -0.9, 0.0, 1.0), (1.0, 1.0, 0.5, 0.25)]
)
def test_delta_amu_and_muon_mass_match_mpmath(yukawas: tuple[float, ...]) -> None:
    pairs = np.array(_mass_pairs())
    # The pairs reach down to 1 GeV: the formulas are checked there, outside their physics.
    with pytest.warns(ExpansionWarning, match="below m_W"):
        values = observables(pairs[:, 0], pairs[:, 1], *yukawas, cutoff=1e5)
    for i, (m_L, m_S) in enumerate(pairs):
        expected = reference.delta_amu_pieces(
            m_L, m_S, *yukawas, cutoff=1e5, m_W=K.m_W, v=K.v, m_mu=K.m_mu, y_t=K.y_t
        )
        for key, want in zip(PIECES, expected, strict=True):
            error = float(abs((values[key][i] - want) / want))
            assert error <= 1e-11, f"{key} at m_L={m_L!r}, m_S={m_S!r}: rel. error {error:.1e}"


def test_total_is_sum_and_top_term_can_be_switched_off() -> None:
    on = observables(1200.0, 700.0, 0.6, 0.8, 1.0, 0.0)
    off = observables(1200.0, 700.0, 0.6, 0.8, 1.0, 0.0, two_loop_top=False)
    assert on["delta_amu"] == on["delta_amu_one_loop"] + on["delta_amu_two_loop_top"]
    assert off["delta_amu"] == off["delta_amu_one_loop"] == on["delta_amu_one_loop"]
    assert off["delta_amu_two_loop_top"] == on["delta_amu_two_loop_top"]


def test_muon_mass_bracket_limit_at_equal_masses() -> None:
    # eq. 4's bracket -> log(L^2/m^2) - 1 at m_S = m_L = m (closed form).
    m, cutoff = 800.0, 1e5
    value = observables(m, m, 1.0, 1.0, 0.0, 1.0, cutoff=cutoff)["delta_mmu_over_mmu"]
    expected = -1.0 / (16 * math.pi**2) * (math.log(cutoff**2 / m**2) - 1.0) * K.v / K.m_mu
    assert value == pytest.approx(expected, rel=1e-14)


def test_couplings_of_eq_16_and_tau_ratio() -> None:
    Y_L, Y_R, m_L, m_S = 0.8, 0.6, 1500.0, 900.0
    o = observables(m_L, m_S, Y_L, Y_R, 1.0, 0.0)
    dgW = -(Y_L**2) * 174.10**2 / (2 * m_S**2)
    assert o["dgL_W"] == pytest.approx(dgW, rel=1e-15)
    assert o["dgL_Znu"] == o["dgL_W"]
    assert o["dgL_Zmu"] == 0.0
    assert o["dgR_Zmu"] == pytest.approx(-(Y_R**2) * 174.10**2 / (2 * m_L**2), rel=1e-15)
    assert o["R_tau"] == pytest.approx(0.9726 * (1 + dgW) ** 2, rel=1e-15)
    assert o["R_W_mu_e"] == pytest.approx((1 + dgW) ** 2, rel=1e-15)
    assert o["gmu_over_ge"] == pytest.approx(1 + dgW, rel=1e-15)
    assert o["gR_Zmu"] == pytest.approx(0.23121 + o["dgR_Zmu"], rel=1e-15)
    assert o["gL_Zmu"] == -0.5 + 0.23121
    sm = observables(m_L, m_S, 0.0, 0.0, 1.0, 0.0)
    g_L, g_R = -0.5 + 0.23121, 0.23121
    assert sm["A_mu"] == pytest.approx((g_L**2 - g_R**2) / (g_L**2 + g_R**2), rel=1e-14)
    assert sm["Gamma_Zmumu_ratio"] == 1.0
    assert sm["delta_amu"] == 0.0


def _f_prime(u: float, m_L: float, m_S: float) -> float:
    # f(u) = u/((u + m_L^2)(u + m_S^2)) of eq. 5, differentiated by hand.
    a, b = m_L**2, m_S**2
    return (a * b - u * u) / ((u + a) ** 2 * (u + b) ** 2)


def _integral_over_log_u(function: object, m_L: float, m_S: float) -> tuple[float, float]:
    """Integral du g(u) = integral dw e^w g(e^w), split at the two peaks; and of |g|."""

    def on_log(w: float, absolute: bool = False) -> float:
        value = math.exp(w) * function(math.exp(w))  # type: ignore[operator]
        return abs(value) if absolute else value

    breaks = sorted([2 * math.log(m_S), 2 * math.log(m_L)])
    edges = [breaks[0] - 60, *breaks, breaks[1] + 60]
    total = magnitude = 0.0
    for lo, hi in itertools.pairwise(edges):
        total += integrate.quad(on_log, lo, hi, epsabs=1e-15, epsrel=1e-11, limit=400)[0]
        magnitude += integrate.quad(on_log, lo, hi, args=(True,), epsrel=1e-9, limit=400)[0]
    return total, magnitude


@pytest.mark.parametrize("ratio", [1.0, 1.5, 10.0, 1e2, 1e3])
def test_total_derivative_integrand_vanishes(ratio: float) -> None:
    # eqs. 5-8: the integral of f'(u) is zero although |f'| is not (Fig. 2's two peaks).
    m_S = 1.0  # units of m_S, so the integrand is O(1)
    m_L = ratio * m_S
    total, magnitude = _integral_over_log_u(lambda u: _f_prime(u, m_L, m_S), m_L, m_S)
    # integral of |f'| = 2 max f = 2/(m_L + m_S)^2 (f peaks at u = m_L m_S).
    assert magnitude == pytest.approx(2.0 / (m_L + m_S) ** 2, rel=1e-8, abs=0)
    assert abs(total) <= 1e-10 * magnitude


@pytest.mark.parametrize("ratio", [1.01, 1.5, 10.0, 1e2, 1e3])
def test_log_weighted_integrand_gives_eq_14(ratio: float) -> None:
    # eq. 13 -> eq. 14: integral du f'(u) log u = -log(m_L^2/m_S^2)/(m_L^2 - m_S^2).
    m_S = 1.0  # units of m_S, so the integrand is O(1)
    m_L = ratio * m_S
    total, magnitude = _integral_over_log_u(lambda u: _f_prime(u, m_L, m_S) * math.log(u), m_L, m_S)
    closed_form = -math.log(m_L**2 / m_S**2) / (m_L**2 - m_S**2)
    assert total == pytest.approx(closed_form, rel=1e-9, abs=1e-12 * magnitude)
    assert -log_ratio_over_difference_of_squares(m_S, m_L) == pytest.approx(
        closed_form, rel=1e-13, abs=0
    )


def test_positive_delta_amu_means_negative_muon_mass_correction() -> None:
    # Below eq. 12: with the signs chosen for Delta a_mu > 0, Delta m_mu < 0.
    rng = np.random.default_rng(5)
    n = 20000
    m_L, m_S = 10 ** rng.uniform(2, 4, size=(2, n))
    Y_L, Y_R, Y_V, Y_Vp = rng.uniform(-1, 1, size=(4, n))
    one_loop_only = observables(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp, two_loop_top=False)
    positive = one_loop_only["delta_amu"] > 0
    assert 0.3 < positive.mean() < 0.7
    assert np.all(one_loop_only["delta_mmu_over_mmu"][positive] < 0)
    # With eq. 14 (opposite sign) included, it still holds where eq. 12 dominates, m <= 2 TeV.
    light = (m_L <= 2000) & (m_S <= 2000)
    total = observables(m_L, m_S, Y_L, Y_R, Y_V, Y_Vp)
    positive = light & (total["delta_amu"] > 0)
    assert np.all(total["delta_mmu_over_mmu"][positive] < 0)


@pytest.mark.parametrize(("mass", "low", "high"), [(300.0, 0.03, 0.08), (1000.0, 0.15, 0.35)])
def test_top_term_relative_size(mass: float, low: float, high: float) -> None:
    # PHYSICS.md: the eq. 14 term is about 5 % of eq. 12 at 300 GeV, 20-30 % at 1 TeV.
    o = observables(mass, mass, 1.0, 1.0, 0.0, 1.0)
    ratio = -o["delta_amu_two_loop_top"] / o["delta_amu_one_loop"]
    assert low < ratio < high


def test_broadcasting_scalars_vectors_and_grids_agree() -> None:
    m_L = np.array([300.0, 800.0, 2500.0])
    m_S = np.array([[200.0], [800.0], [5000.0]])
    grid = observables(m_L, m_S, 0.5, 0.7, 1.0, 0.2)
    flat = observables(np.tile(m_L, 3), np.repeat(m_S.ravel(), 3), np.full(9, 0.5), 0.7, 1.0, 0.2)
    for key, value in grid.items():
        assert value.shape == (3, 3)
        np.testing.assert_array_equal(value.ravel(), flat[key])
        for i in range(3):
            for j in range(3):
                scalar = observables(m_L[j], m_S[i, 0], 0.5, 0.7, 1.0, 0.2)[key]
                assert scalar.shape == ()
                assert scalar == value[i, j]


def test_constants_can_be_overridden_and_scale_the_top_term() -> None:
    base = observables(900.0, 600.0, 0.5, 0.5, 1.0, 0.0)
    heavier = observables(900.0, 600.0, 0.5, 0.5, 1.0, 0.0, constants=Constants(m_t=2 * 172.57))
    ratio = heavier["delta_amu_two_loop_top"] / base["delta_amu_two_loop_top"]
    assert ratio == pytest.approx(4.0, rel=1e-14)
    assert heavier["delta_amu_one_loop"] == base["delta_amu_one_loop"]


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("name", ["m_L", "m_S", "cutoff"])
def test_bad_masses_raise_value_error_naming_the_input(name: str, bad: float) -> None:
    args = {"m_L": 1000.0, "m_S": 500.0, "cutoff": 1e5}
    args[name] = np.array([700.0, bad])
    with pytest.raises(ValueError, match=rf"^{name} must be a finite positive mass"):
        observables(args["m_L"], args["m_S"], 0.5, 0.5, 1.0, 0.0, cutoff=args["cutoff"])


def test_masses_outside_the_domain_raise() -> None:
    with pytest.raises(ValueError, match=r"^m_S must lie in \[1e-06, 1e\+12\] GeV"):
        observables(1000.0, 1e160, 0.5, 0.5, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"^cutoff must lie in"):
        observables(1000.0, 500.0, 0.5, 0.5, 1.0, 0.0, cutoff=1e-300)


@pytest.mark.parametrize("name", ["Y_L", "Y_R", "Y_V", "Y_Vp"])
def test_non_finite_yukawa_raises(name: str) -> None:
    yukawas = {"Y_L": 0.5, "Y_R": 0.5, "Y_V": 1.0, "Y_Vp": 0.0, name: math.nan}
    with pytest.raises(ValueError, match=rf"^{name} must be a finite number"):
        observables(1000.0, 500.0, **yukawas)


def test_non_perturbative_yukawa_is_allowed_but_warned_once() -> None:
    with pytest.warns(PerturbativityWarning, match="Y_R outside") as caught:
        values = observables(1000.0, 500.0, 0.5, np.array([13.0, -20.0, 0.1]), 1.0, 0.0)
    assert len(caught) == 1
    assert np.all(np.isfinite(values["delta_amu"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        observables(1000.0, 500.0, 0.5, 4 * math.pi, 1.0, 0.0)


CUTOFF_WHY = r"eq\. 4's log\(Lambda/m\) assumes the new leptons lie below the cutoff Lambda$"


@pytest.mark.parametrize(
    ("m_L", "m_S", "cutoff", "named"),
    [
        (1000.0, 800.0, 10.0, "m_L = 1000.0"),
        (800.0, 1000.0, 900.0, "m_S = 1000.0"),
        (np.array([500.0, 2e5, 3e5]), 700.0, 1e5, "m_L = 200000.0"),
        (1000.0, 800.0, np.array([1e5, 999.0]), "m_L = 1000.0"),
    ],
)
def test_cutoff_below_the_new_leptons_is_refused(
    m_L: object, m_S: object, cutoff: object, named: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before any warning
        with pytest.raises(InputError, match=rf"^cutoff = \S+ GeV is below {named} GeV: ") as error:
            observables(m_L, m_S, 0.5, 0.5, 1.0, 0.0, cutoff=cutoff)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
    assert error.match(CUTOFF_WHY)


def test_cutoff_at_the_heavier_mass_is_accepted() -> None:
    # The boundary itself is in: eq. 4's bracket is then -1 at m_L = m_S (log(1) - 1).
    m = 2000.0
    value = observables(m, m, 1.0, 1.0, 0.0, 1.0, cutoff=m)["delta_mmu_over_mmu"]
    assert value == pytest.approx(1.0 / (16 * math.pi**2) * K.v / K.m_mu, rel=1e-14)
    observables(3000.0, 1000.0, 0.5, 0.5, 1.0, 0.0, cutoff=3000.0)


def test_cutoff_check_comes_after_the_domain_checks() -> None:
    with pytest.raises(InputError, match=r"^cutoff must be a finite positive mass"):
        observables(1000.0, 800.0, 0.5, 0.5, 1.0, 0.0, cutoff=-1.0)
    with pytest.raises(InputError, match=r"^m_L must lie in"):
        observables(1e13, 800.0, 0.5, 0.5, 1.0, 0.0, cutoff=1e12)


@pytest.mark.parametrize(("name", "m_L", "m_S"), [("m_L", 1e-6, 800.0), ("m_S", 800.0, 50.0)])
def test_mass_below_m_W_is_computed_but_warned(name: str, m_L: float, m_S: float) -> None:
    light = min(m_L, m_S)
    with pytest.warns(ExpansionWarning) as caught:
        values = observables(m_L, m_S, 0.5, 0.5, 1.0, 0.0)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message == (
        f"{name} = {light!r} GeV is below m_W = 80.3692 GeV: Delta a_mu (eq. 12, the leading "
        "term of an expansion in m_W^2/m^2, and eq. 14, computed far above the weak scale) "
        "assumes m_L, m_S >> m_W and does not hold there"
    )
    assert caught[0].filename == __file__  # points at the caller
    assert all(np.isfinite(v) for v in values.values())
    # Warned, not changed: the same numbers as the unchecked path.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExpansionWarning)
        again = observables(m_L, m_S, 0.5, 0.5, 1.0, 0.0)
    for key, value in values.items():
        assert value == again[key]


def test_both_masses_below_m_W_warn_once_each_naming_the_first_light_value() -> None:
    with pytest.warns(ExpansionWarning) as caught:
        observables(np.array([500.0, 30.0, 20.0]), np.array([10.0, 900.0, 5.0]), 0.5, 0.5, 1, 0)
    assert [str(w.message).split(" GeV")[0] for w in caught] == ["m_L = 30.0", "m_S = 10.0"]


def test_m_W_itself_and_heavier_masses_do_not_warn_and_m_W_follows_the_constants() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        observables(K.m_W, K.m_W, 0.5, 0.5, 1.0, 0.0)
        observables(np.array([K.m_W, 1e4]), 300.0, 0.5, 0.5, 1.0, 0.0)
    with pytest.warns(ExpansionWarning, match=r"^m_S = 90\.0 GeV is below m_W = 100\.0 GeV"):
        observables(1000.0, 90.0, 0.5, 0.5, 1.0, 0.0, constants=Constants(m_W=100.0))
