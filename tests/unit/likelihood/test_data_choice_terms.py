"""The terms of issue 11's data choices at a model point, against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario, load_terms
from g2fit.likelihood.terms import CorrelatedGaussian, Gaussian
from g2fit.model.constants import DEFAULT_CONSTANTS

V = DEFAULT_CONSTANTS.v
POINT = {"m_L": 1300.0, "m_S": 900.0, "Y_L": 0.6, "Y_R": 0.4, "Y_V": 1.0, "Y_Vp": 0.0}


def _chi2_at_point(scenario: str, term: str) -> float:
    likelihood = GlobalLikelihood(load_scenario(scenario))
    obs = likelihood.observables_at({k: np.array([v]) for k, v in POINT.items()})
    return float(likelihood.chi2_terms_at(obs)[term][0])


def test_belle2_tau_term_at_a_point() -> None:
    (term,) = load_terms(["tau-belle2-2024"])
    assert isinstance(term, Gaussian)
    assert (term.observable, term.value, term.sigma) == ("R_tau", 0.9675, 0.00367)
    # eq. 16: dgL_W = -Y_L^2 v^2 / (2 m_S^2); R_tau = 0.9726 (1 + dgL_W)^2.
    dgL_W = -0.5 * (POINT["Y_L"] * V / POINT["m_S"]) ** 2
    r_tau = 0.9726 * (1 + dgL_W) ** 2
    by_hand = ((r_tau - 0.9675) / 0.00367) ** 2
    assert _chi2_at_point("current-tau-belle2", "tau-belle2-2024") == pytest.approx(
        by_hand, rel=1e-12
    )


def test_restricted_ew_term_at_a_point() -> None:
    (term,) = load_terms(["ew-fit-2021-restricted"])
    assert isinstance(term, CorrelatedGaussian)
    dgL_W = -0.5 * (POINT["Y_L"] * V / POINT["m_S"]) ** 2
    dgR_Zmu = -0.5 * (POINT["Y_R"] * V / POINT["m_L"]) ** 2
    r = np.array([dgL_W, 0.0, dgR_Zmu]) - np.array(term.values)
    # the quadratic form with the covariance's explicit inverse (adjugate over determinant)
    c = np.array(term.covariance)
    adjugate = np.array(
        [
            [(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(c, j, 0), i, 1)) for j in range(3)]
            for i in range(3)
        ]
    )
    by_hand = float(r @ (adjugate / np.linalg.det(c)) @ r)
    chi2 = _chi2_at_point("current-ew-restricted", "ew-fit-2021-restricted")
    assert chi2 == pytest.approx(by_hand, rel=1e-9)
    # The restricted reading is the tighter one at this point.
    assert chi2 > _chi2_at_point("current", "ew-fit-2021")


@pytest.mark.parametrize(
    ("scenario", "replaced", "replacement"),
    [
        ("current-ew-restricted", "ew-fit-2021", "ew-fit-2021-restricted"),
        ("current-tau-belle2", "tau-hflav2022", "tau-belle2-2024"),
    ],
)
def test_new_scenarios_replace_one_term_of_current(
    scenario: str, replaced: str, replacement: str
) -> None:
    current = [t.name for t in load_scenario("current").terms]
    names = [t.name for t in load_scenario(scenario).terms]
    assert names == [replacement if n == replaced else n for n in current]
    assert load_scenario(scenario).parameters == load_scenario("current").parameters
