"""An empty or partial minos_68 in fit.json says why (issue 17)."""

from __future__ import annotations

import numpy as np

from g2fit.inference.fit import FitResult, best_fit
from g2fit.jobs.fit import _minos_note
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario


def test_every_parameter_has_a_minos_interval_or_a_reason() -> None:
    likelihood = GlobalLikelihood(load_scenario("current-lattice"))
    result = best_fit(likelihood, n_starts=1, n_scan=200)
    assert set(result.minos) | set(result.minos_missing) == set(likelihood.names)
    assert not set(result.minos) & set(result.minos_missing)
    assert all(reason for reason in result.minos_missing.values())


def _result(minos: dict[str, list[float]], missing: dict[str, str]) -> FitResult:
    return FitResult({}, np.zeros(1), 0.0, {}, True, [], {}, minos, 1, 0.0, missing)


def test_the_note_names_the_parameters_without_an_interval() -> None:
    note = _minos_note(_result({}, {"m_L": "not run: MIGRAD's minimum is not valid"}))
    assert note == "no MINOS 68% interval for m_L (m_L: not run: MIGRAD's minimum is not valid)"
    assert _minos_note(_result({"m_L": [1.0, 2.0]}, {})) is None
