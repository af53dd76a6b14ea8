"""The sampler: a closed-form posterior, resume after kill -9, round trips, bad input."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli
from scipy import integrate, stats

import g2fit
from g2fit import observables
from g2fit.likelihood import GlobalLikelihood
from g2fit.mcmc import McmcSettings, run_mcmc
from g2fit.posterior import load_inference_data
from g2fit.sampling import RunSettings
from g2fit.scenario import load_scenario
from g2fit.schema import shipped_folder

ANALYTIC = """
description = "test: only Delta a_mu, masses fixed, Y_L and Y_R uniform on [0, 1]"
terms = ["g2-paper-2021"]
two_loop_top = true
[parameters.Y_L]
prior = "uniform"
range = [0.0, 1.0]
[parameters.Y_R]
prior = "uniform"
range = [0.0, 1.0]
[fixed]
m_L = 900.0
m_S = 600.0
Y_V = 0.0
Y_Vp = 1.0
"""


def test_sampler_recovers_a_closed_form_posterior(tmp_path: Path) -> None:
    folder = tmp_path / "likelihoods"
    shutil.copytree(shipped_folder("likelihoods"), folder)
    (folder / "scenarios" / "analytic.toml").write_text(ANALYTIC)
    scenario = load_scenario("analytic", folder=folder)
    settings = McmcSettings(RunSettings(seed=3, walkers=64, steps=3000), burn=500, thin=1)
    result = run_mcmc(scenario, tmp_path / "run", settings)
    assert not result.warnings, result.warnings

    # Delta a_mu = K Y_L Y_R; with a Gaussian (mu, sigma) on it and flat priors on [0, 1]^2,
    # integrating Y_L out gives p(Y_R = y) ~ [Phi((K y - mu)/sigma) - Phi(-mu/sigma)] / y.
    K = float(observables(900.0, 600.0, 1.0, 1.0, 0.0, 1.0)["delta_amu"])
    mu, sigma = 2.51e-9, 0.59e-9

    def density(y: float) -> float:
        return float(stats.norm.cdf((K * y - mu) / sigma) - stats.norm.cdf(-mu / sigma)) / y

    norm = integrate.quad(density, 0.0, 1.0, epsabs=1e-12, points=[mu / K])[0]

    def cdf(y: np.ndarray) -> np.ndarray:
        return np.array([integrate.quad(density, 0.0, v, epsabs=1e-12)[0] / norm for v in y])

    chain = load_inference_data(tmp_path / "run").posterior["Y_R"].values  # (walkers, draws)
    tau = result.summary.loc["Y_R", "tau_steps"]
    independent = chain[:, :: int(np.ceil(2 * tau))].ravel()
    assert independent.size > 2000
    assert stats.kstest(independent, cdf).pvalue > 0.01
    mean = integrate.quad(lambda y: y * density(y), 0.0, 1.0)[0] / norm
    ess = result.summary.loc["Y_R", "ess_bulk"]
    assert abs(chain.mean() - mean) < 4 * chain.std() / np.sqrt(ess)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("mcmc", "--no-progress", *args)


def test_default_run_is_converged(tmp_path: Path) -> None:
    result = run("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    summary = pd.read_csv(tmp_path / "summary.csv", index_col="variable")
    for name in ("m_L", "m_S", "Y_L", "Y_R"):
        assert summary.loc[name, "r_hat"] <= 1.01
        assert summary.loc[name, "ess_bulk"] >= 1000
    assert (tmp_path / "corner.png").stat().st_size > 10_000


SMALL = ["--walkers", "32", "--steps", "3000", "--seed", "7"]


def test_resume_after_kill_gives_the_same_chain(tmp_path: Path) -> None:
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    command = [sys.executable, "-m", "g2fit", "mcmc", "--no-progress", "--out", str(killed), *SMALL]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second_chunk = killed / "checkpoint" / "chunk-000000250.h5"
    deadline = time.monotonic() + 120
    while not second_chunk.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "posterior.nc").exists(), "the run finished before it was killed"
    resumed = run("--out", str(killed), *SMALL)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from step" in resumed.stdout
    assert run("--out", str(clean), *SMALL).returncode == 0
    a, b = load_inference_data(killed), load_inference_data(clean)
    for name in ("m_L", "m_S", "Y_L", "Y_R", "delta_amu"):
        np.testing.assert_array_equal(a.posterior[name].values, b.posterior[name].values)
    assert a.posterior.sizes == b.posterior.sizes
    assert a.posterior.attrs["steps"] == 3000


def test_load_posterior_round_trips(tmp_path: Path) -> None:
    assert run("--out", str(tmp_path), "--walkers", "16", "--steps", "400").returncode == 0
    idata = load_inference_data(tmp_path / "posterior.nc")
    frame = g2fit.load_posterior(tmp_path)
    walkers, draws = idata.posterior.sizes["chain"], idata.posterior.sizes["draw"]
    assert len(frame) == walkers * draws
    expected = [
        "chain",
        "draw",
        "m_L",
        "m_S",
        "Y_L",
        "Y_R",
        "delta_amu",
        "delta_amu_one_loop",
        "delta_amu_two_loop_top",
        "delta_mmu_over_mmu",
        "dgL_W",
        "dgR_Zmu",
        "R_tau",
    ]
    assert set(expected) <= set(frame.columns)
    assert frame["chain"].dtype == np.int64
    assert frame["draw"].dtype == np.int64
    for name in expected[2:]:
        assert frame[name].dtype == np.float64
        values = idata.posterior[name].values
        np.testing.assert_array_equal(frame[name].to_numpy(), values.ravel())
    np.testing.assert_array_equal(
        frame["delta_amu"], frame["delta_amu_one_loop"] + frame["delta_amu_two_loop_top"]
    )
    # accepted flags: per kept step, matching the run's acceptance fraction; lp matches positions
    accepted = idata.sample_stats["accepted"].values
    assert accepted.shape == (walkers, draws)
    assert accepted.mean() == pytest.approx(idata.posterior.attrs["acceptance_fraction"], abs=0.05)
    assert 0.1 < accepted.mean() < 0.6
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    theta = np.column_stack(
        [np.log10(frame["m_L"]), np.log10(frame["m_S"]), frame["Y_L"], frame["Y_R"]]
    )
    lp = idata.sample_stats["lp"].values.ravel()
    # log10 of the stored masses differs from the sampled coordinate by an ulp at most
    np.testing.assert_allclose(likelihood.log_prob(theta), lp, rtol=1e-9, atol=1e-12)
    terms = idata.sample_stats["log_likelihood_terms"]
    assert terms.coords["term"].values[0] == "g2-paper-2021"
    assert idata.posterior.attrs["scenario"] == "paper-2021"


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--walkers", "0"], "argument --walkers: must be positive"),
        (["--steps", "-5"], "argument --steps: must be positive"),
        (["--walkers", "6"], "argument --walkers: need at least 2 x 4 parameters = 8 walkers"),
        (["--steps", "100", "--burn", "100"], "argument --burn: must lie in [0, --steps)"),
        (["--steps", "100", "--burn", "50", "--thin", "60"], "argument --thin: keeps no step"),
    ],
)
def test_bad_settings_are_one_line_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run("--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr
    assert not (tmp_path / "out" / "checkpoint").exists()


def test_unwritable_output_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run("--out", str(tmp_path / "file" / "sub"))
    assert result.returncode == 2
    assert "is not writable" in result.stderr


def test_incompatible_checkpoint_is_refused_and_kept(tmp_path: Path) -> None:
    assert run("--out", str(tmp_path), "--walkers", "16", "--steps", "300").returncode == 0
    before = _digest(tmp_path)
    for args, needle in [
        (["--scenario", "current"], "different scenario"),
        (["--seed", "1"], "different seed"),
        (["--walkers", "20"], "different walkers"),
        (["--steps", "200", "--walkers", "16"], "already holds 300 steps"),
    ]:
        result = run("--out", str(tmp_path), "--steps", "300", *args)
        assert result.returncode == 2, result.stderr
        assert needle in result.stderr
        assert result.stderr.count("\n") == 1
        assert _digest(tmp_path) == before
