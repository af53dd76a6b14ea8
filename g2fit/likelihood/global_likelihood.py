"""The global likelihood of a scenario: vectorized over points, with every term's chi^2.

Points are given in internal coordinates theta, shape (n, d): log10(value) for a
log-uniform parameter, the value itself for a uniform one. The prior is flat in theta
inside the scenario's box and zero outside it, or where Y_L Y_R exceeds max_YL_YR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.config.scenarios import Parameter
from g2fit.likelihood.scenario import Scenario
from g2fit.model.lhc_signal import LHC_OBSERVABLES, LHC_PAIR_OBSERVABLES, lhc_signals
from g2fit.model.observables import (
    MODEL_PARAMETERS,
    compute_observables,
    model_point,
    observables,
    sm_observables,
)

FloatArray = NDArray[np.float64]
_LN10 = math.log(10.0)


def to_internal(parameter: Parameter, value: ArrayLike) -> FloatArray:
    """Physical value -> internal coordinate."""
    v = np.asarray(value, dtype=float)
    return np.log10(v) if parameter.prior == "log-uniform" else v


def to_physical(parameter: Parameter, x: ArrayLike) -> FloatArray:
    """Internal coordinate -> physical value."""
    v = np.asarray(x, dtype=float)
    return np.exp(v * _LN10) if parameter.prior == "log-uniform" else v


class GlobalLikelihood:
    """chi^2 = sum of the scenario's terms; log_prob for emcee, chi2 for iminuit."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.parameters = scenario.parameters
        self.names = tuple(p.name for p in scenario.parameters)
        self.bounds = np.array(
            [[float(to_internal(p, p.low)), float(to_internal(p, p.high))] for p in self.parameters]
        )
        self.terms = scenario.terms
        #: The observables the terms use: the likelihood computes only these.
        self._wanted = frozenset(name for term in self.terms for name in term.observables)

    @property
    def ndim(self) -> int:
        return len(self.parameters)

    def _theta(self, theta: ArrayLike) -> FloatArray:
        array = np.asarray(theta, dtype=float)
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2 or array.shape[1] != self.ndim:
            raise ValueError(f"theta must have shape (n, {self.ndim}) for {self.names}")
        return array

    def point(self, theta: ArrayLike) -> dict[str, FloatArray]:
        """All six model parameters (physical units, GeV) at the points theta, shape (n,)."""
        array = self._theta(theta)
        n = array.shape[0]
        values = {name: np.full(n, value) for name, value in self.scenario.fixed.items()}
        for i, p in enumerate(self.parameters):
            values[p.name] = to_physical(p, array[:, i])
        return {name: values[name] for name in MODEL_PARAMETERS}

    def prior_draws(self, n: int, rng: np.random.Generator) -> FloatArray:
        """n points uniform in the internal coordinates' box (the prior before the Y_L Y_R
        cut), shape (n, d)."""
        low, high = self.bounds[:, 0], self.bounds[:, 1]
        return np.asarray(low + (high - low) * rng.random((n, self.ndim)))

    def in_prior(self, theta: ArrayLike) -> NDArray[np.bool_]:
        """True where theta lies inside the prior's support."""
        array = self._theta(theta)
        inside = np.all((array >= self.bounds[:, 0]) & (array <= self.bounds[:, 1]), axis=1)
        inside &= np.all(np.isfinite(array), axis=1)
        point = self.point(np.where(inside[:, None], array, self.bounds[:, 0]))
        stable: NDArray[np.bool_] = point["Y_L"] * point["Y_R"] <= self.scenario.max_YL_YR
        result: NDArray[np.bool_] = inside & stable
        return result

    def observables_at(
        self, point: dict[str, FloatArray], wanted: frozenset[str] | None = None
    ) -> dict[str, FloatArray]:
        """Observables (all, or those `wanted`) at physical model points, plus the masses
        themselves (for mass limits) and the LHC observables (g2fit.model.lhc_signal). Checks
        the points unless only `wanted` ones are asked for, which the likelihood does for
        points inside its prior."""
        lhc = lhc_signals(
            model_point(point), self.scenario.constants, self.scenario.cross_sections, wanted
        )
        if wanted is not None:
            wanted = wanted - set(LHC_OBSERVABLES) - set(LHC_PAIR_OBSERVABLES)
        if wanted is None:
            values = observables(
                *model_point(point),
                cutoff=self.scenario.cutoff,
                two_loop_top=self.scenario.two_loop_top,
                constants=self.scenario.constants,
                loops=self.scenario.loops,
            )
        else:
            values = compute_observables(
                *model_point(point),
                np.asarray(self.scenario.cutoff),
                self.scenario.two_loop_top,
                self.scenario.constants,
                wanted,
                loops=self.scenario.loops,
            )
        values["m_L"], values["m_S"] = point["m_L"], point["m_S"]
        values.update(lhc)
        return values

    def chi2_terms_at(self, obs: dict[str, FloatArray]) -> dict[str, FloatArray]:
        # An overflowing term is +inf (a point the likelihood excludes), not a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            return {term.name: term.chi2(obs) for term in self.terms}

    def chi2_terms(self, theta: ArrayLike) -> dict[str, FloatArray]:
        """chi^2 of every term at the points theta, each of shape (n,)."""
        return self.chi2_terms_at(self.observables_at(self.point(theta), self._wanted))

    def chi2(self, theta: ArrayLike) -> FloatArray:
        """Total chi^2 = -2 ln L (up to a constant) at the points theta, shape (n,)."""
        terms = iter(self.chi2_terms(theta).values())
        total = np.array(next(terms), dtype=float)
        for value in terms:
            total += value
        return total

    def log_prob(self, theta: ArrayLike) -> FloatArray:
        """ln posterior (unnormalized) for emcee: -chi^2/2 inside the prior, -inf outside.

        Points outside the prior, or where the likelihood is not finite, get -inf without
        any observable being evaluated there.
        """
        array = self._theta(theta)
        out = np.full(array.shape[0], -np.inf)
        inside = self.in_prior(array)
        if np.any(inside):
            values = -0.5 * self.chi2(array[inside])
            out[inside] = np.where(np.isfinite(values), values, -np.inf)
        return out

    def sm_observables(self) -> dict[str, FloatArray]:
        """Observables of the SM (g2fit.model's reference; masses decoupled), shape (1,)."""
        obs = {k: np.array([v]) for k, v in sm_observables(self.scenario.constants).items()}
        obs["m_L"] = obs["m_S"] = np.array([math.inf])
        obs |= {name: np.zeros(1) for name in LHC_OBSERVABLES}  # no heavy lepton, no signal
        obs |= {name: np.zeros((6, 1)) for name in LHC_PAIR_OBSERVABLES}
        obs["lhc_pair_masses"] += 1e3  # any mass: nothing is produced
        return obs

    def chi2_terms_sm(self) -> dict[str, float]:
        """chi^2 of every term for the SM."""
        terms = self.chi2_terms_at(self.sm_observables())
        return {name: float(value[0]) for name, value in terms.items()}

    def chi2_sm(self) -> float:
        """-2 ln L of the SM, for reference."""
        return float(sum(self.chi2_terms_sm().values()))

    def describe(self) -> dict[str, object]:
        """The parameters, priors and terms, for recording in results."""
        lhc = self.scenario.uses_cross_sections
        return {
            **({"cross_sections": self.scenario.cross_sections.provenance} if lhc else {}),
            "parameters": [dataclasses.asdict(p) for p in self.parameters],
            "fixed": dict(self.scenario.fixed),
            "terms": [dataclasses.asdict(t) for t in self.terms],
            "two_loop_top": self.scenario.two_loop_top,
            "loops": self.scenario.loops,
            "cutoff": self.scenario.cutoff,
            "max_YL_YR": self.scenario.max_YL_YR,
            "constants": self.scenario.constants.as_dict(),
        }

    def sha256(self) -> str:
        """A hash of everything the likelihood is made of (parameters, priors, terms, constants)."""
        description = json.dumps(self.describe(), sort_keys=True, default=str)
        return hashlib.sha256(description.encode()).hexdigest()
