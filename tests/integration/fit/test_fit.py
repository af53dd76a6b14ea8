"""Profile-likelihood fits of the shipped scenarios, through the library and the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

import g2fit.jobs.fit
from g2fit.config.scenarios import scenario_names
from g2fit.inference.fit import (
    RESTART_TOLERANCE,
    UPPER_LIMIT_DELTA_CHI2,
    FitResult,
    best_fit,
    profile,
)
from g2fit.jobs.fit import fit_scenario, format_fit_table
from g2fit.likelihood.global_likelihood import GlobalLikelihood, to_internal
from g2fit.likelihood.scenario import load_scenario


@pytest.fixture(scope="module")
def paper() -> GlobalLikelihood:
    return GlobalLikelihood(load_scenario("paper-2021"))


def test_paper_2021_absorbs_the_anomaly(paper: GlobalLikelihood) -> None:
    result = best_fit(paper)
    pull_squared = (2.51 / 0.59) ** 2
    assert result.valid
    # chi2_min ~ chi2_SM - (Delta a_mu / sigma)^2 = 0, up to the tails of the smoothed cuts.
    assert result.chi2_min == pytest.approx(paper.chi2_sm() - pull_squared, abs=0.5)
    assert result.terms["g2-paper-2021"] < 0.1


def test_current_lattice_prefers_the_sm_up_to_the_priors() -> None:
    likelihood = GlobalLikelihood(load_scenario("current-lattice"))
    result = best_fit(likelihood)
    chi2_sm = likelihood.chi2_sm()
    assert result.chi2_min <= chi2_sm + 1e-9
    # Delta a_mu = 0.39(64)e-9: at most ~0.4 to gain from g-2; tau and EW pull both ways.
    assert chi2_sm - result.chi2_min < 1.0
    theta = result.theta[None, :]
    delta_amu = likelihood.observables_at(likelihood.point(theta))["delta_amu"][0]
    assert abs(delta_amu) < 0.64e-9


@pytest.mark.parametrize("name", sorted(scenario_names()))
def test_every_scenario_fits(name: str) -> None:
    likelihood = GlobalLikelihood(load_scenario(name))
    result = best_fit(likelihood, n_starts=3)
    assert result.valid
    assert np.isfinite(result.chi2_min)
    assert result.chi2_min <= likelihood.chi2_sm() + 1e-6


def test_profile_never_beats_the_global_minimum_and_is_minimal(paper: GlobalLikelihood) -> None:
    result = best_fit(paper)
    grid = np.linspace(2.0, 3.6, 9)[:, None]
    values, where = profile(paper, ["m_L"], grid)
    assert np.all(values >= result.chi2_min - 1e-3)
    # Where each minimum lies: on the grid's m_L, and there the chi^2 is the profile's value.
    assert where.shape == (9, paper.ndim)
    np.testing.assert_array_equal(where[:, 0], grid[:, 0])
    np.testing.assert_allclose(paper.chi2(where), values, rtol=1e-12, atol=1e-12)
    # The profile at the best fit's own m_L reproduces the minimum.
    at_best = profile(paper, ["m_L"], result.theta[None, :1]).chi2[0]
    assert at_best == pytest.approx(result.chi2_min, abs=1e-3)


def test_best_fit_from_given_starts(paper: GlobalLikelihood) -> None:
    result = best_fit(paper)
    again = best_fit(paper, starts=result.theta[None, :])
    assert again.n_starts == 1
    assert again.valid
    assert again.cost_min <= result.cost_min + 1e-9
    assert again.chi2_min == pytest.approx(sum(again.terms.values()), rel=1e-12, abs=1e-15)
    with pytest.raises(ValueError, match="starts must have shape"):
        best_fit(paper, starts=np.zeros((1, paper.ndim + 1)))


def _chi2_at(likelihood: GlobalLikelihood, point: dict[str, float]) -> float:
    """chi^2 recomputed from a reported best fit (physical units), nothing else."""
    theta = [to_internal(p, point[p.name]) for p in likelihood.parameters]
    return float(likelihood.chi2(np.array([theta]))[0])


def _check_consistent(document: dict, likelihood: GlobalLikelihood) -> None:
    """fit.json reports one point: chi2_min is the sum of its terms, the likelihood's chi^2
    there, and no profile point lies lower."""
    chi2_min = document["chi2_min"]
    assert chi2_min == pytest.approx(sum(document["terms"].values()), rel=1e-9, abs=1e-12)
    assert chi2_min == pytest.approx(
        _chi2_at(likelihood, document["best_fit"]), rel=1e-9, abs=1e-12
    )
    profiles = [np.asarray(p["chi2"]) for p in document["profiles"].values()]
    if document["profile_2d"] is not None:
        profiles.append(np.asarray(document["profile_2d"]["chi2"]))
    for values in profiles:
        assert chi2_min <= values.min() + RESTART_TOLERANCE
    # The printed table adds up: the total row is the sum of the rows above it.
    rows = format_fit_table(document).splitlines()
    total = next(line for line in rows if line.startswith("total"))
    assert float(total.split()[1]) == pytest.approx(sum(document["terms"].values()), abs=6e-4)
    assert float(total.split()[1]) == pytest.approx(chi2_min, abs=6e-4)


@pytest.mark.parametrize("name", sorted(scenario_names()))
def test_fit_json_reports_everything_at_one_best_point(name: str) -> None:
    scenario = load_scenario(name)
    document = fit_scenario(scenario, n_profile=9, n_profile_2d=5)
    _check_consistent(document, GlobalLikelihood(scenario))
    assert document["best_fit_start"] in ("scan", "profile of m_L", "profile of m_S", "2-D profile")


def test_a_lower_profile_point_restarts_the_best_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """When MIGRAD from the scan misses the minimum that a profile finds, the fit restarts
    from the profile's point and reports everything (and the limits) there."""
    scenario = load_scenario("paper-2021")
    likelihood = GlobalLikelihood(scenario)
    calls: list[bool] = []

    def missed_first(lik: GlobalLikelihood, **kwargs: object) -> FitResult:
        calls.append("starts" in kwargs)
        if kwargs.get("starts") is not None:
            return best_fit(lik, **kwargs)  # type: ignore[arg-type]
        # A poor "best fit": the SM-like corner, chi^2 ~ 18 (the anomaly unexplained).
        theta = lik.bounds.mean(axis=1)
        theta[lik.names.index("Y_L")] = theta[lik.names.index("Y_R")] = 1e-3
        terms = {k: float(v[0]) for k, v in lik.chi2_terms(theta[None, :]).items()}
        chi2 = sum(terms.values())
        point = lik.point(theta[None, :])
        return FitResult(
            best_fit={k: float(v[0]) for k, v in point.items()},
            theta=theta,
            chi2_min=chi2,
            terms=terms,
            valid=True,
            at_limit=[],
            hesse_errors={},
            minos={},
            n_starts=1,
            cost_min=chi2,
        )

    monkeypatch.setattr(g2fit.jobs.fit, "best_fit", missed_first)
    document = fit_scenario(scenario, n_profile=9, n_profile_2d=3)
    assert calls == [False, True]
    assert document["best_fit_start"] != "scan"
    assert document["chi2_min"] < 1e-6
    assert document["fit_valid"]
    assert document["minos_68"]  # MINOS ran at the restarted point
    _check_consistent(document, likelihood)
    # The limit is relative to the final minimum: as with the ordinary fit.
    assert document["upper_limits_95"]["m_L"] == pytest.approx(1105, rel=0.02)


