"""Defaults of the commands, in a module light enough for the CLI to import at start-up.

On paper-2021 the mcmc defaults give a bulk ESS above 10^4 for every parameter in about 10 s
on 2 cores (`python benchmarks/run.py`).
"""

import hashlib
import json
import os
from collections.abc import Mapping
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


#: The environment variables that replace the shipped data/ and likelihoods/ folders.
INPUT_FOLDERS = ("G2FIT_DATA", "G2FIT_LIKELIHOODS")


def default_output(
    scenario: str,
    futures: list[str] | tuple[str, ...],
    loops: str | None = None,
    sampler: str = "emcee",
    overrides: Mapping[str, float] | None = None,
) -> Path:
    """results/<scenario>[+<future>...][@exact][@nested][@inputs-<hash>]/: @exact when --loops
    exact is given, @nested for the nested sampler's run, and @inputs-<hash> when constants are
    overridden (--set: `overrides`, name -> value) or G2FIT_DATA / G2FIT_LIKELIHOODS is set,
    so that a run of other inputs never lands in (and is refused by) the default run's folder.
    """
    suffix = ("@exact" if loops == "exact" else "") + ("@nested" if sampler == "nested" else "")
    tag = inputs_tag(overrides or {})
    return RESULTS / ("+".join([scenario, *futures]) + suffix + (f"@inputs-{tag}" if tag else ""))


def inputs_tag(overrides: Mapping[str, float]) -> str | None:
    """8 hex digits of a hash of the constant overrides and of the (absolute) input folders
    named by G2FIT_DATA / G2FIT_LIKELIHOODS; None when there are none."""
    folders = {
        name: os.path.abspath(os.environ[name]) for name in INPUT_FOLDERS if os.environ.get(name)
    }
    if not overrides and not folders:
        return None
    given = {"set": {k: float(v) for k, v in sorted(overrides.items())}, "folders": folders}
    return hashlib.sha256(json.dumps(given, sort_keys=True).encode()).hexdigest()[:8]
