"""When a future experiment excludes a model point, and which part of a posterior it rules out.

The test: a future's projections are SM-like (Asimov) data, so the SM has chi^2 = 0 there.
A point is excluded at 95 % CL when the chi^2 of the future's Gaussian projections at the
point, summed, exceeds the 1-dof quantile 3.84: the likelihood-ratio test of the point against
the SM along the line that joins them (one degree of freedom), so combining experiments never
excludes less than any one of them. A cut (a bound or a mass reach) excludes exactly beyond
it, on its own: its smoothing is for minimizers and is not added to the projections.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
from numpy.typing import NDArray

from g2fit.likelihood.terms import Cut, Observables, Term, chi2_quantile

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

EXCLUSION_CL = 0.95
#: Delta chi^2 above which a point is excluded: the 1-dof 95 % quantile, 3.84.
EXCLUSION_DELTA_CHI2 = chi2_quantile(EXCLUSION_CL, 1)


def delta_chi2(terms: Sequence[Term], obs: Observables, sm: Observables) -> FloatArray:
    """Sum over `terms` of chi^2 at the points minus chi^2 of the SM."""
    total = np.zeros(np.shape(next(iter(obs.values()))))
    for term in terms:
        total = total + term.chi2(obs) - term.chi2(sm)
    return total


def excluded(terms: Sequence[Term], obs: Observables, sm: Observables) -> BoolArray:
    """True where the terms together exclude the point at 95 % CL (see module docstring):
    any cut-like term beyond its cut, or the Gaussian terms' summed Delta chi^2 above 3.84."""
    cuts = [cast(Cut, t) for t in terms if t.is_cut]
    gaussians = [t for t in terms if not t.is_cut]
    shape = np.shape(next(iter(obs.values())))
    flags = np.zeros(shape, dtype=bool)
    for cut in cuts:
        flags |= np.asarray(cut.excluded(obs))
    if gaussians:
        flags |= delta_chi2(gaussians, obs, sm) > EXCLUSION_DELTA_CHI2
    return flags


@dataclasses.dataclass(frozen=True)
class ExcludedFraction:
    """Fraction of posterior samples excluded, its Monte-Carlo error, and the same for the
    natural part (|Delta m_mu / m_mu| <= 1)."""

    excluded_fraction: float
    mc_error: float
    excluded_fraction_natural: float | None
    mc_error_natural: float | None
    n_samples: int
    n_natural: int


def fraction_with_error(indicator: BoolArray, effective_size: float) -> tuple[float, float]:
    """Mean of a 0/1 indicator and its error sqrt(f (1 - f) / N_eff); where no sample or every
    sample is excluded, the one-sided 95 % bound on the distance to 0 or 1, 3 / N_eff (the
    rule of three), instead of a meaningless 0."""
    f = float(np.mean(indicator))
    if effective_size <= 0:
        return f, float("nan")
    if f in (0.0, 1.0):
        return f, min(1.0, 3.0 / effective_size)
    return f, float(np.sqrt(f * (1.0 - f) / effective_size))


def summarize_exclusion(
    indicator: BoolArray,
    natural: BoolArray,
    effective_size: float,
) -> ExcludedFraction:
    """indicator, natural: (n,) flags; effective_size: N_eff of the indicator's chain."""
    n = indicator.size
    f, error = fraction_with_error(indicator, effective_size)
    n_natural = int(natural.sum())
    if n_natural == 0:
        return ExcludedFraction(f, error, None, None, n, 0)
    # Approximation: the natural subset is taken to keep the chain's correlation, so its
    # N_eff is the chain's scaled by its share of the samples.
    f_nat, error_nat = fraction_with_error(indicator[natural], effective_size * n_natural / n)
    return ExcludedFraction(f, error, f_nat, error_nat, n, n_natural)


def natural_mask(obs: Mapping[str, FloatArray], limit: float = 1.0) -> BoolArray:
    """|Delta m_mu / m_mu| <= limit: the part of parameter space free of fine-tuning."""
    return np.asarray(np.abs(obs["delta_mmu_over_mmu"]) <= limit)
