"""g2fit benchmarks: `python benchmarks/run.py`; prints a table, writes results/benchmarks.json.

Each case is timed as the best of several repeats (wall clock, this machine).
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from g2fit import observables

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


def main() -> None:
    rows = []
    for n in (1, 10**2, 10**4, 10**6):
        p = random_points(n)
        repeats = 5 if n < 10**6 else 3
        t_obs = best_time(lambda p=p: observables(**p), repeats)
        t_floor = best_time(lambda p=p: bare_eq12(p), repeats)
        rows.append(
            {
                "case": f"observables, {n} points",
                "seconds": t_obs,
                "points_per_second": n / t_obs,
                "floor_seconds": t_floor,
                "ratio_to_floor": t_obs / t_floor,
            }
        )
    header = f"{'case':<28} {'seconds':>10} {'points/s':>12} {'bare eq.12 s':>13} {'ratio':>7}"
    print(header)
    for r in rows:
        print(
            f"{r['case']:<28} {r['seconds']:>10.2e} {r['points_per_second']:>12.3e} "
            f"{r['floor_seconds']:>13.2e} {r['ratio_to_floor']:>7.1f}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    document = {"machine": platform.platform(), "python": platform.python_version(), "rows": rows}
    RESULTS.write_text(json.dumps(document, indent=2, sort_keys=True))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