def _grid_profile(likelihood: GlobalLikelihood, m_L: float, n: int = 110) -> float:
    """min chi^2 over a dense (log10 m_S, Y_L, Y_R) grid at fixed m_L (no minimizer)."""
    log_mS = np.linspace(*likelihood.bounds[1], n)
    yukawa = np.linspace(0.0, 1.0, n)
    grid = np.stack(np.meshgrid(log_mS, yukawa, yukawa, indexing="ij"), axis=-1).reshape(-1, 3)
    theta = np.column_stack([np.full(len(grid), np.log10(m_L)), grid])
    return float(likelihood.chi2(theta).min())


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def test_fit_command_writes_fit_json_and_prints_pulls(tmp_path: Path) -> None:
    out = tmp_path / "fit"
    result = run(
        "fit",
        "--scenario",
        "paper-2021",
        "--out",
        str(out),
        "--profile-points",
        "9",
        "--profile-2d-points",
        "3",
    )
    assert result.returncode == 0, result.stderr
    assert "g2-paper-2021" in result.stdout
    assert "pull" in result.stdout
    document = json.loads((out / "fit.json").read_text())
    for key in (
        "scenario",
        "best_fit",
        "chi2_min",
        "chi2_sm",
        "terms",
        "upper_limits_95",
        "inputs",
    ):
        assert key in document
    assert document["scenario"] == "paper-2021"
    assert set(document["best_fit"]) == {"m_L", "m_S", "Y_L", "Y_R", "Y_V", "Y_Vp"}
    assert document["inputs"]["constants"]["v"] == 174.10
    assert sum(document["terms"].values()) == pytest.approx(document["chi2_min"], rel=1e-9, abs=0)
    _check_consistent(document, GlobalLikelihood(load_scenario("paper-2021")))
    limit = document["upper_limits_95"]["m_L"]
    assert limit is not None
    assert 650 < limit < 5000
    # Independent of MIGRAD: a dense grid over (m_S, Y_L, Y_R) at m_L fixed to the limit.
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    assert document["chi2_min"] == pytest.approx(0.0, abs=1e-6)
    at_limit = _grid_profile(likelihood, limit)
    assert at_limit - document["chi2_min"] == pytest.approx(UPPER_LIMIT_DELTA_CHI2, abs=0.15)
    assert _grid_profile(likelihood, 0.97 * limit) < UPPER_LIMIT_DELTA_CHI2
    assert _grid_profile(likelihood, 1.03 * limit) > UPPER_LIMIT_DELTA_CHI2
    assert np.array(document["profile_2d"]["chi2"]).shape == (3, 3)


