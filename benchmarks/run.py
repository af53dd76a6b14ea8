"""g2fit benchmarks: `python benchmarks/run.py`; prints a table, writes results/benchmarks.json.

Every case runs in a fresh Python process (`python benchmarks/run.py --case NAME`), so its
peak memory (max resident set size) is its own. Times are wall clock on this machine, the
best of several repeats for the fast cases. Targets (issue 6) are printed beside each row.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent.parent / "results" / "benchmarks.json"
M_W, V, M_MU = 80.3692, 174.10, 0.1056583755


def best_time(function: Callable[[], object], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def random_points(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "m_L": 10 ** rng.uniform(2, 4, n),
        "m_S": 10 ** rng.uniform(2, 4, n),
        "Y_L": rng.uniform(-1, 1, n),
        "Y_R": rng.uniform(-1, 1, n),
        "Y_V": rng.uniform(-1, 1, n),
        "Y_Vp": rng.uniform(-1, 1, n),
    }


def bare_eq12(p: dict[str, np.ndarray]) -> np.ndarray:
    """eq. 12 as printed, no care for its singular lines: the floor for any evaluation."""
    x, y = (p["m_S"] / M_W) ** 2, (p["m_L"] / M_W) ** 2
    F = (
        x**3 * y * np.log(x) / ((y - x) * (x - 1) ** 3)
        + x * y**3 * np.log(y) / ((x - y) * (y - 1) ** 3)
        - x * y * (3 * x * y - x - y - 1) / (2 * (y - 1) ** 2 * (x - 1) ** 2)
    )
    c = p["Y_V"] * p["m_S"] / p["m_L"] + p["Y_Vp"]
    return (
        6
        * p["Y_L"]
        * p["Y_R"]
        / (16 * np.pi**2)
        * M_W**2
        * V
        * M_MU
        / (p["m_S"] ** 2 * p["m_L"] ** 2)
        * c
        * F
    )


def _likelihood(scenario: str = "paper-2021") -> Any:
    from g2fit.likelihood.global_likelihood import GlobalLikelihood
    from g2fit.likelihood.scenario import load_scenario

    return GlobalLikelihood(load_scenario(scenario))


def _theta(likelihood: Any, n: int) -> np.ndarray:
    low, high = likelihood.bounds.T
    return np.asarray(low + (high - low) * np.random.default_rng(1).random((n, likelihood.ndim)))


def case_likelihood(n: int) -> dict[str, Any]:
    """(1) and (2): the global chi^2 (paper-2021) against bare eq. 12, n points per call."""
    likelihood = _likelihood()
    theta, points = _theta(likelihood, n), random_points(n)
    repeats = 7 if n >= 10**6 else 20
    seconds = best_time(lambda: likelihood.chi2(theta), repeats)
    floor = best_time(lambda: bare_eq12(points), repeats)
    row = {
        "seconds": seconds,
        "points_per_second": n / seconds,
        "bare_eq12_seconds": floor,
        "ratio_to_bare_eq12": seconds / floor,
    }
    if n == 10**6:
        row["target"] = "ratio <= 3"
        row["met"] = seconds / floor <= 3
    return row


def case_exact_likelihood(n: int) -> dict[str, Any]:
    """The global chi^2 in the exact one-loop mode (paper-2021-exact), n points per call."""
    exact, eft = _likelihood("paper-2021-exact"), _likelihood()
    theta = _theta(exact, n)
    seconds = best_time(lambda: exact.chi2(theta), 5)
    eft_seconds = best_time(lambda: eft.chi2(theta), 5)
    per_point = seconds / n
    return {
        "seconds": seconds,
        "seconds_per_point": per_point,
        "ratio_to_eft": seconds / eft_seconds,
        "target": "<= 50 us per point",
        "met": per_point <= 50e-6,
    }


def case_decay_aware_likelihood(n: int) -> dict[str, Any]:
    """The global chi^2 of `current` (the decay-aware LHC limit: one diagonalization, the
    decays and the cross sections per point) against `current-plain-cut` (the mass cut)."""
    aware, plain = _likelihood("current"), _likelihood("current-plain-cut")
    theta = _theta(aware, n)
    seconds = best_time(lambda: aware.chi2(theta), 5)
    plain_seconds = best_time(lambda: plain.chi2(theta), 5)
    return {
        "seconds": seconds,
        "seconds_per_point": seconds / n,
        "ratio_to_plain_cut": seconds / plain_seconds,
    }


def case_mcmc_decay_aware() -> dict[str, Any]:
    """The default `g2fit mcmc` of `current` (decay-aware LHC limit) beside the same run of
    `current-plain-cut`, today's reading before the decay-aware limit: within 2x."""
    aware = case_mcmc("current")
    plain = case_mcmc("current-plain-cut")
    ratio = aware["seconds"] / plain["seconds"]
    return {
        **aware,
        "plain_cut_seconds": plain["seconds"],
        "ratio_to_plain_cut": ratio,
        "target": "<= 2 x current-plain-cut",
        "met": ratio <= 2.0,
    }


