"""When a future experiment excludes a model point, and which part of a posterior it rules out.

The test: a future's projections are SM-like (Asimov) data, so the SM has chi^2 = 0 there.
A point is excluded at 95 % CL when the chi^2 of the future's terms at the point, summed,
exceeds the 1-dof quantile 3.84: the likelihood-ratio test of the point against the SM along
the line that joins them (one degree of freedom), so combining experiments never excludes
less than any one of them. For a cut (bound, mass limit) the same rule is the cut itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from g2fit.terms import Observables, Term, chi2_quantile

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
    """True where the terms together exclude the point at 95 % CL (see module docstring).

    A single cut-like term (a bound, a mass limit) excludes exactly beyond its cut.
    """
    if len(terms) == 1 and hasattr(terms[0], "excluded"):
        return np.asarray(terms[0].excluded(obs))
    return np.asarray(delta_chi2(terms, obs, sm) > EXCLUSION_DELTA_CHI2)


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
    """Mean of a 0/1 indicator and its error sqrt(f (1 - f) / N_eff)."""
    f = float(np.mean(indicator))
    return f, float(np.sqrt(f * (1.0 - f) / effective_size)) if effective_size > 0 else np.nan


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
    # The natural subset keeps the chain's correlation: scale N_eff by its share of samples.
    f_nat, error_nat = fraction_with_error(indicator[natural], effective_size * n_natural / n)
    return ExcludedFraction(f, error, f_nat, error_nat, n, n_natural)


def natural_mask(obs: Mapping[str, FloatArray], limit: float = 1.0) -> BoolArray:
    """|Delta m_mu / m_mu| <= limit: the part of parameter space free of fine-tuning."""
    return np.asarray(np.abs(obs["delta_mmu_over_mmu"]) <= limit)
