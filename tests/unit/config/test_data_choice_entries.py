"""Issue 11, section 4: the EW fit's restricted reading, Belle II tau universality, FCC-ee.

The restriction is checked against computations that share nothing with the code under
test: the closed form of a 2x2 conditional, the precision-matrix form of the 20x20 one
from the TOML file read directly, and the chi^2 of the full fit along the model's slice.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from helpers import edit_text

from g2fit.config.measurements import (
    Correlated,
    Projection,
    Value,
    conditional_gaussian,
    load_measurements,
)
from g2fit.config.toml_entry import shipped_folder
from g2fit.errors import InputError

MUON = ["dgL_W", "dgL_Zmu", "dgR_Zmu"]


def test_conditional_of_two_is_the_textbook_closed_form() -> None:
    # x1 given x2 = c: mean mu1 + rho s1/s2 (c - mu2), variance s1^2 (1 - rho^2).
    mu1, mu2, s1, s2, rho, c = 0.3, -1.2, 2.0, 0.5, -0.7, 0.4
    covariance = np.array([[s1**2, rho * s1 * s2], [rho * s1 * s2, s2**2]])
    mean, variance = conditional_gaussian(np.array([mu1, mu2]), covariance, [0], np.array([c]))
    assert mean[0] == pytest.approx(mu1 + rho * s1 / s2 * (c - mu2), rel=1e-14)
    assert variance[0, 0] == pytest.approx(s1**2 * (1 - rho**2), rel=1e-14)


def _full_fit_from_the_file() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The 20-parameter fit as data/ew.toml writes it, without g2fit's loader."""
    with (shipped_folder("data") / "ew.toml").open("rb") as handle:
        table = tomllib.load(handle)["ew_fit_2021_full"]
    sigma = np.array(table["uncertainties"])
    return (
        table["quantities"],
        np.array(table["values"]),
        np.array(table["correlation"]) * (np.outer(sigma, sigma)),
    )


def test_restricted_ew_fit_is_the_precision_matrix_conditional() -> None:
    names, mu, covariance = _full_fit_from_the_file()
    a = [names.index(q) for q in MUON]
    b = [i for i in range(len(names)) if i not in a]
    precision = np.linalg.inv(covariance)
    # Conditional on x_b = 0: covariance (P_aa)^-1, mean mu_a + (P_aa)^-1 P_ab mu_b.
    expected_cov = np.linalg.inv(precision[np.ix_(a, a)])
    expected_mean = mu[a] + expected_cov @ precision[np.ix_(a, b)] @ mu[b]
    restricted = load_measurements()["ew_fit_2021_muon_restricted"]
    assert isinstance(restricted, Correlated)
    assert list(restricted.quantities) == MUON
    np.testing.assert_allclose(restricted.values, expected_mean, rtol=1e-9)
    np.testing.assert_allclose(restricted.covariance, expected_cov, rtol=1e-9)


def test_restricted_chi2_is_the_full_chi2_along_the_models_slice() -> None:
    """chi^2 of all 20 at (x_muon, others = 0) minus the restricted chi^2 of x_muon: constant."""
    names, mu, covariance = _full_fit_from_the_file()
    a = [names.index(q) for q in MUON]
    restricted = load_measurements()["ew_fit_2021_muon_restricted"]
    assert isinstance(restricted, Correlated)
    inverse = np.linalg.inv(restricted.covariance)
    rng = np.random.default_rng(3)
    differences = []
    for _ in range(20):
        x = np.zeros(len(names))
        x[a] = rng.normal(scale=3e-3, size=3)
        full = (x - mu) @ np.linalg.solve(covariance, x - mu)
        r = x[a] - np.array(restricted.values)
        differences.append(full - r @ inverse @ r)
    np.testing.assert_allclose(differences, differences[0], rtol=1e-9)


def test_the_full_fits_muon_block_is_the_marginal_entry() -> None:
    entries = load_measurements()
    full, muon = entries["ew_fit_2021_full"], entries["ew_fit_2021_muon"]
    assert isinstance(full, Correlated)
    assert isinstance(muon, Correlated)
    assert len(full.quantities) == 20
    a = [full.quantities.index(q) for q in MUON]
    np.testing.assert_array_equal(np.array(full.values)[a], muon.values)
    np.testing.assert_allclose(full.covariance[np.ix_(a, a)], muon.covariance, rtol=1e-14)


