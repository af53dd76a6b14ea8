"""Standard-Model inputs, with their sources (PHYSICS.md section 1).

All masses in GeV. One frozen object carries every constant a computation uses, so a
result can record exactly which values produced it (`Constants.as_dict`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

#: The Higgs vacuum expectation value <H> in the paper's convention, GeV.
#: (sqrt(2) G_F)^(-1/2) / sqrt(2) = 174.104 GeV with G_F = 1.1663788e-5 GeV^-2, rounded.
#: The paper's eq. 16 (delta g = -Y^2 v^2 / (2 m^2)) holds only with this v.
HIGGS_VEV_GEV = 174.10

SOURCES: dict[str, str] = {
    "m_W": "PDG 2024",
    "m_Z": "PDG 2024",
    "m_h": "PDG 2024 (125.20 +- 0.11 GeV)",
    "m_mu": "PDG 2024",
    "m_t": "PDG 2024 (direct average)",
    "v": "(sqrt(2) G_F)^(-1/2)/sqrt(2), G_F = 1.1663788e-5 GeV^-2, rounded (paper's convention)",
    "y_t": "tree level, m_t / v (scale choice: O(10%) uncertainty of eq. 14)",
    "sin2_theta_W": "PDG 2023, MS-bar at m_Z",
    "R_tau_SM": "paper (arXiv:2106.01373), below eq. 17",
}


@dataclasses.dataclass(frozen=True)
class Constants:
    """SM inputs; override any field with `dataclasses.replace` or `Constants(m_t=...)`."""

    m_W: float = 80.3692
    m_Z: float = 91.1880
    m_h: float = 125.20
    m_mu: float = 0.1056583755
    m_t: float = 172.57
    v: float = HIGGS_VEV_GEV
    sin2_theta_W: float = 0.23121
    R_tau_SM: float = 0.9726
    #: Top Yukawa; None means the tree-level value m_t / v.
    y_t_override: float | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            name = "y_t" if field.name == "y_t_override" else field.name  # as users set it
            if value is None:
                continue
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"constant {name} must be a finite positive number, got {value!r}")
            if not 1e-10 <= value <= 1e10:
                raise ValueError(f"constant {name} must lie in [1e-10, 1e10], got {value!r}")
        if not self.sin2_theta_W < 1:
            raise ValueError(f"constant sin2_theta_W must be below 1, got {self.sin2_theta_W!r}")

    @property
    def y_t(self) -> float:
        """Top Yukawa coupling (dimensionless)."""
        return self.m_t / self.v if self.y_t_override is None else self.y_t_override

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Constants:
        """The inverse of as_dict: y_t is kept only where it differs from m_t / v."""
        names = {f.name for f in dataclasses.fields(cls)} - {"y_t_override"}
        constants = cls(**{k: float(v) for k, v in values.items() if k in names})
        y_t = values.get("y_t")
        if y_t is not None and y_t != constants.y_t:
            constants = dataclasses.replace(constants, y_t_override=float(y_t))
        return constants

    def as_dict(self) -> dict[str, Any]:
        """Every value used, including the derived y_t, for recording in results."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values.pop("y_t_override")
        values["y_t"] = self.y_t
        return values

    def overrides(self) -> dict[str, float]:
        """The values (as_dict's) that differ from the defaults', e.g. those set by --set."""
        defaults = Constants().as_dict()
        return {k: float(v) for k, v in self.as_dict().items() if v != defaults[k]}


DEFAULT_CONSTANTS = Constants()
