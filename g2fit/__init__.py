"""g2fit: fits and inference for the vector-like lepton model of muon (g-2).

Model of Arkani-Hamed & Harigaya, "Naturalness and the muon magnetic moment",
arXiv:2106.01373. The commands as functions (fit, sample, compare, plane: g2fit.api) and
the model's observables. Nothing heavy is imported here: fitting, sampling and arviz load on
use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from g2fit.api import (
    OBSERVABLES,
    SampleResult,
    compare,
    compare_grid,
    fit,
    observables,
    pair_cross_section,
    plane,
    report,
    sample,
)
from g2fit.errors import InputError, OutputError
from g2fit.model.constants import DEFAULT_CONSTANTS, HIGGS_VEV_GEV, Constants
from g2fit.model.loops import loop_function_F
from g2fit.model.observables import ExpansionWarning, PerturbativityWarning

if TYPE_CHECKING:
    import pandas

    from g2fit.likelihood.scenario import Scenario

__version__ = "0.1.0"


def load_posterior(path: str | Path) -> pandas.DataFrame:
    """A g2fit posterior (run folder or posterior.nc) as a DataFrame, one row per sample."""
    from g2fit.io.posterior import load_posterior as load

    return load(path)


def load_scenario(name: str, futures: tuple[str, ...] = ()) -> Scenario:
    """A scenario of likelihoods/scenarios/, with the terms of `futures` added."""
    from g2fit.likelihood.scenario import load_scenario as load

    return load(name, futures)


__all__ = [
    "DEFAULT_CONSTANTS",
    "HIGGS_VEV_GEV",
    "OBSERVABLES",
    "Constants",
    "ExpansionWarning",
    "InputError",
    "OutputError",
    "PerturbativityWarning",
    "SampleResult",
    "__version__",
    "compare",
    "compare_grid",
    "fit",
    "load_posterior",
    "load_scenario",
    "loop_function_F",
    "observables",
    "pair_cross_section",
    "plane",
    "report",
    "sample",
]
