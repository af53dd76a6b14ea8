"""Defaults of the commands, in a module light enough for the CLI to import at start-up.

The mcmc defaults put many walkers into each likelihood call: a call costs ~0.5 ms however
few points it gets, so 1024 walkers (512 points a call) give 8x the effective samples of 128
for about twice the time. On paper-2021 that is ~60 000 effective samples in ~15 s on 2 cores,
more per second than emcee on a trivial 4-D Gaussian (`python benchmarks/run.py`). A
thinning of 20 keeps ~150 000 samples, about 2.5 per autocorrelation time.
"""

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_WALKERS = 1024
DEFAULT_STEPS = 4000
DEFAULT_THIN = 20
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
#: Worker processes of `compare --grid`'s local cluster.
MAX_WORKERS = 1024

#: Where runs go unless --out (or out=) says otherwise.
RESULTS = Path("results")
#: Where `compare --grid NAME` puts its runs unless --out says otherwise: GRIDS/NAME.
GRIDS = RESULTS / "grids"


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
