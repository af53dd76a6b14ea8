"""The kinds of likelihood term. Each sees observables, never parameters, and returns chi^2.

chi^2 = -2 ln L up to a constant; every term's chi2(obs) maps a dict of (n,) arrays to an
(n,) array, >= 0, and 0 at its own best point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
Observables = Mapping[str, FloatArray]


def chi2_quantile(cl: float, dof: int = 1) -> float:
    """Delta chi^2 of a confidence level for `dof` degrees of freedom (Wilks): 3.84 at 95 %, 1."""
    return float(stats.chi2.ppf(cl, dof))


@dataclasses.dataclass(frozen=True)
class Gaussian:
    """((o - value) / sigma)^2: a measurement, or a projection with SM-like (Asimov) data."""

    name: str
    observable: str
    value: float
    sigma: float
    form: str = "gaussian"

    @property
    def observables(self) -> tuple[str, ...]:
        return (self.observable,)

    def chi2(self, obs: Observables) -> FloatArray:
        pull = (obs[self.observable] - self.value) / self.sigma
        return np.asarray(pull * pull, dtype=float)


@dataclasses.dataclass(frozen=True)
class CorrelatedGaussian:
    """r^T C^-1 r with r = o - values, through the Cholesky factor of the covariance C."""

    name: str
    observables: tuple[str, ...]
    values: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    form: str = "correlated-gaussian"

    def __post_init__(self) -> None:
        whitening = np.linalg.inv(np.linalg.cholesky(np.array(self.covariance)))
        object.__setattr__(self, "_whitening", whitening)

    def chi2(self, obs: Observables) -> FloatArray:
        residual = np.stack(
            [obs[k] - v for k, v in zip(self.observables, self.values, strict=True)]
        )
        whitening: FloatArray = self._whitening  # type: ignore[attr-defined]
        whitened = np.tensordot(whitening, residual, axes=1)
        return np.asarray(np.sum(whitened * whitened, axis=0), dtype=float)


@dataclasses.dataclass(frozen=True)
class HalfGaussianBound:
    """A one-sided bound at n_sigma: (n_sigma o / bound)^2 on the bound's side of 0, else 0.

    The SM (o = 0) costs nothing; chi^2 = n_sigma^2 exactly at the bound (flavio's
    half-Gaussian convention, centred on the SM). Used for eq. 17, bound = central -+ 2 sigma.
    """

    name: str
    observable: str
    bound: float
    n_sigma: float
    form: str = "half-gaussian"

    @property
    def observables(self) -> tuple[str, ...]:
        return (self.observable,)

    def chi2(self, obs: Observables) -> FloatArray:
        scaled = obs[self.observable] / self.bound
        return np.asarray(np.where(scaled > 0, (self.n_sigma * scaled) ** 2, 0.0), dtype=float)

    def excluded(self, obs: Observables) -> NDArray[np.bool_]:
        """Beyond the bound, where chi^2 exceeds n_sigma^2."""
        return np.asarray(obs[self.observable] / self.bound > 1.0)


@dataclasses.dataclass(frozen=True)
class SmoothBound:
    """A hard bound made smooth for MIGRAD: chi2_at_bound * max(0, 1 + t)^2, with t the
    distance beyond the bound in units of `width` (negative inside it).

    chi^2 is exactly 0 more than one width inside the bound, chi2_at_bound at the bound, and
    grows quadratically beyond it, with a continuous slope everywhere: 'excluded'
    (chi^2 > chi2_at_bound) is exactly 'beyond the bound', and the allowed region is not
    penalized beyond the one-width transition. Used for mass limits, the paper's eq. 17
    bounds and its tau rule (eq. 18).
    """

    name: str
    observable: str
    bound: float
    side: str
    width: float
    chi2_at_bound: float
    form: str = "bound"

    @property
    def observables(self) -> tuple[str, ...]:
        return (self.observable,)

    def chi2(self, obs: Observables) -> FloatArray:
        sign = -1.0 if self.side == "lower" else 1.0
        # 1 + t = 1 + sign (o - bound) / width, as one multiply-add
        ramp = np.maximum(
            obs[self.observable] * (sign / self.width) + (1.0 - sign * self.bound / self.width), 0.0
        )
        ramp *= ramp
        ramp *= self.chi2_at_bound
        return np.asarray(ramp, dtype=float)

    def excluded(self, obs: Observables) -> NDArray[np.bool_]:
        """The hard bound itself: True beyond it."""
        value = obs[self.observable]
        return np.asarray(value < self.bound if self.side == "lower" else value > self.bound)


Term = Gaussian | CorrelatedGaussian | HalfGaussianBound | SmoothBound
