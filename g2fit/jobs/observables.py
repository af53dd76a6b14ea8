"""The `observables` job: every observable of the model at one parameter point."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from g2fit import __version__
from g2fit.config.cross_sections import load_cross_sections
from g2fit.model.constants import Constants
from g2fit.model.decays import DECAY_OBSERVABLES
from g2fit.model.lhc_signal import LHC_OBSERVABLES, lhc_signals
from g2fit.model.mass_basis import ModelPoint
from g2fit.model.observables import OBSERVABLES, model_point, observables

#: Every row of the table: the observables, the heavy states' masses and decays, what the LHC
#: sees of them.
MEANINGS = {**OBSERVABLES, **DECAY_OBSERVABLES, **LHC_OBSERVABLES}


def heavy_lepton_observables(model: ModelPoint, constants: Constants) -> dict[str, np.ndarray]:
    """DECAY_OBSERVABLES and LHC_OBSERVABLES at model points; the LHC ones are nan where m_L
    lies outside the cross-section table (data/cross_sections/)."""
    shape = np.broadcast_shapes(*map(np.shape, model))
    point = tuple(np.broadcast_to(np.asarray(x, dtype=float), shape) for x in model)
    signals = lhc_signals(point, constants, load_cross_sections())  # type: ignore[arg-type]
    return {name: signals[name] for name in (*DECAY_OBSERVABLES, *LHC_OBSERVABLES)}


@dataclasses.dataclass(frozen=True)
class ObservablesResult:
    """The point (masses and cutoff in GeV), the constants used, and every observable."""

    inputs: dict[str, Any]
    constants: Constants
    values: dict[str, float]

    def json(self) -> str:
        """Sorted JSON; a non-finite value (JSON has none) is null and named in non_finite."""
        document: dict[str, Any] = {
            "g2fit_version": __version__,
            "inputs": self.inputs,
            "constants": self.constants.as_dict(),
            "observables": {k: v if math.isfinite(v) else None for k, v in self.values.items()},
            "non_finite": sorted(k for k, v in self.values.items() if not math.isfinite(v)),
        }
        return json.dumps(document, indent=2, sort_keys=True)

    def table(self) -> str:
        """One row per observable: name, value, meaning."""
        rows = [("observable", "value", "meaning")]
        rows += [(name, f"{self.values[name]:.6e}", MEANINGS[name]) for name in MEANINGS]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c}" for a, b, c in rows)


def run_observables(
    point: dict[str, float],
    *,
    cutoff: float,
    two_loop_top: bool,
    constants: Constants,
    loops: str = "eft",
) -> ObservablesResult:
    """The observables at `point` (m_L, m_S in GeV; Y_L, Y_R, Y_V, Y_Vp) in mode `loops`."""
    model = model_point({name: np.asarray(value, dtype=float) for name, value in point.items()})
    values = observables(
        *model, cutoff=cutoff, two_loop_top=two_loop_top, constants=constants, loops=loops
    )
    values.update(heavy_lepton_observables(model, constants))
    inputs = {**point, "cutoff": cutoff, "two_loop_top": two_loop_top, "loops": loops}
    result = {name: float(np.asarray(value)) for name, value in values.items()}
    return ObservablesResult(inputs, constants, result)
