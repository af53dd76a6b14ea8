"""Plain Monte Carlo over the prior: the reference that needs no sampler to be right.

Draws uniform in the prior's box (internal coordinates), weighted by their likelihood L =
exp(-chi^2/2), are an exact importance sample of the posterior, and their mean likelihood is
the evidence Z = integral of L times the prior. With g2fit's likelihood at ~1 us a point and at
most six parameters, 10^7 - 10^8 draws make both precise; the errors below are the
Monte-Carlo errors of the estimates. Used by the tests and benchmarks to check every sampler.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import NDArray

from g2fit.likelihood.global_likelihood import GlobalLikelihood

FloatArray = NDArray[np.float64]

#: Draws within exp(-KEEP_ALL) of the largest likelihood seen so far are all kept as samples;
#: below it a draw is kept with probability L / L_c, L_c = exp(-KEEP_ALL) L_max, and given
#: the weight L_c (Russian roulette: unbiased, and memory stays near the draws that matter).
KEEP_ALL = 8.0


@dataclasses.dataclass(frozen=True)
class WeightedPosterior:
    """Posterior samples (internal coordinates, shape (n, d)) with normalized weights, and
    the evidence: ln Z (prior-normalized, L = exp(-chi^2/2)) with its Monte-Carlo error."""

    positions: FloatArray
    weights: FloatArray
    log_evidence: float
    log_evidence_error: float
    draws: int

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size 1 / sum w^2 of the weighted sample."""
        return float(1.0 / np.sum(self.weights**2))


def prior_monte_carlo(
    likelihood: GlobalLikelihood, draws: int, seed: int, chunk: int = 1_000_000
) -> WeightedPosterior:
    """`draws` prior draws weighted by their likelihood, in chunks of `chunk` points.

    The prior is uniform in the box and zero where Y_L Y_R exceeds its bound, so Z is the mean
    likelihood over the draws inside the prior's support."""
    rng = np.random.default_rng(seed)
    kept_positions: list[FloatArray] = []
    kept_log_weights: list[FloatArray] = []
    # Running sums of L and L^2, scaled by exp(-shift) to stay finite; shift = the largest ln L.
    shift, sum_l, sum_l2, inside_count = None, 0.0, 0.0, 0
    for start in range(0, draws, chunk):
        theta = likelihood.prior_draws(min(chunk, draws - start), rng)
        log_l = likelihood.log_prob(theta)
        inside_count += int(np.count_nonzero(likelihood.in_prior(theta)))
        finite = np.isfinite(log_l)
        if not finite.any():
            continue
        top = float(log_l[finite].max())
        if shift is None or top > shift:
            if shift is not None:
                sum_l *= math.exp(shift - top)
                sum_l2 *= math.exp(2 * (shift - top))
            shift = top
        scaled = np.exp(log_l[finite] - shift)
        sum_l += float(scaled.sum())
        sum_l2 += float((scaled**2).sum())
        log_cut = shift - KEEP_ALL
        with np.errstate(invalid="ignore"):
            keep = finite & (np.log(rng.random(len(log_l))) < log_l - log_cut)
        kept_positions.append(theta[keep])
        kept_log_weights.append(np.maximum(log_l[keep], log_cut))
    if shift is None or inside_count == 0:
        raise ValueError("no prior draw has a finite likelihood")
    positions = np.concatenate(kept_positions)
    weights = np.exp(np.concatenate(kept_log_weights) - shift)
    weights /= weights.sum()
    mean = sum_l / inside_count
    variance = max(sum_l2 / inside_count - mean**2, 0.0)
    return WeightedPosterior(
        positions=positions,
        weights=weights,
        log_evidence=math.log(mean) + shift,
        log_evidence_error=math.sqrt(variance / inside_count) / mean,
        draws=draws,
    )
