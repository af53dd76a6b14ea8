"""What a run folder holds, read strictly, and whether a run may write into it.

A run folder (results/SCENARIO by default) holds the results of one scenario: fit.json from
`fit`, posterior.nc from `mcmc`. A run refuses a folder that holds another scenario's (or
another likelihood's, or for `mcmc` another seed's) results: they are the user's, never
relabelled, mixed or overwritten.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from g2fit.errors import InputError
from g2fit.io.files import FIT_FILE, POSTERIOR_FILE, read_json_object
from g2fit.likelihood.global_likelihood import GlobalLikelihood

#: fit.json's inputs also hold the scenario's table under this key: a record of where the
#: likelihood came from, not part of it, so it is left out when two likelihoods are compared.
SCENARIO_FILE = "scenario_file"


def _number(path: Path, field: str, value: Any, *, none: bool = False) -> float | None:
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{path}: field '{field}' must be a finite number, got {value!r}")
    return float(value)


def _table(path: Path, document: dict[str, Any], field: str) -> dict[str, Any]:
    value = document.get(field)
    if not isinstance(value, dict):
        raise InputError(f"{path}: field '{field}' must be an object, got {value!r}")
    return value


def read_fit(path: Path) -> dict[str, Any]:
    """fit.json, with the fields other commands use checked for presence and type."""
    document = read_json_object(path)
    if not isinstance(document.get("scenario"), str):
        raise InputError(f"{path}: field 'scenario' missing; not a g2fit fit result")
    if not isinstance(document.get("futures", []), list):
        raise InputError(f"{path}: field 'futures' must be a list")
    _table(path, document, "inputs")
    for name, value in _table(path, document, "best_fit").items():
        _number(path, f"best_fit.{name}", value)
    for name, value in _table(path, document, "upper_limits_95").items():
        _number(path, f"upper_limits_95.{name}", value, none=True)
    for field in ("chi2_min", "chi2_sm"):
        _number(path, field, document.get(field))
    return document


def same_inputs(recorded: Any, likelihood: GlobalLikelihood) -> bool:
    """Whether a run's recorded inputs are those of `likelihood` (data, terms, priors...)."""
    if not isinstance(recorded, dict):
        return False
    recorded = {k: v for k, v in recorded.items() if k != SCENARIO_FILE}
    current = json.loads(json.dumps(likelihood.describe(), default=str))
    return bool(recorded == current)


def _owner_problem(
    scenario: Any, futures: Any, inputs: Any, likelihood: GlobalLikelihood
) -> str | None:
    name = likelihood.scenario.name
    wanted_futures = list(likelihood.scenario.futures)
    if scenario != name or list(futures or []) != wanted_futures:
        label = "+".join([str(scenario), *[str(f) for f in futures or []]])
        return f"scenario {label!r}"
    if not same_inputs(inputs, likelihood):
        what = "data, terms, priors, constants or one-loop mode"
        return f"another version of {name!r}'s likelihood ({what})"
    return None


def check_folder_results(
    folder: Path,
    likelihood: GlobalLikelihood,
    *,
    fingerprint: dict[str, Any] | None = None,
    fit_seed: int | None = None,
) -> None:
    """Refuse `folder` if its fit.json or posterior.nc belong to another scenario or
    likelihood, or (given an mcmc `fingerprint`) its posterior to another run, or (given the
    `fit_seed` of a fit) its fit.json to a fit with another seed."""
    label = likelihood.scenario.label
    problems = []
    if (folder / FIT_FILE).exists():
        fit = read_fit(folder / FIT_FILE)
        problem = _owner_problem(fit["scenario"], fit.get("futures"), fit["inputs"], likelihood)
        if problem:
            problems.append(f"a fit of {problem}")
        elif fit_seed is not None and fit.get("seed") != fit_seed:
            problems.append(f"the fit of another run (seed {fit.get('seed')!r}, not {fit_seed!r})")
    if (folder / POSTERIOR_FILE).exists():
        from g2fit.io.posterior import run_attrs  # arviz loads on use

        attrs = run_attrs(folder / POSTERIOR_FILE)
        problem = _owner_problem(
            attrs.get("scenario"), attrs.get("futures"), attrs.get("inputs"), likelihood
        )
        if problem:
            problems.append(f"a posterior of {problem}")
        elif fingerprint is not None and attrs.get("fingerprint") != fingerprint:
            stored = attrs.get("fingerprint") or {}
            differences = [
                f"{key} {stored.get(key)!r}, not {value!r}"
                for key, value in fingerprint.items()
                if stored.get(key) != value
            ]
            problems.append(f"the posterior of another run ({'; '.join(differences)})")
    if problems:
        raise InputError(
            f"{folder} holds {' and '.join(problems)}, not of {label!r}; choose another --out "
            "or move those files away"
        )
