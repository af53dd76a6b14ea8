"""Issue 11's data choices end to end: the CLI fits them, and the restricted EW reading
tightens the W coupling's bound as the issue expects."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from g2fit.config.measurements import Correlated, load_measurements
from g2fit.likelihood.scenario import load_terms
from g2fit.likelihood.terms import CorrelatedGaussian

RESTRICTED = "ew_fit_2021_muon_restricted"


@pytest.mark.parametrize(
    ("scenario", "term"),
    [
        ("current-ew-restricted", "ew-fit-2021-restricted"),
        ("current-tau-belle2", "tau-belle2-2024"),
    ],
)
def test_cli_fits_the_new_scenarios(tmp_path: Path, scenario: str, term: str) -> None:
    out = tmp_path / scenario
    done = run_cli(
        "fit",
        "--scenario",
        scenario,
        "--out",
        str(out),
        "--profile-points",
        "5",
        "--profile-2d-points",
        "3",
    )
    assert done.returncode == 0, done.stderr
    assert term in done.stdout
    document = json.loads((out / "fit.json").read_text())
    assert term in document["terms"]
    assert np.isfinite(document["chi2_min"])


def _one_sided_bound(term: CorrelatedGaussian, index: int) -> float:
    """The 95% CL one-sided bound (Delta chi2 = 2.71) on one coupling <= 0 from the EW term
    alone, the model's dgL_Zmu = 0 and the other coupling at 0."""
    grid = np.linspace(-0.02, 0.0, 20001)
    x = np.zeros((3, grid.size))
    x[index] = grid
    chi2 = term.chi2(dict(zip(term.observables, x, strict=True)))
    return float(grid[chi2 - chi2.min() <= 2.706].min())


def _closed_form_bound(measurement: str, index: int) -> float:
    """The same bound from the entry's numbers: along the slice, chi2 = P_ii x^2 - 2 x (P mu)_i
    + const with P the inverse covariance, minimized over x <= 0."""
    entry = load_measurements()[measurement]
    assert isinstance(entry, Correlated)
    sigma = np.array(entry.uncertainties)
    precision = np.linalg.inv(np.array(entry.correlation) * np.outer(sigma, sigma))
    p_ii, b = precision[index, index], (precision @ np.array(entry.values))[index]
    if b <= 0:  # the minimum x = b / P_ii lies in x <= 0
        return float(b / p_ii - np.sqrt(2.706 / p_ii))
    return float((b - np.sqrt(b * b + 2.706 * p_ii)) / p_ii)


def test_the_restricted_reading_tightens_the_w_bound() -> None:
    marginal, restricted = load_terms(["ew-fit-2021", "ew-fit-2021-restricted"])
    assert isinstance(marginal, CorrelatedGaussian)
    assert isinstance(restricted, CorrelatedGaussian)
    grid_step = 1e-6
    for index in (0, 2):  # dgL_W, dgR_Zmu
        for term, name in ((marginal, "ew_fit_2021_muon"), (restricted, RESTRICTED)):
            expected = _closed_form_bound(name, index)
            assert _one_sided_bound(term, index) == pytest.approx(expected, abs=2 * grid_step)
    w_marginal, w_restricted = _one_sided_bound(marginal, 0), _one_sided_bound(restricted, 0)
    assert 0.3 < w_restricted / w_marginal < 0.6  # "roughly halves" (0.40 here)
    # dgR_Zmu barely moves (and loosens slightly: the restriction shifts dgL_Zmu's mean).
    z_marginal, z_restricted = _one_sided_bound(marginal, 2), _one_sided_bound(restricted, 2)
    assert 0.8 < z_restricted / z_marginal < 1.2
