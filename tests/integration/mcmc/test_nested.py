"""`mcmc --sampler nested`: the posterior in the same form as emcee's (load_posterior, compare
work on it unchanged), the evidence in its attrs, resuming from stored points, refusals."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from helpers import run_cli

import g2fit
from g2fit.errors import InputError
from g2fit.inference.nested import NestedSettings, prior_support
from g2fit.io.posterior import run_attrs
from g2fit.jobs.nested import run_nested_sampling
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario

#: Few live points: these tests check the plumbing, test_engines_vs_prior_mc the answers.
LIVE_POINTS = 100


@pytest.fixture(scope="module")
def nested_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nested")
    result = run_cli(
        "mcmc", "--sampler", "nested", "--live-points", str(LIVE_POINTS), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "ln B (model vs SM)" in result.stdout
    return out


def test_the_posterior_loads_like_an_emcee_one(nested_run: Path) -> None:
    frame = g2fit.load_posterior(nested_run)
    assert {"chain", "draw", "m_L", "m_S", "Y_L", "Y_R", "delta_amu", "BR_E_to_SM"} <= set(frame)
    attrs = run_attrs(nested_run)
    assert attrs["sampler"] == "nested"
    assert len(frame) == pytest.approx(attrs["effective_sample_size"], abs=4)
    assert frame["m_L"].between(100, 5000).all()


def test_the_evidence_is_recorded_against_the_sm(nested_run: Path) -> None:
    attrs = run_attrs(nested_run)
    chi2_sm = GlobalLikelihood(load_scenario("paper-2021")).chi2_sm()
    assert attrs["log_likelihood_sm"] == pytest.approx(-0.5 * chi2_sm, rel=1e-12)
    assert attrs["log_bayes_factor_vs_sm"] == pytest.approx(
        attrs["log_evidence"] + 0.5 * chi2_sm, rel=1e-12
    )
    assert 0 < attrs["log_evidence_error"] < 1


def test_compare_reads_a_nested_posterior(nested_run: Path, tmp_path: Path) -> None:
    result = run_cli("compare", "--posterior", str(nested_run), "--no-fits", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "exclusion.json").read_text())
    assert 0.5 < document["futures"]["all"]["excluded_fraction"] <= 1


def test_a_rerun_resumes_from_the_stored_points(nested_run: Path) -> None:
    before = run_attrs(nested_run)
    result = run_cli(
        "mcmc", "--sampler", "nested", "--live-points", str(LIVE_POINTS), "--out", str(nested_run)
    )
    assert result.returncode == 0, result.stderr
    after = run_attrs(nested_run)
    # the stored points are replayed, so the run needs (almost) no new likelihood calls
    assert after["likelihood_calls"] <= before["likelihood_calls"] * 1.2
    assert abs(after["log_evidence"] - before["log_evidence"]) < 3 * before["log_evidence_error"]


def test_another_run_in_the_folder_is_refused(nested_run: Path) -> None:
    result = run_cli(
        "mcmc", "--sampler", "nested", "--live-points", "200", "--out", str(nested_run)
    )
    assert result.returncode == 2
    assert "live_points" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_emcee_run_does_not_mix_with_a_nested_one(nested_run: Path) -> None:
    result = run_cli("mcmc", "--steps", "40", "--thin", "1", "--out", str(nested_run))
    assert result.returncode == 2
    assert "another run" in result.stderr


def test_emcee_options_are_refused_for_nested(tmp_path: Path) -> None:
    result = run_cli("mcmc", "--sampler", "nested", "--steps", "100", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--steps" in result.stderr
    assert not any(tmp_path.iterdir())


def test_foreign_files_in_the_checkpoint_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "checkpoint-nested").mkdir()
    (tmp_path / "checkpoint-nested" / "points.txt").write_text("1 2 3\n")
    with pytest.raises(InputError, match="checkpoint-nested"):
        run_nested_sampling(load_scenario("paper-2021"), tmp_path, NestedSettings(seed=0))


def test_the_prior_support_is_the_share_of_the_box_a_bound_keeps() -> None:
    """With Y_L, Y_R uniform on [0, 1] and Y_L Y_R <= c, the prior keeps c (1 - ln c) of the
    box (the area under the hyperbola): the evidence is normalized by it."""
    scenario = load_scenario("paper-2021")
    assert prior_support(GlobalLikelihood(scenario)) == (1.0, 0.0)
    bounded = GlobalLikelihood(dataclasses.replace(scenario, max_YL_YR=0.25))
    share, error = prior_support(bounded)
    assert share == pytest.approx(0.25 * (1 - math.log(0.25)), abs=5 * error)


def test_a_checkpoint_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "checkpoint-nested").write_text("not a folder\n")
    with pytest.raises(InputError, match="checkpoint-nested: not a folder"):
        run_nested_sampling(load_scenario("paper-2021"), tmp_path, NestedSettings(seed=0))
