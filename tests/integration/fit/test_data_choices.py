"""Issue 11's data choices end to end: the CLI fits them, and the restricted EW reading
tightens the W coupling's bound as the issue expects."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from g2fit.likelihood.scenario import load_terms
from g2fit.likelihood.terms import CorrelatedGaussian


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


def test_the_restricted_reading_tightens_the_w_bound() -> None:
    marginal, restricted = load_terms(["ew-fit-2021", "ew-fit-2021-restricted"])
    assert isinstance(marginal, CorrelatedGaussian)
    assert isinstance(restricted, CorrelatedGaussian)
    w_marginal, w_restricted = _one_sided_bound(marginal, 0), _one_sided_bound(restricted, 0)
    assert w_marginal == pytest.approx(-6.95e-3, abs=0.01e-3)
    assert w_restricted == pytest.approx(-2.80e-3, abs=0.01e-3)
    assert 0.3 < w_restricted / w_marginal < 0.6  # "roughly halves" (0.40 here)
    # dgR_Zmu barely moves (and loosens slightly: the restriction shifts dgL_Zmu's mean).
    z_marginal, z_restricted = _one_sided_bound(marginal, 2), _one_sided_bound(restricted, 2)
    assert z_marginal == pytest.approx(-1.14e-3, abs=0.01e-3)
    assert z_restricted == pytest.approx(-1.24e-3, abs=0.01e-3)