def case_scalar_loop() -> dict[str, Any]:
    """(3): a per-point Python loop over the likelihood, as a typical script does it."""
    likelihood = _likelihood()
    theta = _theta(likelihood, 2000)
    start = time.perf_counter()
    for point in theta:
        likelihood.chi2(point[None, :])
    per_point = (time.perf_counter() - start) / len(theta)
    big = _theta(likelihood, 10**6)
    vectorized = best_time(lambda: likelihood.chi2(big), 3) / 10**6
    speedup = per_point / vectorized
    return {
        "seconds_per_point": per_point,
        "vectorized_seconds_per_point": vectorized,
        "speedup": speedup,
        "target": "vectorized >= 50x faster",
        "met": speedup >= 50,
    }


def case_mcmc(scenario: str = "paper-2021") -> dict[str, Any]:
    """(4): the default `g2fit mcmc` run (paper-2021), timed with its output files and
    corner plot; evaluations/s counts walkers x steps over that whole time."""
    from g2fit.jobs.mcmc import default_settings, run_mcmc
    from g2fit.likelihood.scenario import load_scenario

    loaded = load_scenario(scenario)
    settings = default_settings(
        progress=False, steps=loaded.mcmc_steps, walkers=loaded.mcmc_walkers
    )
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = run_mcmc(loaded, Path(folder), settings)
        seconds = time.perf_counter() - start
    # ESS as g2fit's convergence rule counts it: walkers x steps after burn-in / tau (worst
    # parameter); arviz's bulk ESS treats the correlated walkers as independent chains.
    parameters = [p.name for p in loaded.parameters]
    tau = float(result.summary.loc[parameters, "tau_steps"].max())
    ess = settings.run.walkers * (settings.run.steps - settings.burn) / tau
    evaluations = settings.run.walkers * settings.run.steps
    row = {
        "seconds": seconds,
        "min_ess": ess,
        "min_ess_per_second": ess / seconds,
        "tau_steps": tau,
        "likelihood_evaluations_per_second": evaluations / seconds,
        "target": "<= 30 s",
        "met": seconds <= 30,
    }
    if scenario != "paper-2021":  # the exact mode's target (issue 11)
        row.update(target="<= 60 s", met=seconds <= 60)
    return row


def case_nested(scenario: str = "paper-2021") -> dict[str, Any]:
    """`g2fit mcmc --sampler nested` with its defaults, timed with its output files."""
    from g2fit.inference.nested import NestedSettings
    from g2fit.jobs.nested import run_nested_sampling
    from g2fit.likelihood.scenario import load_scenario

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        _, evidence = run_nested_sampling(
            load_scenario(scenario), Path(folder), NestedSettings(seed=0)
        )
        seconds = time.perf_counter() - start
        from g2fit.io.posterior import run_attrs

        ess = float(run_attrs(Path(folder))["effective_sample_size"])
    return {
        "seconds": seconds,
        "min_ess": ess,
        "min_ess_per_second": ess / seconds,
        "log_evidence_error": evidence["log_evidence_error"],
        "target": "<= 60 s",
        "met": seconds <= 60,
    }


