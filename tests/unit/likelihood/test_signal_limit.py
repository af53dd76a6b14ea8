"""The decay-aware LHC limits: today's emulated cross-section limit and the HL-LHC
extrapolations, against hand computations from the published numbers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from helpers import copy_shipped, edit_text

from g2fit.errors import InputError
from g2fit.inference.exclusion import excluded
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario, load_terms
from g2fit.likelihood.terms import SignalUpperLimit

#: The working group's NLO+NNLL doublet (higgsino) sum at 1250 and 1275 GeV (fb), table A of
#: the developers' COLLIDER.md: github.com/amete/susyewkxsections @ 18bd5a66, xsec_CN_hino.txt.
SIGMA_1250, SIGMA_1275 = 0.243209, 0.207618
#: ln-linear interpolation to ATLAS's 1270 GeV (arXiv:2411.07143).
SIGMA_1270 = math.exp(math.log(SIGMA_1250) + 0.8 * math.log(SIGMA_1275 / SIGMA_1250))


@pytest.mark.parametrize(
    ("term", "bound", "shape", "observable"),
    [
        ("lhc-atlas-2024-decays", SIGMA_1270, "linear", "sigma_covered_13"),
        ("hl-lhc-mu-doublet", SIGMA_1270 * math.sqrt(140 / 3000), "quadratic", "sigma_covered_14"),
        (
            "hl-lhc-mu-doublet-background-free",
            SIGMA_1270 * 140 / 3000,
            "linear",
            "sigma_covered_14",
        ),
    ],
)
def test_the_limits_come_from_the_mass_limit(
    term: str, bound: float, shape: str, observable: str
) -> None:
    (built,) = load_terms([term])
    assert isinstance(built, SignalUpperLimit)
    # 1e-6: the table interpolates each channel in ln sigma, their sum not exactly ln-linear
    assert built.bound == pytest.approx(bound, rel=1e-6)
    assert (built.shape, built.observable) == (shape, observable)
    r = np.array([0.0, 0.5, 1.0, 2.0])
    chi2 = built.chi2({observable: r * built.bound})
    expected = 3.841458820694124 * (r if shape == "linear" else r * r)  # chi2.ppf(0.95, 1)
    np.testing.assert_allclose(chi2, expected, rtol=1e-12)
    flags = built.excluded({observable: np.array([0.999, 1.001]) * built.bound})
    assert flags.tolist() == [False, True]


def test_a_pure_doublet_at_the_mass_limit_sits_at_the_limit() -> None:
    """Only Y_R (every decay as the search assumes): r = 1 where the doublet's cross section,
    at its physical masses, equals the table's at 1270 GeV, so the decay-aware limit
    reproduces the published mass limit for the search's own benchmark."""
    likelihood = GlobalLikelihood(load_scenario("current"))
    masses = np.linspace(1200.0, 1340.0, 141)
    n = masses.size
    point = {
        "m_L": masses,
        "m_S": np.full(n, 4000.0),
        "Y_L": np.zeros(n),
        "Y_R": np.full(n, 0.01),
        "Y_V": np.zeros(n),
        "Y_Vp": np.zeros(n),
    }
    obs = likelihood.observables_at(point)
    chi2 = likelihood.chi2_terms_at(obs)["lhc-atlas-2024-decays"]
    crossing = masses[np.argmax(chi2 < 3.841458820694124)]
    assert crossing == pytest.approx(1270.0, abs=1.5)


def test_the_sm_and_a_decoupled_doublet_cost_nothing() -> None:
    likelihood = GlobalLikelihood(load_scenario("current", ["hl-lhc"]))
    assert likelihood.chi2_terms_sm()["lhc-atlas-2024-decays"] == 0.0
    assert likelihood.chi2_terms_sm()["hl-lhc-mu-doublet"] == 0.0


def test_the_hl_lhc_reach_lies_beyond_todays_limit() -> None:
    """The extrapolated reach of a pure doublet: above 1270 GeV, and the background-free reading
    (1/L) beyond the background-limited one (1/sqrt(L))."""
    futures = {}
    for future, term in (
        ("hl-lhc", "hl-lhc-mu-doublet"),
        ("hl-lhc-background-free", "hl-lhc-mu-doublet-background-free"),
    ):
        likelihood = GlobalLikelihood(load_scenario("current", [future]))
        masses = np.linspace(1300.0, 2600.0, 1301)
        n = masses.size
        point = {
            "m_L": masses,
            "m_S": np.full(n, 4500.0),
            "Y_L": np.zeros(n),
            "Y_R": np.full(n, 0.01),
            "Y_V": np.zeros(n),
            "Y_Vp": np.zeros(n),
        }
        obs = likelihood.observables_at(point)
        sm = likelihood.sm_observables()
        terms = [t for t in likelihood.terms if t.name == term]
        flags = excluded(terms, obs, sm)
        futures[future] = masses[flags].max()
    assert 1400.0 < futures["hl-lhc"] < futures["hl-lhc-background-free"] < 2600.0


def test_a_prior_beyond_the_table_is_refused(tmp_path: Path) -> None:
    likelihoods = copy_shipped("likelihoods", tmp_path)
    edit_text(likelihoods / "scenarios" / "paper-2021.toml", "[100.0, 5000.0]", "[100.0, 8000.0]")
    with pytest.raises(InputError, match=r"m_L over 100-8000 GeV reaches outside the cross"):
        load_scenario("current", folder=likelihoods)
    load_scenario("paper-2021", folder=likelihoods)  # no LHC signal term: no table needed
