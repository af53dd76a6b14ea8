"""The paper's (m_L, m_S) planes, Figs. 5 and 6, on a grid, from the scenario's own terms.

At each grid point the product P = Y_L Y_R is fixed by the plane's condition (Delta a_mu or
Delta m_mu, both proportional to Y_L Y_R). Every coupling constraint depends on Y_L only
through eps_L = Y_L^2 v^2/m_S^2, or on Y_R only through eps_R = Y_R^2 v^2/m_L^2 (eq. 16), and
excludes exactly eps > eps*, with eps* found once per constraint by bisection on its real
likelihood term. A split of P into Y_L Y_R with |Y| <= 1 meeting the constraints then exists
iff P <= min(1, sqrt(eps_L*) m_S/v) min(1, sqrt(eps_R*) m_L/v): the paper's red region is
where it does not. A future covers a point when no split allowed today survives it
(the paper's lines); futures combine like the paper's 'GigaZ + ILC', each coupling bounded
by its stronger experiment. The figure draws each future's own reach (reach_* masks); the
claims use the coverage of what survives today (covered_* masks).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from g2fit.config.planes import PlaneSpec
from g2fit.config.scenarios import future_term_names
from g2fit.errors import InputError
from g2fit.inference.exclusion import excluded
from g2fit.likelihood.scenario import Scenario, load_scenario, load_terms
from g2fit.likelihood.terms import Term
from g2fit.model.observables import (
    LEFT_COUPLING_OBSERVABLES,
    MASS_PARAMETERS,
    RIGHT_COUPLING_OBSERVABLES,
    observables,
    sm_observables,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: The tau-universality observables (a subset of the left-coupling ones).
TAU = frozenset({"R_tau", "gmu_over_ge"})


@dataclasses.dataclass
class Plane:
    """A plane on its grid: rows m_S, columns m_L (GeV); fields and region masks (n, n).

    viable_region says which region the coverage of the futures refers to; thresholds are
    the eps* of each constraint."""

    spec: PlaneSpec
    scenario: Scenario
    m_L: FloatArray
    m_S: FloatArray
    fields: dict[str, FloatArray]
    masks: dict[str, BoolArray]
    viable_region: str
    thresholds: dict[str, float]

    def coverage(self) -> dict[str, float]:
        """For each future, the fraction of the viable region it covers (empty: none)."""
        viable = self.masks["viable"]
        if not viable.any():
            return {}
        return {
            key.removeprefix("covered_"): float((self.masks[key] & viable).sum() / viable.sum())
            for key in sorted(k for k in self.masks if k.startswith("covered_"))
        }

    def natural_viable_top(self) -> float | None:
        """The largest m_L (GeV) where the viable region is natural (|dm_mu/m_mu| <= 1)."""
        natural = self.masks["viable"] & self.masks["natural"]
        return float(self.m_L[natural.any(axis=0)].max()) if natural.any() else None


@dataclasses.dataclass
class TermGroups:
    """Terms by what they constrain: one coupling (eps_L, eps_R), tau universality, a mass."""

    left: list[Term] = dataclasses.field(default_factory=list)
    right: list[Term] = dataclasses.field(default_factory=list)
    tau: list[Term] = dataclasses.field(default_factory=list)
    mass: list[Term] = dataclasses.field(default_factory=list)
    g2: list[Term] = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, terms: Sequence[Term], where: str) -> TermGroups:
        groups = cls()
        for term in terms:
            names = set(term.observables)
            if names <= {"delta_amu"}:
                groups.g2.append(term)
            elif names <= set(MASS_PARAMETERS):
                groups.mass.append(term)
            elif names <= TAU:
                groups.tau.append(term)
            elif names <= LEFT_COUPLING_OBSERVABLES:
                groups.left.append(term)
            elif names <= RIGHT_COUPLING_OBSERVABLES:
                groups.right.append(term)
            else:
                raise InputError(
                    f"{where}: term {term.name} constrains {sorted(names)}; a plane needs terms "
                    "of one coupling (Y_L or Y_R) or one mass"
                )
        return groups


def epsilon_threshold(terms: list[Term], side: str, scenario: Scenario) -> float:
    """Smallest eps (eps_L for side "L", eps_R for "R") the terms together exclude; inf if none."""
    if not terms:
        return math.inf
    v = scenario.constants.v
    grid = np.geomspace(1e-9, 10.0, 2001)
    sm_values = sm_observables(scenario.constants)

    def at(eps: FloatArray) -> BoolArray:
        zero, y = np.zeros_like(eps), np.sqrt(eps)
        Y_L, Y_R = (y, zero) if side == "L" else (zero, y)
        obs = observables(v, v, Y_L, Y_R, 0.0, 0.0, constants=scenario.constants)
        sm = {k: np.broadcast_to(s, eps.shape) for k, s in sm_values.items()}
        return excluded(terms, obs, sm)

    flags = at(grid)
    if not flags.any():
        return math.inf
    first = int(np.argmax(flags))
    if not flags[first:].all():
        names = ", ".join(t.name for t in terms)
        raise InputError(f"terms {names}: the excluded couplings are not one interval eps > eps*")
    if first == 0:
        return float(grid[0])
    low, high = grid[first - 1], grid[first]
    for _ in range(60):
        middle = math.sqrt(low * high)
        low, high = (low, middle) if at(np.array([middle]))[0] else (middle, high)
    return float(high)


@dataclasses.dataclass
class _Grid:
    """The mesh (rows m_S, columns m_L, GeV), Y_L Y_R there, and what bounds a split."""

    mL: FloatArray
    mS: FloatArray
    product: FloatArray
    gray: BoolArray
    v: float
    y_max: float

    def yukawa_limit(self, eps: float, mass: FloatArray) -> FloatArray:
        if not math.isfinite(eps):
            return np.full_like(mass, self.y_max)
        return np.asarray(np.minimum(self.y_max, math.sqrt(eps) * mass / self.v))

    def no_split(self, eps_left: float, eps_right: float) -> BoolArray:
        """Where no Y_L Y_R = P with |Y| <= y_max has eps_L <= eps_left and eps_R <= eps_right."""
        allowed = self.yukawa_limit(eps_left, self.mS) * self.yukawa_limit(eps_right, self.mL)
        return np.asarray(self.product > allowed)

    def mass_excluded(self, terms: list[Term]) -> BoolArray:
        if not terms:
            return np.zeros(self.mL.shape, dtype=bool)
        obs = {"m_L": self.mL, "m_S": self.mS}
        flags: BoolArray = np.any([excluded([t], obs, obs) for t in terms], axis=0)
        return flags


def _fields(
    spec: PlaneSpec, scenario: Scenario, grid: tuple[FloatArray, FloatArray]
) -> dict[str, FloatArray]:
    """Y_L Y_R fixed by the plane's condition, and Delta a_mu and Delta m_mu/m_mu with it."""
    mL, mS = grid
    unit = observables(
        mL,
        mS,
        1.0,
        1.0,
        scenario.fixed["Y_V"],
        scenario.fixed["Y_Vp"],
        cutoff=scenario.cutoff,
        two_loop_top=scenario.two_loop_top,
        constants=scenario.constants,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        product = spec.value / unit[spec.fix]
    return {
        "YL_YR": product,
        "delta_amu": product * unit["delta_amu"],
        "delta_mmu_over_mmu": product * unit["delta_mmu_over_mmu"],
    }


def _viable(spec: PlaneSpec, masks: dict[str, BoolArray], fields: dict[str, FloatArray]) -> str:
    """Add the viable-region mask (and Fig. 6's band); return what the region is."""
    if spec.band is not None:
        delta_amu = fields["delta_amu"]
        masks["band"] = (delta_amu >= spec.band[0]) & (delta_amu <= spec.band[1])
        # Fig. 6: only the part of the Delta a_mu band that survives today explains g-2.
        masks["viable"] = masks["band"] & masks["surviving"]
        return f"the Delta a_mu band [{spec.band[0]:.3g}, {spec.band[1]:.3g}] that survives today"
    # Fig. 5: Delta a_mu is fixed on the whole plane, so what survives today is viable.
    masks["viable"] = masks["surviving"].copy()
    return "what survives today" + (
        f" (Delta a_mu = {spec.value:.3g} on the whole plane)"
        if spec.fix == "delta_amu"
        else " (no Delta a_mu band)"
    )


def compute_plane(spec: PlaneSpec, n: int) -> Plane:
    """The grid (n x n, log-spaced) with the plane's fields and every region mask."""
    if n < 2:
        raise InputError(f"argument --grid: must be at least 2, got {n}")
    scenario = load_scenario(spec.scenario)
    if "Y_V" not in scenario.fixed or "Y_Vp" not in scenario.fixed:
        raise InputError(f"plane {spec.name}: scenario {spec.scenario} must fix Y_V and Y_Vp")
    if scenario.loops != "eft":
        raise InputError(
            f"plane {spec.name}: scenario {spec.scenario} uses loops = {scenario.loops!r}; a "
            "plane solves eq. 12 for Y_L Y_R and uses eq. 16's couplings, so it needs eft "
            "(`g2fit validity` maps where eq. 12 holds)"
        )
    m_L = np.geomspace(*spec.m_L_range, n)
    m_S = np.geomspace(*spec.m_S_range, n)
    mL, mS = np.meshgrid(m_L, m_S)  # rows: m_S, columns: m_L
    fields = _fields(spec, scenario, (mL, mS))
    product = fields["YL_YR"]
    y_max = min(p.high for p in scenario.parameters if p.name in ("Y_L", "Y_R"))
    gray = ~(product > 0) | (product > scenario.max_YL_YR)
    grid = _Grid(mL, mS, product, gray, scenario.constants.v, y_max)
    where = f"plane {spec.name}"
    today = TermGroups.of(scenario.terms, where)
    eps_L = epsilon_threshold(today.left, "L", scenario)
    eps_R = epsilon_threshold(today.right, "R", scenario)
    eps_tau = epsilon_threshold(today.left + today.tau, "L", scenario)
    red = ~gray & grid.no_split(eps_L, eps_R)
    lhc = grid.mass_excluded(today.mass)
    masks = {
        "gray": gray,
        "red": red,
        "tau": ~gray & grid.no_split(min(eps_L, eps_tau), eps_R),
        "lhc": lhc,
        "surviving": ~gray & ~red & ~lhc,
        "natural": np.abs(fields["delta_mmu_over_mmu"]) <= 1.0,
    }
    viable = _viable(spec, masks, fields)
    thresholds = {"eps_L": eps_L, "eps_R": eps_R, "eps_L_with_tau": eps_tau}
    futures = [*spec.futures]
    if "lepton-colliders" not in futures:
        futures.append("lepton-colliders")
    for future in futures:
        terms = load_terms(future_term_names(future), constants=scenario.constants)
        groups = TermGroups.of(terms, f"{where}, future {future}")
        fl = epsilon_threshold(groups.left + groups.tau, "L", scenario)
        fr = epsilon_threshold(groups.right, "R", scenario)
        thresholds[f"{future}: eps_L"], thresholds[f"{future}: eps_R"] = fl, fr
        reach_mass = grid.mass_excluded(groups.mass)
        covered = grid.no_split(min(eps_L, fl), min(eps_R, fr)) | reach_mass
        masks[f"covered_{future}"] = ~gray & covered
        # The future on its own, as the paper draws its lines: what it excludes for every
        # split of Y_L Y_R with |Y| <= 1, whatever today's bounds say. Gray points count as
        # covered for a coupling measurement (no split exists there either), so its line
        # does not trace the gray edge; a pure mass reach is just m_L below the reach.
        couples = bool(groups.left or groups.right or groups.tau)
        reach = (grid.no_split(fl, fr) | gray) if couples else np.zeros(mL.shape, dtype=bool)
        masks[f"reach_{future}"] = reach | reach_mass
    return Plane(spec, scenario, m_L, m_S, fields, masks, viable, thresholds)
