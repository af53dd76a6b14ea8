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
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from g2fit import __version__
from g2fit.config.measurements import Value, load_measurements
from g2fit.config.toml_entry import Entry, read_toml
from g2fit.errors import InputError
from g2fit.inference.exclusion import excluded
from g2fit.io.files import netcdf_bytes
from g2fit.likelihood.scenario import (
    Scenario,
    definition_file,
    future_names,
    future_term_names,
    load_scenario,
    names_in,
)
from g2fit.likelihood.terms import Term
from g2fit.model.constants import DEFAULT_CONSTANTS
from g2fit.model.observables import EXPANSION_REASON, observables

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Observables that depend on Y_L alone (via eps_L), and on Y_R alone (via eps_R).
LEFT = {"dgL_W", "dgL_Znu", "R_tau", "gmu_over_ge", "R_W_mu_e"}
RIGHT = {"dgR_Zmu", "gR_Zmu", "A_mu", "Gamma_Zmumu_ratio"}
TAU = {"R_tau", "gmu_over_ge"}
MASSES = {"m_L", "m_S"}
FIXABLE = ("delta_amu", "delta_mmu_over_mmu")


@dataclasses.dataclass(frozen=True)
class PlaneSpec:
    """A plane of likelihoods/planes/NAME.toml."""

    name: str
    description: str
    scenario: str
    fix: str
    value: float
    band: tuple[float, float] | None
    futures: tuple[str, ...]
    m_L_range: tuple[float, float]
    m_S_range: tuple[float, float]
    contours: tuple[float, ...]


def plane_names(folder: Path | None = None) -> list[str]:
    return names_in("planes", folder)


def _mass_range(entry: Entry, field: str) -> tuple[float, float]:
    values = entry.numbers(field, positive=True)
    if len(values) != 2 or not values[0] < values[1]:
        raise entry.error(field, f"must be [low, high] with 0 < low < high, got {values!r}")
    # The plane's scenario is loaded with the default constants (compute_plane).
    m_W = DEFAULT_CONSTANTS.m_W
    if values[0] < m_W:
        raise entry.error(
            field, f"starts at {values[0]!r} GeV, below m_W = {m_W!r} GeV: {EXPANSION_REASON}"
        )
    return values[0], values[1]


def load_plane(name: str, folder: Path | None = None) -> PlaneSpec:
    """A plane definition, checked; the value to fix may come from a measurement in data/."""
    path = definition_file("planes", "benchmark", name, folder)
    entry = Entry(path, name, read_toml(path))
    entry.check_fields(
        {"description", "scenario", "fix", "futures", "m_L_range", "m_S_range", "contours"},
        {"value", "measurement", "n_sigma", "band"},
    )
    fix = entry.text("fix", FIXABLE)
    measurements = load_measurements()

    def gaussian(field: str) -> Value:
        key = entry.text(field)
        found = measurements.get(key)
        if not isinstance(found, Value):
            raise entry.error(field, f"no value entry {key!r} in data/")
        return found

    if entry.has("value") == entry.has("measurement"):
        raise InputError(f"{entry.where}: give exactly one of 'value' and 'measurement'")
    if entry.has("value"):
        value = entry.number("value")
    else:
        data = gaussian("measurement")
        value = data.value + entry.number("n_sigma", default=0.0) * data.uncertainty
    band = None
    if entry.has("band"):
        data = gaussian("band")
        band = (data.value - data.uncertainty, data.value + data.uncertainty)
    futures = tuple(entry.texts("futures"))
    for future in futures:
        if future not in future_names(folder):
            raise entry.error("futures", f"unknown future {future!r}")
    contours = entry.table["contours"]
    numbers = isinstance(contours, list) and all(
        isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
        for c in contours
    )
    if not numbers or any(a >= b for a, b in itertools.pairwise(contours)):
        raise entry.error(
            "contours", f"must be finite numbers in increasing order, got {contours!r}"
        )
    return PlaneSpec(
        name,
        entry.text("description"),
        entry.text("scenario"),
        fix,
        value,
        band,
        futures,
        _mass_range(entry, "m_L_range"),
        _mass_range(entry, "m_S_range"),
        tuple(float(c) for c in contours),
    )


