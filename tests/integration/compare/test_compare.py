"""`compare`: excluded fractions against direct counts; the scenario comparison."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.io.files import write_atomic
from g2fit.io.posterior import build_inference_data, inference_data_bytes, load_posterior
from g2fit.jobs.compare import exclusion_summary
from g2fit.jobs.compare_scenarios import compare_scenarios, format_comparison
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario
from g2fit.model.constants import DEFAULT_CONSTANTS


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """A 2-walker x 6-step posterior of paper-2021 at chosen points (internal coordinates)."""
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    m_L = np.array([700, 900, 1200, 1300, 2000, 3000, 800, 1100, 1240, 1260, 4000, 660.0])
    m_S = np.array([150, 300, 800, 2000, 4000, 900, 120, 500, 700, 3000, 200, 1000.0])
    Y_L = np.array([0.9, 0.05, 0.3, 0.6, 0.02, 0.8, 0.1, 0.7, 0.2, 0.4, 0.9, 0.05])
    Y_R = np.full(12, 0.3)
    points = np.column_stack([np.log10(m_L), np.log10(m_S), Y_L, Y_R])
    positions = points.reshape(6, 2, 4)  # (steps, walkers, d)
    attrs = {
        "g2fit_version": __version__,
        "scenario": "paper-2021",
        "futures": [],
        "constants": DEFAULT_CONSTANTS.as_dict(),
    }
    accepted = np.ones((6, 2), dtype=bool)
    idata = build_inference_data(likelihood, positions, np.zeros((6, 2)), accepted, attrs)
    run = tmp_path_factory.mktemp("hand_made")
    write_atomic(run / "posterior.nc", inference_data_bytes(idata))
    return run, points


def test_excluded_fraction_is_a_direct_count(hand_made: tuple[Path, np.ndarray]) -> None:
    run, points = hand_made
    document = exclusion_summary(run, ["hl-lhc-tau-philic", "ilc"], fits=False)
    m_L, m_S, Y_L = 10 ** points[:, 0], 10 ** points[:, 1], points[:, 2]
    hl_lhc = document["futures"]["hl-lhc-tau-philic"]
    assert hl_lhc["excluded_fraction"] == np.mean(m_L < 1250.0)
    # ILC: R_W = (1 - Y_L^2 v^2 / (2 m_S^2))^2 against SM-like data with relative error 6e-4.
    R_W = (1 - Y_L**2 * 174.10**2 / (2 * m_S**2)) ** 2
    ilc_by_hand = ((R_W - 1) / 6e-4) ** 2 > 3.841458820694124
    assert document["futures"]["ilc"]["excluded_fraction"] == np.mean(ilc_by_hand)
    assert 0 < np.mean(ilc_by_hand) < 1
    assert set(document["futures"]) == {"hl-lhc-tau-philic", "ilc", "lepton-colliders", "all"}
    assert document["futures"]["all"]["excluded_fraction"] >= np.mean(ilc_by_hand)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results") / "paper-2021"
    result = run("mcmc", "--no-progress", "--out", str(folder), "--walkers", "16", "--steps", "400")
    assert result.returncode == 0, result.stderr
    return folder


def test_compare_command_writes_exclusion_files(small_run: Path) -> None:
    result = run("compare", "--posterior", str(small_run), "--futures", "ilc,gigaz")
    assert result.returncode == 0, result.stderr
    document = json.loads((small_run / "exclusion.json").read_text())
    lepton = document["futures"]["lepton-colliders"]
    for key in ("excluded_fraction", "excluded_fraction_natural", "mc_error"):
        assert key in lepton
    assert lepton["chi2_min_with_future"] >= 0
    assert 0 <= lepton["p_value_sm_vs_model"] <= 1
    assert lepton["terms"] == ["ilc-W-universality", "gigaz-Zmu"]
    csv = (small_run / "exclusion.csv").read_text().splitlines()
    assert csv[0].startswith("scenario,run,future,excluded_fraction")
    assert all(row.startswith(f"paper-2021,{small_run},") for row in csv[1:])
    assert csv[0].endswith(",posterior_converged")
    assert all(row.endswith(",False") for row in csv[1:])  # 400 steps: far below 50 tau
    assert len(csv) == 5
    assert "lepton-colliders" in result.stdout


def test_lhc_decay_assumption_counts_the_posterior(small_run: Path) -> None:
    """The share of samples whose heavy states decay mostly elsewhere than the searches
    assume, counted from the branching ratios stored in the posterior."""
    summary = exclusion_summary(small_run, ["ilc"], fits=False)["lhc_decay_assumption"]
    frame = load_posterior(small_run)
    for state in ("E", "N"):
        ratios = frame[f"BR_{state}_to_SM"].to_numpy()
        assert np.all((ratios >= 0) & (ratios <= 1))
        expected = float(np.mean(ratios < summary["threshold"]))
        assert summary[f"fraction_BR_{state}_to_SM_below"] == pytest.approx(expected)
    uncovered, sigma = frame["lhc_uncovered_share"], frame["sigma_pair_13"]
    assert np.all((uncovered >= 0) & (uncovered <= 1))
    assert summary["mean_uncovered_share"] == pytest.approx(uncovered.mean())
    weighted = float((uncovered * sigma).sum() / sigma.sum())
    assert summary["uncovered_share_of_cross_section"] == pytest.approx(weighted)


def test_scenario_comparison_runs_what_is_missing(small_run: Path, tmp_path: Path) -> None:
    # A results folder of its own: the shared run stays as it was for the other tests.
    results = tmp_path / "results"
    own_run = results / "paper-2021"
    shutil.copytree(small_run, own_run)
    other = results / "current-lattice"
    made = run(
        "mcmc",
        "--no-progress",
        "--scenario",
        "current-lattice",
        "--out",
        str(other),
        "--walkers",
        "16",
        "--steps",
        "400",
    )
    assert made.returncode == 0, made.stderr
    assert not (own_run / "fit.json").exists()
    stages: list[str] = []
    document = compare_scenarios(
        ["paper-2021", "current-lattice"],
        ["hl-lhc"],
        results=results,
        progress=False,
        stage=stages.append,
    )
    assert (own_run / "fit.json").exists()  # it ran the missing fits
    # A line per long stage (on a terminal's stderr from the command line).
    assert "fit: profile of m_L (25 points)..." in stages
    for name in ("paper-2021", "current-lattice"):
        assert f"compare: {name}: excluded fractions of its posterior..." in stages
        assert f"compare: {name}: cross-check of emcee against nested sampling..." in stages
    rows = document["scenarios"]
    assert list(rows) == ["paper-2021", "current-lattice"]
    assert rows["current-lattice"]["upper_limits_95"]["m_L"] is None
    assert rows["paper-2021"]["upper_limits_95"]["m_L"] < 2000
    table = format_comparison(document)
    # Both runs are far too short: flagged in the rows and under the table.
    for name in ("paper-2021", "current-lattice"):
        assert rows[name]["convergence"]["converged"] is False
        assert f"| {name} (NOT CONVERGED) |" in table
    assert table.splitlines()[-1].startswith(
        "WARNING: the posteriors of paper-2021, current-lattice are not converged"
    )


def test_scenario_comparison_refuses_a_run_of_another_scenario(
    small_run: Path, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    shutil.copytree(small_run, results / "current")  # a paper-2021 run under the wrong name
    before = sorted(p.name for p in (results / "current").iterdir())
    with pytest.raises(InputError, match="a posterior of scenario 'paper-2021'"):
        compare_scenarios(["current"], ["ilc"], results=results, progress=False)
    assert sorted(p.name for p in (results / "current").iterdir()) == before


def test_a_posterior_of_an_edited_likelihood_is_refused(
    small_run: Path, likelihoods_copy: Path, tmp_path: Path
) -> None:
    """D8: compare reads the run's scenario by name; if that file now says something else,
    the fractions would silently come from another likelihood."""
    scenario_file = likelihoods_copy / "scenarios" / "paper-2021.toml"
    text = scenario_file.read_text()
    assert "100.0, 5000.0" in text
    scenario_file.write_text(text.replace("100.0, 5000.0", "100.0, 4000.0", 1))
    env = {**os.environ, "G2FIT_LIKELIHOODS": str(likelihoods_copy)}
    result = run_cli(
        "compare", "--posterior", str(small_run), "--no-fits", "--out", str(tmp_path), env=env
    )
    assert result.returncode == 2
    assert "another version of 'paper-2021'" in result.stderr
    assert not (tmp_path / "exclusion.json").exists()


def test_exclusion_files_never_go_into_another_run(small_run: Path, tmp_path: Path) -> None:
    """D11: compare --posterior A --out B, B holding another run, is refused."""
    other = tmp_path / "other"
    result = run("mcmc", "--no-progress", "--out", str(other), "--walkers", "16", "--steps", "40")
    assert result.returncode == 0, result.stderr
    result = run("compare", "--posterior", str(small_run), "--no-fits", "--out", str(other))
    assert result.returncode == 2
    assert "holds another run's posterior" in result.stderr
    assert not (other / "exclusion.json").exists()