def case_trivial_gaussian() -> dict[str, Any]:
    """emcee's own default (stretch move, vectorized) on a 4-D unit Gaussian, 128 walkers x
    4000 steps: the ESS per second of a likelihood that costs nothing, beside g2fit's."""
    import emcee

    def log_prob(x: np.ndarray) -> np.ndarray:
        return np.asarray(-0.5 * np.sum(x**2, axis=1))

    walkers, steps = 128, 4000
    sampler = emcee.EnsembleSampler(walkers, 4, log_prob, vectorize=True)
    start_points = np.random.default_rng(0).normal(size=(walkers, 4))
    start = time.perf_counter()
    sampler.run_mcmc(start_points, steps)
    seconds = time.perf_counter() - start
    tau = float(np.max(sampler.get_autocorr_time(discard=steps // 4, quiet=True)))
    ess = walkers * (steps - steps // 4) / tau
    return {"seconds": seconds, "min_ess": ess, "min_ess_per_second": ess / seconds,
            "tau_steps": tau}  # fmt: skip


#: The benchmark's grid: four members of current-family (g2 x lhc), each with mcmc, fit and
#: nested sampling, as `compare --grid` runs them.
BENCH_GRID = """
description = "benchmark: four members of current-family"
base = "current"
[axes.g2]
slot = "term"
choices = { wa2025-wp2020 = "g2-wa2025-wp2020", wa2025-wp2025 = "g2-wa2025-wp2025" }
[axes.lhc]
slot = "term"
choices = { decays = "lhc-atlas-2024-decays", plain-cut = "lhc-atlas-2024" }
"""


def case_grid_workers() -> dict[str, Any]:
    """`g2fit compare --grid` on a 4-scenario grid (mcmc, fit and nested each) from scratch
    with 1 and with 2 local dask workers: the wall time of the whole command."""
    import os
    import shutil

    from g2fit.config.toml_entry import shipped_folder

    row: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        likelihoods = Path(folder) / "likelihoods"
        shutil.copytree(shipped_folder("likelihoods"), likelihoods)
        (likelihoods / "grids" / "bench.toml").write_text(BENCH_GRID)
        env = {**os.environ, "G2FIT_LIKELIHOODS": str(likelihoods)}
        for workers in (1, 2):
            out = Path(folder) / f"out-{workers}"
            command = [sys.executable, "-m", "g2fit", "compare", "--grid", "bench"]
            command += ["--out", str(out), "--workers", str(workers)]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env, cwd=folder)
            row[f"seconds_{workers}_workers"] = time.perf_counter() - start
    row["speedup"] = row["seconds_1_workers"] / row["seconds_2_workers"]
    row["scenarios"] = 4
    return row


def case_move_spread() -> dict[str, Any]:
    """Why the default moves: the run-to-run spread (4 seeds) of the posterior fraction with
    m_L > 1500 GeV on paper-2021 (prior Monte Carlo: 0.026), default 128 x 4000 runs, with
    differential evolution + snooker alone and with the prior move added (g2fit's default)."""
    import emcee

    from g2fit.inference.moves import LeanDEMove, PriorMove, SnookerMove
    from g2fit.inference.sampler import initial_positions

    likelihood = _likelihood()
    mixtures = {
        "de+snooker": lambda: [(LeanDEMove(), 0.8), (SnookerMove(), 0.2)],
        "de+snooker+prior": lambda: [
            (LeanDEMove(), 0.7),
            (SnookerMove(), 0.2),
            (PriorMove(*likelihood.bounds.T), 0.1),
        ],
    }
    row: dict[str, Any] = {}
    for name, mixture in mixtures.items():
        fractions = []
        for seed in range(4):
            sampler = emcee.EnsembleSampler(
                128, likelihood.ndim, likelihood.log_prob, vectorize=True, moves=mixture()
            )
            sampler.random_state = np.random.RandomState(seed).get_state()
            sampler.run_mcmc(initial_positions(likelihood, 128, seed), 4000)
            m_L = sampler.get_chain(discard=1000)[:, :, 0]
            fractions.append(float(np.mean(m_L > np.log10(1500))))
        row[name] = {"mean": float(np.mean(fractions)), "sd": float(np.std(fractions, ddof=1))}
    return row


def case_plane() -> dict[str, Any]:
    """(5): a 500 x 500 `plane` (fig5-left): grid, netCDF file and figure, in a process that
    has imported matplotlib; and the whole CLI run (Python start-up and imports included)."""
    import matplotlib.pyplot  # noqa: F401  (a one-time import, not part of a plane)

    from g2fit.config.planes import load_plane
    from g2fit.inference.plane import compute_plane
    from g2fit.io.figures import plane_figure
    from g2fit.io.files import write_files
    from g2fit.jobs.plane import grid_bytes

    spec = load_plane("fig5-left")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cli.png"
        command = [sys.executable, "-m", "g2fit", "plane", "--benchmark", "fig5-left"]
        start = time.perf_counter()
        subprocess.run(
            [*command, "--out", str(out), "--grid", "500"], check=True, capture_output=True
        )
        cli_seconds = time.perf_counter() - start
        start = time.perf_counter()
        plane = compute_plane(spec, 500)
        grid_seconds = time.perf_counter() - start
        figure, grid = plane_figure(plane), grid_bytes(plane)
        write_files([(Path(folder) / "plane.png", figure), (Path(folder) / "plane.nc", grid)])
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "grid_seconds": grid_seconds,
        "cli_seconds": cli_seconds,
        "target": "<= 1 s (grid, masks, netCDF and figure, in process)",
        "met": seconds <= 1.0,
    }


def case_mcmc_memory() -> dict[str, Any]:
    """(7): a large run's peak memory against g2fit.jobs.mcmc.memory_needed, the estimate that
    refuses runs above MAX_MEMORY_BYTES: 1000 walkers x 1000 steps, every step kept."""
    from g2fit.inference.sampler import RunSettings
    from g2fit.jobs.mcmc import McmcSettings, memory_needed, run_mcmc
    from g2fit.likelihood.global_likelihood import GlobalLikelihood
    from g2fit.likelihood.scenario import load_scenario

    scenario = load_scenario("paper-2021")
    settings = McmcSettings(
        RunSettings(seed=0, walkers=1000, steps=1000), burn=0, thin=1, progress=False
    )
    estimate = memory_needed(GlobalLikelihood(scenario), settings)
    with tempfile.TemporaryDirectory() as folder:
        run_mcmc(scenario, Path(folder) / "run", settings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "estimate_mb": estimate / 2**20,
        "ratio_estimate_to_peak": estimate / peak,
        "target": "estimate between 1 and 3 x the peak",
        "met": 1.0 <= estimate / peak <= 3.0,
    }


def case_compare() -> dict[str, Any]:
    """(6): `compare --no-fits` over all futures on a 10^5-sample posterior: the exclusion
    summary (the best fits with each future, on by default, add ~0.5 s per future)."""
    from g2fit import __version__
    from g2fit.io.files import write_atomic
    from g2fit.io.posterior import build_inference_data, inference_data_bytes
    from g2fit.jobs.compare import exclusion_summary
    from g2fit.model.constants import DEFAULT_CONSTANTS

    likelihood = _likelihood()
    walkers, draws = 100, 1000
    positions = _theta(likelihood, walkers * draws).reshape(draws, walkers, likelihood.ndim)
    attrs = {
        "g2fit_version": __version__,
        "scenario": "paper-2021",
        "futures": [],
        "constants": DEFAULT_CONSTANTS.as_dict(),
    }
    idata = build_inference_data(
        likelihood,
        positions,
        np.zeros((draws, walkers)),
        np.ones((draws, walkers), dtype=bool),
        attrs,
    )
    with tempfile.TemporaryDirectory() as folder:
        write_atomic(Path(folder) / "posterior.nc", inference_data_bytes(idata))
        futures = ["hl-lhc", "ilc", "gigaz", "cepc", "fcc-ee"]
        start = time.perf_counter()
        exclusion_summary(Path(folder), futures, fits=False)
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "samples": walkers * draws,
        "target": "<= 1 s",
        "met": seconds <= 1.0,
    }


CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "likelihood 1 point": lambda: case_likelihood(1),
    "likelihood 1e2 points": lambda: case_likelihood(10**2),
    "likelihood 1e4 points": lambda: case_likelihood(10**4),
    "likelihood 1e6 points": lambda: case_likelihood(10**6),
    "exact likelihood 1e4 points": lambda: case_exact_likelihood(10**4),
    "decay-aware likelihood 1e4": lambda: case_decay_aware_likelihood(10**4),
    "scalar loop vs vectorized": case_scalar_loop,
    "mcmc default": case_mcmc,
    "mcmc default, current": case_mcmc_decay_aware,
    "mcmc default, current-free": lambda: case_mcmc("current-free-couplings"),
    "mcmc default, exact mode": lambda: case_mcmc("paper-2021-exact"),
    "nested default": case_nested,
    "emcee 4-D Gaussian": case_trivial_gaussian,
    "mcmc moves, spread": case_move_spread,
    "grid of 4, 1 and 2 workers": case_grid_workers,
    "plane 500x500": case_plane,
    "compare 1e5 samples": case_compare,
    "mcmc memory": case_mcmc_memory,
}


