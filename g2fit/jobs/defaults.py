"""Defaults of `g2fit mcmc`, in a module light enough for the CLI to import at start-up.

On paper-2021 they give a bulk ESS above 10^4 for every parameter in about 10 s on 2 cores
(`python benchmarks/run.py`).
"""

DEFAULT_WALKERS = 128
DEFAULT_STEPS = 4000
DEFAULT_THIN = 10
#: Live points of `mcmc --sampler nested`: ln Z to ~0.15 and ~2000 effective samples.
DEFAULT_LIVE_POINTS = 400