def epsilon_threshold(terms: list[Term], side: str, scenario: Scenario) -> float:
    """Smallest eps (eps_L or eps_R) that the terms together exclude; inf if none."""
    if not terms:
        return math.inf
    v = scenario.constants.v
    grid = np.geomspace(1e-9, 10.0, 2001)

    def at(eps: FloatArray) -> BoolArray:
        zero, y = np.zeros_like(eps), np.sqrt(eps)
        Y_L, Y_R = (y, zero) if side == "L" else (zero, y)
        obs = observables(v, v, Y_L, Y_R, 0.0, 0.0, constants=scenario.constants)
        sm = observables(v, v, 0.0, 0.0, 0.0, 0.0, constants=scenario.constants)
        return excluded(terms, obs, {k: np.broadcast_to(s, eps.shape) for k, s in sm.items()})

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


def _classify(terms: list[Term], where: str) -> dict[str, list[Term]]:
    groups: dict[str, list[Term]] = {"L": [], "R": [], "tau": [], "mass": [], "g2": []}
    for term in terms:
        names = set(term.observables)
        if names <= {"delta_amu"}:
            groups["g2"].append(term)
        elif names <= MASSES:
            groups["mass"].append(term)
        elif names <= TAU:
            groups["tau"].append(term)
        elif names <= LEFT:
            groups["L"].append(term)
        elif names <= RIGHT:
            groups["R"].append(term)
        else:
            raise InputError(
                f"{where}: term {term.name} constrains {sorted(names)}; a plane needs terms of "
                "one coupling (Y_L or Y_R) or one mass"
            )
    return groups


def _yukawa_limit(eps: float, mass: FloatArray, v: float, y_max: float) -> FloatArray:
    return np.asarray(
        np.minimum(y_max, math.sqrt(eps) * mass / v)
        if math.isfinite(eps)
        else np.full_like(mass, y_max)
    )