def run_case(name: str) -> None:
    row = CASES[name]()
    row["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


def _summary(name: str, row: dict[str, Any]) -> str:
    if "seconds_1_workers" in row:
        return (
            f"{row['scenarios']} scenarios: 1 worker {row['seconds_1_workers']:.0f} s, "
            f"2 workers {row['seconds_2_workers']:.0f} s ({row['speedup']:.2f} x)"
        )
    if "ratio_to_bare_eq12" in row:
        return (
            f"{row['seconds'] * 1e3:9.3f} ms, {row['points_per_second']:.3g} points/s, "
            f"{row['ratio_to_bare_eq12']:.2f} x bare eq. 12"
        )
    if "plain_cut_seconds" in row:
        return (
            f"{row['seconds']:.1f} s, {row['min_ess_per_second']:.0f} ESS/s; plain cut "
            f"{row['plain_cut_seconds']:.1f} s: {row['ratio_to_plain_cut']:.2f} x"
        )
    if "ratio_to_plain_cut" in row:
        return (
            f"{row['seconds_per_point'] * 1e6:.1f} us/point, {row['ratio_to_plain_cut']:.0f} x "
            "the plain cut's"
        )
    if "ratio_to_eft" in row:
        return (
            f"{row['seconds_per_point'] * 1e6:.1f} us/point, {row['ratio_to_eft']:.0f} x "
            "the eft mode"
        )
    if "speedup" in row:
        return (
            f"{row['seconds_per_point'] * 1e6:.0f} us/point in a loop vs "
            f"{row['vectorized_seconds_per_point'] * 1e9:.0f} ns vectorized: "
            f"{row['speedup']:.0f} x"
        )
    if "min_ess" in row:
        extra = (
            f", ln Z error {row['log_evidence_error']:.2f}" if "log_evidence_error" in row else ""
        )
        return (
            f"{row['seconds']:.1f} s, min ESS {row['min_ess']:.0f}, "
            f"{row['min_ess_per_second']:.0f} ESS/s{extra}"
        )
    if "de+snooker" in row:
        return ", ".join(
            f"{name}: {r['mean']:.4f} sd {r['sd']:.4f}" for name, r in row.items() if "+" in name
        )
    if "grid_seconds" in row:
        return (
            f"grid {row['grid_seconds']:.2f} s, with netCDF and figure {row['seconds']:.2f} s "
            f"(whole CLI run {row['cli_seconds']:.1f} s)"
        )
    if "estimate_mb" in row:
        return (
            f"1000 walkers x 1000 steps: estimate {row['estimate_mb']:.0f} MB, "
            f"{row['ratio_estimate_to_peak']:.2f} x the peak"
        )
    return f"{row['seconds']:.2f} s for {row.get('samples', '')} samples (--no-fits)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--case", choices=list(CASES), help="run one case (internal)")
    args = parser.parse_args()
    if args.case:
        run_case(args.case)
        return
    rows = {}
    print(f"{'case':<27} {'peak MB':>8}  {'result':<70} target")
    for name in CASES:
        output = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True
        ).stdout
        row = json.loads(output.strip().splitlines()[-1])
        rows[name] = row
        target = f"{row['target']}: {'met' if row['met'] else 'MISSED'}" if "target" in row else ""
        print(f"{name:<27} {row['peak_memory_mb']:8.0f}  {_summary(name, row):<70} {target}")
    if "mcmc default" in rows and "emcee 4-D Gaussian" in rows:
        ours = rows["mcmc default"]["min_ess_per_second"]
        trivial = rows["emcee 4-D Gaussian"]["min_ess_per_second"]
        met = "met" if ours >= trivial else "MISSED"
        rows["mcmc default vs trivial Gaussian"] = {"ratio": ours / trivial, "met": ours >= trivial}
        print(
            f"{'mcmc default vs Gaussian':<27} {'':>8}  "
            f"{f'{ours:.0f} vs {trivial:.0f} ESS/s: {ours / trivial:.2f} x':<70} "
            f">= emcee on a trivial 4-D Gaussian: {met}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    document = {"machine": platform.platform(), "python": platform.python_version(), "cases": rows}
    RESULTS.write_text(json.dumps(document, indent=2, sort_keys=True))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