def test_restricted_numbers_quoted_in_its_note() -> None:
    restricted = load_measurements()["ew_fit_2021_muon_restricted"]
    assert isinstance(restricted, Correlated)
    assert "dgL_W = (-0.45 +- 1.70)e-3" in restricted.provenance.note
    quoted = [(-0.45, 1.70), (0.40, 1.12), (0.01, 1.32)]
    for (value, sigma), mean, error in zip(
        quoted, restricted.values, restricted.uncertainties, strict=True
    ):
        assert mean * 1e3 == pytest.approx(value, abs=0.005)
        assert error * 1e3 == pytest.approx(sigma, abs=0.005)
    # The expectation: the W coupling's central - 2 sigma bound roughly halves.
    ratio = (restricted.values[0] - 2 * restricted.uncertainties[0]) / (-2.7e-3 - 2 * 2.6e-3)
    assert 0.4 < ratio < 0.6


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('parent = "ew_fit_2021_full"', 'parent = "ew_fit_2099"', r"field 'parent': no 'corr"),
        ('parent = "ew_fit_2021_full"', 'parent = "R_tau_pdg2020"', r"field 'parent': no 'corr"),
        (
            'quantities = ["dgL_W", "dgL_Zmu", "dgR_Zmu"]\nothers',
            'quantities = ["dgL_W", "dgL_Zmumu"]\nothers',
            r"\[ew_fit_2021_muon_restricted\] field 'quantities': \['dgL_Zmumu'\] not in",
        ),
        (
            'quantities = ["dgL_W", "dgL_Zmu", "dgR_Zmu"]\nothers',
            'quantities = ["dgL_W", "dgL_W"]\nothers',
            r"field 'quantities': names a quantity twice",
        ),
        ("others_fixed_at = 0.0", "others_fixed_at = 'zero'", r"'others_fixed_at': must be a n"),
        ("others_fixed_at = 0.0", "fixed_at = 0.0", r"field 'fixed_at': unknown field"),
        (
            'others_fixed_at = 0.0\nunit = "1"',
            'others_fixed_at = 0.0\nunit = "1e-3"',
            r"\[ew_fit_2021_muon_restricted\] field 'unit': '1e-3' differs",
        ),
        (
            'others_fixed_at = 0.0\nunit = "1"\nsource = "computed from ew_fit_2021_full '
            "(arXiv:2103.12074): mean mu_a - S_ab S_bb^-1 mu_b, covariance ((S^-1)_aa)^-1, "
            'a = the muon couplings, b = the other 17"\nstatus = "to-verify"',
            'others_fixed_at = 0.0\nunit = "1"\nsource = "computed from ew_fit_2021_full '
            "(arXiv:2103.12074): mean mu_a - S_ab S_bb^-1 mu_b, covariance ((S^-1)_aa)^-1, "
            'a = the muon couplings, b = the other 17"\nstatus = "verified"',
            r"field 'status': cannot be verified: its parent 'ew_fit_2021_full' is to-verify",
        ),
    ],
)
def test_bad_conditional_entries_are_refused(
    data_copy: Path, old: str, new: str, message: str
) -> None:
    edit_text(data_copy / "ew.toml", old, new)
    with pytest.raises(InputError, match=message):
        load_measurements(data_copy)


def test_a_conditional_keeping_everything_is_refused(data_copy: Path) -> None:
    (data_copy / "extra.toml").write_text(
        '[all_kept]\nkind = "conditional"\nparent = "ew_fit_2021_muon"\n'
        'quantities = ["dgL_W", "dgL_Zmu", "dgR_Zmu"]\nothers_fixed_at = 0.0\nunit = "1"\n'
        'source = "test"\nstatus = "to-verify"\nnote = "test"\n'
    )
    with pytest.raises(InputError, match=r"\[all_kept\] field 'quantities': leaves none"):
        load_measurements(data_copy)


def test_belle2_tau_universality_entry() -> None:
    entry = load_measurements()["R_tau_belle2_2024"]
    assert isinstance(entry, Value)
    assert entry.quantity == "R_tau"
    assert entry.value == 0.9675
    # stat 0.0007 and syst 0.0036 in quadrature, rounded to the entry's digits
    assert entry.uncertainty == pytest.approx(math.hypot(0.0007, 0.0036), abs=5e-6)
    assert "arXiv:2405.14625" in entry.provenance.source
    assert "quadrature" in entry.provenance.note


def _phase_space(x: float) -> float:
    """f(x) = 1 - 8x + 8x^3 - x^4 - 12 x^2 ln x, x = m_l^2/m_tau^2 (leptonic tau width)."""
    return 1 - 8 * x + 8 * x**3 - x**4 - 12 * x**2 * math.log(x)


def test_the_sm_ratio_suits_belle2s_definition() -> None:
    """R_tau^SM = 0.9726 is the phase-space ratio of the two widths, and Belle II's own
    coupling ratio 0.9974(19) = sqrt(R_mu / R^SM) implies the same value."""
    from g2fit.model.constants import DEFAULT_CONSTANTS

    r_sm = DEFAULT_CONSTANTS.R_tau_SM
    m_e, m_mu, m_tau = 0.51099895e-3, 0.1056583755, 1.77686  # GeV, PDG 2020
    ratio = _phase_space((m_mu / m_tau) ** 2) / _phase_space((m_e / m_tau) ** 2)
    assert ratio == pytest.approx(r_sm, abs=5e-5)
    entry = load_measurements()["R_tau_belle2_2024"]
    assert isinstance(entry, Value)
    coupling = math.sqrt(entry.value / r_sm)
    assert round(coupling, 4) == 0.9974
    assert round(coupling * entry.uncertainty / (2 * entry.value), 4) == 0.0019


def test_fcc_ee_projections_cite_their_sources_and_say_whether_theory_errors_count() -> None:
    entries = load_measurements()
    a_mu = entries["fcc_ee_A_mu"]
    assert isinstance(a_mu, Projection)
    assert a_mu.uncertainty == pytest.approx(3.2e-5 / 0.1477, abs=0.05e-4)  # 2.2e-4
    assert "arXiv:2206.08326" in a_mu.provenance.source
    assert "arXiv:1905.03764" in entries["fcc_ee_W_leptonic"].provenance.source
    for name in ("fcc_ee_R_mu", "fcc_ee_A_mu", "fcc_ee_W_leptonic"):
        assert "Theory errors:" in entries[name].provenance.note
