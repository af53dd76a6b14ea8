"""The kinds of likelihood term. Each sees observables, never parameters, and returns chi^2.

chi^2 = -2 ln L up to a constant; every term's chi2(obs) maps a dict of (n,) arrays to an
(n,) array, >= 0, and 0 at its own best point. A cut (is_cut) also says where it excludes a
point on its own (`excluded`). The forms of likelihoods/ (g2fit.likelihood.forms) build
these kinds from TOML entries.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Observables = Mapping[str, FloatArray]


class Term(Protocol):
    """What every likelihood term offers: its name and form, the observables it reads, chi^2."""

    name: str
    form: str
    is_cut: ClassVar[bool]
    #: Every term is a dataclass: its fields are what results record of it.
    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def observables(self) -> tuple[str, ...]: ...

    def chi2(self, obs: Observables) -> FloatArray: ...


class Cut(Term, Protocol):
    """A term that excludes exactly beyond a bound (is_cut = True)."""

    def excluded(self, obs: Observables) -> BoolArray: ...


def terms_on(terms: Sequence[Term], observable: str) -> list[Term]:
    """The terms that constrain `observable` (a key of g2fit.OBSERVABLES) and nothing else."""
    return [term for term in terms if term.observables == (observable,)]


def chi2_quantile(cl: float, dof: int = 1) -> float:
    """Delta chi^2 of a confidence level for `dof` degrees of freedom (Wilks): 3.84 at 95 %, 1."""
    return float(stats.chi2.ppf(cl, dof))


class _OneObservable:
    """For a term of one observable (its field `observable`)."""

    observable: str

    @property
    def observables(self) -> tuple[str, ...]:
        return (self.observable,)


@dataclasses.dataclass(frozen=True)
class Gaussian(_OneObservable):
    """((o - value) / sigma)^2: a measurement, or a projection with SM-like (Asimov) data."""

    name: str
    observable: str
    value: float
    sigma: float
    form: str = "gaussian"
    is_cut: ClassVar[bool] = False

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
    is_cut: ClassVar[bool] = False

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
class _Cut(_OneObservable):
    """A term that excludes beyond `bound`, a value of its observable."""

    name: str
    observable: str
    bound: float
    is_cut: ClassVar[bool] = True


@dataclasses.dataclass(frozen=True)
class HalfGaussianBound(_Cut):
    """A one-sided bound at n_sigma: (n_sigma o / bound)^2 on the bound's side of 0, else 0.

    The SM (o = 0) costs nothing; chi^2 = n_sigma^2 exactly at the bound (flavio's
    half-Gaussian convention, centred on the SM). Used for eq. 17, bound = central -+ 2 sigma.
    """

    n_sigma: float
    form: str = "half-gaussian"

    def chi2(self, obs: Observables) -> FloatArray:
        scaled = obs[self.observable] / self.bound
        return np.asarray(np.where(scaled > 0, (self.n_sigma * scaled) ** 2, 0.0), dtype=float)

    def excluded(self, obs: Observables) -> BoolArray:
        """Beyond the bound, where chi^2 exceeds n_sigma^2."""
        return np.asarray(obs[self.observable] / self.bound > 1.0)


@dataclasses.dataclass(frozen=True)
class SmoothBound(_Cut):
    """A hard bound made smooth for MIGRAD: chi2_at_bound * max(0, 1 + t)^2, with t the
    distance beyond the bound in units of `width` (negative inside it).

    chi^2 is exactly 0 more than one width inside the bound, chi2_at_bound at the bound, and
    grows quadratically beyond it, with a continuous slope everywhere: 'excluded'
    (chi^2 > chi2_at_bound) is exactly 'beyond the bound', and the allowed region is not
    penalized beyond the one-width transition. Used for mass limits, the paper's eq. 17
    bounds and its tau rule (eq. 18).
    """

    #: "lower": the bound is a lower limit (the allowed values lie above it); "upper": an upper one.
    side: str
    width: float
    chi2_at_bound: float
    form: str = "bound"

    def chi2(self, obs: Observables) -> FloatArray:
        sign = -1.0 if self.side == "lower" else 1.0
        # 1 + t = 1 + sign (o - bound) / width, as one multiply-add
        ramp = np.maximum(
            obs[self.observable] * (sign / self.width) + (1.0 - sign * self.bound / self.width), 0.0
        )
        ramp *= ramp
        ramp *= self.chi2_at_bound
        return np.asarray(ramp, dtype=float)

    def excluded(self, obs: Observables) -> BoolArray:
        """The hard bound itself: True beyond it."""
        value = obs[self.observable]
        return np.asarray(value < self.bound if self.side == "lower" else value > self.bound)


#: The shapes of a signal limit's chi^2 in r = signal / limit, by the limit's regime.
SIGNAL_SHAPES = {"background-free": "linear", "background-limited": "quadratic"}


@dataclasses.dataclass(frozen=True)
class SignalUpperLimit(_Cut):
    """An upper limit on a signal cross section that depends on the mass, applied pair by pair:
    r = sum over produced pairs of covered sigma / sigma_95(pair mass), and chi2_at_bound r or
    chi2_at_bound r^2, so chi^2 = chi2_at_bound (3.84 at 95 % CL) exactly at the limit and 0
    without signal.

    sigma_95(m) is `bound` (fb) from `limit_mass` (GeV) up and rises log-linearly below it,
    through `anchor_bound` at `anchor_mass`. The observable holds each pair's covered cross
    section (shape (pairs, n)), "lhc_pair_masses" their masses. `shape` follows the limit's
    regime: "linear" for a background-free count (the slope is set so that chi^2 is the Wilks
    quantile at the limit; -2 ln L of a Poisson count with none seen is linear in the signal),
    "quadratic" for a background-limited one (the Asimov significance is linear in the signal).
    A point is excluded exactly where r > 1."""

    limit_mass: float
    anchor_mass: float
    anchor_bound: float
    shape: str
    chi2_at_bound: float
    form: str = "signal-limit"

    @property
    def observables(self) -> tuple[str, ...]:
        return (self.observable, "lhc_pair_masses")

    def sigma_95(self, mass: FloatArray) -> FloatArray:
        """The limit (fb) at pair masses (GeV)."""
        slope = math.log(self.anchor_bound / self.bound) / (self.limit_mass - self.anchor_mass)
        below = np.maximum(self.limit_mass - np.asarray(mass, dtype=float), 0.0)
        limit: FloatArray = self.bound * np.exp(slope * below)
        return limit

    def ratio(self, obs: Observables) -> FloatArray:
        """r: the covered signal over the limit, pair by pair, summed."""
        r: FloatArray = np.sum(obs[self.observable] / self.sigma_95(obs["lhc_pair_masses"]), axis=0)
        return r

    def chi2(self, obs: Observables) -> FloatArray:
        r = self.ratio(obs)
        return np.asarray(self.chi2_at_bound * (r if self.shape == "linear" else r * r), float)

    def excluded(self, obs: Observables) -> BoolArray:
        """Beyond the limit: r > 1."""
        return np.asarray(self.ratio(obs) > 1.0)