def test_coarse_profile_limits_lie_above_the_best_fit(tmp_path: Path) -> None:
    """On 3 grid points (100, 707, 5000 GeV) the lowest point of the m_L profile (5000 GeV)
    lies above the threshold and above the best fit (1327 GeV); that of m_S (707 GeV) just
    below it. Each limit is a crossing of the profile above the best fit: never missing,
    never an extrapolation below the best fit (before the fix: no m_L limit)."""
    out = tmp_path / "fit"
    result = run(
        "fit", "--scenario", "current-free-couplings", "--out", str(out), "--profile-points", "3"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "fit.json").read_text())
    likelihood = GlobalLikelihood(load_scenario("current-free-couplings"))
    for name in ("m_L", "m_S"):
        limit = document["upper_limits_95"][name]
        assert limit is not None
        assert document["best_fit"][name] < limit <= 5000.0
        # The profile crosses the threshold there (the root, not an interpolation).
        parameter = likelihood.parameters[likelihood.names.index(name)]
        at_limit = profile(likelihood, [name], np.array([[to_internal(parameter, limit)]])).chi2[0]
        assert at_limit - document["chi2_min"] == pytest.approx(UPPER_LIMIT_DELTA_CHI2, abs=0.05)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scenario", "paper-2022"], "unknown scenario 'paper-2022'; valid: current,"),
        (["--futures", "ilc,lep3"], "unknown future 'lep3'; valid: all,"),
        (["--profile-points", "1"], "argument --profile-points: must be at least 2"),
        (["--seed", "x"], "argument --seed: not an integer"),
        (["--seed", "-1"], "argument --seed: must lie in [0, 2^32)"),
    ],
)
def test_fit_bad_input_is_one_line_and_exit_2(args: list[str], needle: str, tmp_path: Path) -> None:
    result = run("fit", "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr
    assert not (tmp_path / "out" / "fit.json").exists()


def test_fit_refuses_an_output_path_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    result = run("fit", "--out", str(blocker))
    assert result.returncode == 2
    assert "is not a folder" in result.stderr
    assert blocker.read_text() == "keep me"