def compute_plane(spec: PlaneSpec, n: int) -> dict[str, Any]:
    """The grid (n x n, log-spaced) with the plane's fields and every region mask."""
    if n < 2:
        raise InputError(f"argument --grid: must be at least 2, got {n}")
    scenario = load_scenario(spec.scenario)
    k, v = scenario.constants, scenario.constants.v
    fixed = scenario.fixed
    if "Y_V" not in fixed or "Y_Vp" not in fixed:
        raise InputError(f"plane {spec.name}: scenario {spec.scenario} must fix Y_V and Y_Vp")
    y_max = min(p.high for p in scenario.parameters if p.name in ("Y_L", "Y_R"))
    m_L = np.geomspace(*spec.m_L_range, n)
    m_S = np.geomspace(*spec.m_S_range, n)
    mL, mS = np.meshgrid(m_L, m_S)  # rows: m_S, columns: m_L
    unit = observables(
        mL,
        mS,
        1.0,
        1.0,
        fixed["Y_V"],
        fixed["Y_Vp"],
        cutoff=scenario.cutoff,
        two_loop_top=scenario.two_loop_top,
        constants=k,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        product = spec.value / unit[spec.fix]
    fields = {
        "YL_YR": product,
        "delta_amu": product * unit["delta_amu"],
        "delta_mmu_over_mmu": product * unit["delta_mmu_over_mmu"],
    }
    where = f"plane {spec.name}"
    current = _classify(list(scenario.terms), where)
    eps_L = epsilon_threshold(current["L"], "L", scenario)
    eps_R = epsilon_threshold(current["R"], "R", scenario)
    eps_tau = epsilon_threshold(current["L"] + current["tau"], "L", scenario)
    gray = ~(product > 0) | (product > scenario.max_YL_YR)

    def no_split(eps_left: float, eps_right: float) -> BoolArray:
        allowed = _yukawa_limit(eps_left, mS, v, y_max) * _yukawa_limit(eps_right, mL, v, y_max)
        return np.asarray(product > allowed)

    def mass_excluded(terms: list[Term]) -> BoolArray:
        if not terms:
            return np.zeros(mL.shape, dtype=bool)
        obs = {"m_L": mL, "m_S": mS}
        flags: BoolArray = np.any([excluded([t], obs, obs) for t in terms], axis=0)
        return flags

    red = ~gray & no_split(eps_L, eps_R)
    lhc = mass_excluded(current["mass"])
    masks = {
        "gray": gray,
        "red": red,
        "tau": ~gray & no_split(min(eps_L, eps_tau), eps_R),
        "lhc": lhc,
        "surviving": ~gray & ~red & ~lhc,
        "natural": np.abs(fields["delta_mmu_over_mmu"]) <= 1.0,
    }
    if spec.band is not None:
        masks["band"] = (fields["delta_amu"] >= spec.band[0]) & (
            fields["delta_amu"] <= spec.band[1]
        )
        # Fig. 6: only the part of the Delta a_mu band that survives today explains g-2.
        masks["viable"] = masks["band"] & masks["surviving"]
        viable = f"the Delta a_mu band [{spec.band[0]:.3g}, {spec.band[1]:.3g}] that survives today"
    else:
        # Fig. 5: Delta a_mu is fixed on the whole plane, so what survives today is viable.
        masks["viable"] = masks["surviving"].copy()
        viable = "what survives today" + (
            f" (Delta a_mu = {spec.value:.3g} on the whole plane)"
            if spec.fix == "delta_amu"
            else " (no Delta a_mu band)"
        )
    thresholds = {"eps_L": eps_L, "eps_R": eps_R, "eps_L_with_tau": eps_tau}
    futures = [*spec.futures]
    if "lepton-colliders" not in futures:
        futures.append("lepton-colliders")
    for future in futures:
        names = set(future_term_names(future))
        future_terms = [t for t in load_scenario(spec.scenario, [future]).terms if t.name in names]
        groups = _classify(future_terms, f"{where}, future {future}")
        fl = epsilon_threshold(groups["L"] + groups["tau"], "L", scenario)
        fr = epsilon_threshold(groups["R"], "R", scenario)
        thresholds[f"{future}: eps_L"], thresholds[f"{future}: eps_R"] = fl, fr
        reach_mass = mass_excluded(groups["mass"])
        covered = no_split(min(eps_L, fl), min(eps_R, fr)) | reach_mass
        masks[f"covered_{future}"] = ~gray & covered
        # The future on its own, as the paper draws its lines: what it excludes for every
        # split of Y_L Y_R with |Y| <= 1, whatever today's bounds say. Gray points count as
        # covered for a coupling measurement (no split exists there either), so its line
        # does not trace the gray edge; a pure mass reach is just m_L below the reach.
        couples = bool(groups["L"] or groups["R"] or groups["tau"])
        reach = (no_split(fl, fr) | gray) if couples else np.zeros(mL.shape, dtype=bool)
        masks[f"reach_{future}"] = reach | reach_mass
    return {
        "spec": spec,
        "m_L": m_L,
        "m_S": m_S,
        "fields": fields,
        "masks": masks,
        "viable_region": viable,
        "thresholds": thresholds,
        "constants": k.as_dict(),
        "scenario": scenario,
    }


def grid_bytes(plane: dict[str, Any]) -> bytes:
    """The grid as netCDF bytes (xarray, h5netcdf): fields as floats, masks as 0/1 (int8)."""
    import xarray as xr

    dims = ("m_S", "m_L")
    data = {name: (dims, value) for name, value in plane["fields"].items()}
    data.update(
        {f"mask_{name}": (dims, value.astype(np.int8)) for name, value in plane["masks"].items()}
    )
    spec = dataclasses.asdict(plane["spec"])
    dataset = xr.Dataset(
        data,
        coords={"m_L": plane["m_L"], "m_S": plane["m_S"]},
        attrs={
            "g2fit_version": __version__,
            "benchmark": plane["spec"].name,
            "spec": json.dumps(spec),
            "viable_region": plane["viable_region"],
            "thresholds": json.dumps(plane["thresholds"]),
            "constants": json.dumps(plane["constants"]),
            "units": "masses in GeV; masks 1 = inside the region",
        },
    )
    return netcdf_bytes({None: dataset})
