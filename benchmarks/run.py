"""g2fit benchmarks: `python benchmarks/run.py`; prints a table, writes results/benchmarks.json.

Each case is timed as the best of several repeats (wall clock, this machine).
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from g2fit import observables
from g2fit.likelihood import GlobalLikelihood
from g2fit.mcmc import McmcSettings, run_mcmc
from g2fit.sampling import RunSettings
from g2fit.scenario import load_scenario

RESULTS = Path(__file__).resolve().parent.parent / "results" / "benchmarks.json"
M_W = 80.3692


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
        * 174.1
        * 0.10566
        / (p["m_S"] ** 2 * p["m_L"] ** 2)
        * c
        * F
    )


def likelihood_rows() -> list[dict[str, object]]:
    """Observables and the global chi^2 (paper-2021) per batch size, against the bare floor."""
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    low, high = likelihood.bounds.T
    rows: list[dict[str, object]] = []
    for n in (1, 10**2, 10**4, 10**6):
        p = random_points(n)
        theta = low + (high - low) * np.random.default_rng(1).random((n, likelihood.ndim))
        repeats = 5 if n < 10**6 else 3
        floor = best_time(lambda p=p: bare_eq12(p), repeats)
        for case, function in (
            ("observables", lambda p=p: observables(**p)),
            ("global chi2", lambda theta=theta: likelihood.chi2(theta)),
        ):
            seconds = best_time(function, repeats)
            rows.append(
                {
                    "case": f"{case}, {n} points",
                    "seconds": seconds,
                    "per_second": n / seconds,
                    "ratio_to_bare_eq12": seconds / floor,
                }
            )
    return rows


def mcmc_row() -> dict[str, object]:
    """The default `g2fit mcmc` run (paper-2021): wall time and effective samples per second."""
    settings = McmcSettings(
        RunSettings(seed=0, walkers=128, steps=4000), burn=1000, thin=10, progress=False
    )
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = run_mcmc(load_scenario("paper-2021"), Path(folder), settings)
        seconds = time.perf_counter() - start
    parameters = ["m_L", "m_S", "Y_L", "Y_R"]
    ess = float(result.summary.loc[parameters, "ess_bulk"].min())
    evaluations = settings.run.walkers * settings.run.steps
    return {
        "case": "mcmc default (paper-2021)",
        "seconds": seconds,
        "min_ess_bulk": ess,
        "min_ess_per_second": ess / seconds,
        "likelihood_evaluations_per_second": evaluations / seconds,
    }


def main() -> None:
    rows = likelihood_rows()
    print(f"{'case':<30} {'seconds':>10} {'per second':>12} {'x bare eq.12':>13}")
    for r in rows:
        print(
            f"{r['case']:<30} {r['seconds']:>10.2e} {r['per_second']:>12.3e} "
            f"{r['ratio_to_bare_eq12']:>13.1f}"
        )
    mcmc = mcmc_row()
    print(
        f"{mcmc['case']:<30} {mcmc['seconds']:>10.1f} s; min bulk ESS {mcmc['min_ess_bulk']:.0f}, "
        f"{mcmc['min_ess_per_second']:.0f} ESS/s, "
        f"{mcmc['likelihood_evaluations_per_second']:.3g} evaluations/s"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    document = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "rows": [*rows, mcmc],
    }
    RESULTS.write_text(json.dumps(document, indent=2, sort_keys=True))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
