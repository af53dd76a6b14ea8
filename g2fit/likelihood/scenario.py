"""A scenario with its terms built: everything a global likelihood needs.

The scenario's file is read by g2fit.config.scenarios; each term is built by its form
(g2fit.likelihood.forms) against the measurements of data/ and the SM's observables.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from g2fit.config.cross_sections import load_cross_sections
from g2fit.config.measurements import load_measurements
from g2fit.config.scenarios import (
    ScenarioSpec,
    likelihoods_folder,
    load_scenario_spec,
    load_term_specs,
)
from g2fit.errors import InputError
from g2fit.likelihood.forms import Context, build_term
from g2fit.likelihood.terms import Term
from g2fit.model.constants import DEFAULT_CONSTANTS, Constants
from g2fit.model.cross_sections import PairCrossSections
from g2fit.model.lhc_signal import LHC_OBSERVABLES, LHC_PAIR_OBSERVABLES
from g2fit.model.observables import sm_observables


@dataclasses.dataclass(frozen=True)
class Scenario(ScenarioSpec):
    """A scenario's spec with its terms built (in the order of term_names), the constants
    they were built with, the data/ entry of each term as results record it, and the
    doublet's cross sections (data/cross_sections/) for the LHC observables."""

    terms: tuple[Term, ...]
    constants: Constants
    measurements: dict[str, dict[str, Any]]
    cross_sections: PairCrossSections
    #: The table and file of a scenario without a file of its own (a grid's member), else None.
    given: tuple[dict[str, Any], Path] | None

    @property
    def uses_cross_sections(self) -> bool:
        """Whether a term reads an LHC observable (so the likelihood depends on the table)."""
        lhc = set(LHC_OBSERVABLES) | set(LHC_PAIR_OBSERVABLES)
        return any(name in lhc for term in self.terms for name in term.observables)


def load_terms(
    names: list[str], *, constants: Constants = DEFAULT_CONSTANTS, folder: Path | None = None
) -> list[Term]:
    """The named terms of likelihoods/, built against data/."""
    specs = load_term_specs(folder)
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise InputError(f"no term named {unknown[0]!r}; valid: {', '.join(sorted(specs))}")
    context = Context(load_measurements(), sm_observables(constants), load_cross_sections())
    return [build_term(specs[n], context) for n in names]


def load_scenario(
    name: str,
    futures: list[str] | tuple[str, ...] = (),
    *,
    folder: Path | None = None,
    data_folder: Path | None = None,
    constants: Constants = DEFAULT_CONSTANTS,
    loops: str | None = None,
    given: tuple[dict[str, Any], Path] | None = None,
) -> Scenario:
    """The named scenario of likelihoods/scenarios/, with the terms of `futures` added;
    `loops` overrides the scenario's one-loop mode (eft or exact); `given`: the table and
    file of a scenario without a file of its own (a grid's member)."""
    folder = likelihoods_folder(folder)
    spec = load_scenario_spec(
        name, futures, folder=folder, m_W=constants.m_W, loops=loops, given=given
    )
    path = folder / "scenarios" / f"{name}.toml" if given is None else given[1]
    specs = load_term_specs(folder)
    measurements = load_measurements(data_folder)
    cross_sections = load_cross_sections(data_folder)
    context = Context(measurements, sm_observables(constants), cross_sections)
    terms = []
    for term_name in spec.term_names:
        if term_name not in specs:
            raise InputError(
                f"{path}: [{name}] field 'terms': no term named {term_name!r} in {folder}"
            )
        terms.append(build_term(specs[term_name], context))
    recorded = {
        t: dataclasses.asdict(measurements[specs[t].table["measurement"]]) for t in spec.term_names
    }
    fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
    scenario = Scenario(
        **fields,
        terms=tuple(terms),
        constants=constants,
        measurements=recorded,
        cross_sections=cross_sections,
        given=given,
    )
    if scenario.uses_cross_sections:
        _check_mass_range(scenario, path)
    return scenario


def with_futures(scenario: Scenario, futures: list[str] | tuple[str, ...]) -> Scenario:
    """The same scenario (constants, one-loop mode, and table if it has no file) with the
    terms of `futures` instead of its own futures."""
    return load_scenario(
        scenario.name,
        futures,
        constants=scenario.constants,
        loops=scenario.loops,
        given=scenario.given,
    )


def _check_mass_range(scenario: Scenario, path: Path) -> None:
    """Refuse a doublet mass (prior range or fixed value) outside the cross-section table."""
    low, high = scenario.cross_sections.mass_range
    ranges = {p.name: (p.low, p.high) for p in scenario.parameters}
    ranges |= {name: (value, value) for name, value in scenario.fixed.items()}
    if "m_L" in ranges and not (low <= ranges["m_L"][0] and ranges["m_L"][1] <= high):
        lhc = set(LHC_OBSERVABLES) | set(LHC_PAIR_OBSERVABLES)
        term = next(t.name for t in scenario.terms if set(t.observables) & lhc)
        raise InputError(
            f"{path}: m_L over {ranges['m_L'][0]:g}-{ranges['m_L'][1]:g} GeV reaches outside the "
            f"cross-section table's {low:g}-{high:g} GeV that term {term!r} needs"
        )
