"""Plain Monte Carlo over the prior, the reference engine, against closed forms: on the box
[0, 1]^2 with L = exp(-|x - mu|^2 / (2 s^2)), Z = prod_i s sqrt(2 pi) (Phi((1 - mu_i)/s) -
Phi(-mu_i/s)) and the posterior is a truncated Gaussian. Kept samples are thinned by Russian
roulette below exp(-8) of the best likelihood; the estimates stay unbiased."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from g2fit.inference.prior_mc import prior_monte_carlo

MU = np.array([0.5, 0.3])
S = 0.08


class GaussianOnTheBox:
    """The part of GlobalLikelihood that prior_monte_carlo uses."""

    bounds = np.array([[0.0, 1.0], [0.0, 1.0]])
    ndim = 2

    def prior_draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.random((n, 2))

    def in_prior(self, theta: np.ndarray) -> np.ndarray:
        return np.ones(len(theta), dtype=bool)

    def log_prob(self, theta: np.ndarray) -> np.ndarray:
        return -0.5 * np.sum(((theta - MU) / S) ** 2, axis=1)


def test_the_evidence_and_the_posterior_match_the_closed_form() -> None:
    result = prior_monte_carlo(GaussianOnTheBox(), 2_000_000, seed=0, chunk=300_000)  # type: ignore[arg-type]
    mass = stats.norm.cdf((1 - MU) / S) - stats.norm.cdf(-MU / S)
    log_z = float(np.sum(np.log(S * math.sqrt(2 * math.pi) * mass)))
    assert abs(result.log_evidence - log_z) < 5 * result.log_evidence_error
    assert 0 < result.log_evidence_error < 0.01
    # the posterior: P(x_0 < mu_0 - s) = Phi(-1) of the (barely) truncated Gaussian
    below = float(np.sum(result.weights[result.positions[:, 0] < MU[0] - S]))
    error = math.sqrt(stats.norm.cdf(-1) * (1 - stats.norm.cdf(-1)) / result.effective_size)
    assert below == pytest.approx(stats.norm.cdf(-1), abs=5 * error)
    # kept: the draws within Delta chi^2 = 16 (at most the disc of radius 4 s) and, of the
    # rest, L / L_c: integral exp(8 - r^2 / 2 s^2) over r > 4 s = 2 pi s^2
    kept = len(result.positions) / 2_000_000
    assert kept < math.pi * (4 * S) ** 2 + 2 * math.pi * S**2 + 0.005
