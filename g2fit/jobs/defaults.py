"""Defaults of the commands, in a module light enough for the CLI to import at start-up.

On paper-2021 the mcmc defaults give a bulk ESS above 10^4 for every parameter in about 10 s
on 2 cores (`python benchmarks/run.py`).
"""

from pathlib import Path

DEFAULT_WALKERS = 128
DEFAULT_STEPS = 4000
DEFAULT_THIN = 10
#: Live points of `mcmc --sampler nested`: ln Z to ~0.15 and ~2000 effective samples.
DEFAULT_LIVE_POINTS = 400

#: The engines of `mcmc --sampler`.
SAMPLERS = ("emcee", "nested")

#: Upper limits on sizes: beyond them a run would not fit in memory or in a day.
#: (The memory a run needs is bounded too: g2fit.jobs.mcmc.MAX_MEMORY_BYTES.)
MAX_WALKERS = 100_000
MAX_LIVE_POINTS = 100_000
MAX_STEPS = 10_000_000
MAX_GRID = 2000
MAX_PROFILE_POINTS = 1000

#: Where runs go unless --out (or out=) says otherwise.
RESULTS = Path("results")


def default_output(
    scenario: str,
    futures: list[str] | tuple[str, ...],
    loops: str | None = None,
    sampler: str = "emcee",
) -> Path:
    """results/<scenario>[+<future>...][@exact][@nested]/: @exact when --loops exact is
    given, @nested for the nested sampler's run."""
    suffix = ("@exact" if loops == "exact" else "") + ("@nested" if sampler == "nested" else "")
    return RESULTS / ("+".join([scenario, *futures]) + suffix)
