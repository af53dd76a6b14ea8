"""The forms a term of likelihoods/ may take: one registered class per form.

A form is a term kind (g2fit.likelihood.terms) that knows how to build itself from its TOML
entry and the measurements of data/ (`from_entry`). `@form(NAME)` makes the class a frozen
dataclass whose `form` field (recorded in results) is NAME, and registers it under NAME, the
name the files use; adding a form is one new class here. likelihoods/README.md lists them.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, Self, TypeVar

from g2fit.config.measurements import (
    Correlated,
    LowerLimit,
    Measurement,
    Projection,
    SignalLimit,
    Value,
)
from g2fit.config.toml_entry import Entry
from g2fit.errors import InputError
from g2fit.likelihood.terms import (
    SIGNAL_SHAPES,
    CorrelatedGaussian,
    Gaussian,
    HalfGaussianBound,
    SignalUpperLimit,
    SmoothBound,
    Term,
    chi2_quantile,
)
from g2fit.model.cross_sections import PairCrossSections
from g2fit.model.lhc_signal import LHC_PAIR_OBSERVABLES
from g2fit.model.observables import MASS_PARAMETERS, OBSERVABLES


@dataclasses.dataclass(frozen=True)
class Context:
    """What a form builds a term from besides its entry: data/ by id, the SM's observables,
    the doublet's cross sections (data/cross_sections/)."""

    measurements: dict[str, Measurement]
    sm: dict[str, float]
    cross_sections: PairCrossSections | None = None


class Form(Protocol):
    """A registered form: how a term is built from an entry."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> Term: ...


FORMS: dict[str, type[Form]] = {}
_F = TypeVar("_F", bound=type[Any])


def form(name: str) -> Callable[[_F], _F]:
    """Register a term class as the form `name`: a frozen dataclass whose `form` is `name`."""

    def register(cls: _F) -> _F:
        cls.__annotations__ = {**inspect.get_annotations(cls), "form": "str"}
        cls.form = dataclasses.field(default=name, init=False)
        FORMS[name] = dataclasses.dataclass(frozen=True)(cls)
        return FORMS[name]  # type: ignore[return-value]

    return register


def build_term(entry: Entry, context: Context) -> Term:
    """The term an entry of likelihoods/ describes, through its form."""
    if "form" not in entry.table:
        raise InputError(f"{entry.where}: missing field 'form'")
    return FORMS[entry.text("form", tuple(FORMS))].from_entry(entry, context)


_REQUIRED = {"form", "measurement", "observable"}
_OPTIONAL = {"description"}


def _measurement(entry: Entry, context: Context, kinds: tuple[type, ...]) -> Any:
    name = entry.text("measurement")
    if name not in context.measurements:
        raise entry.error("measurement", f"no entry {name!r} in data/")
    found = context.measurements[name]
    if not isinstance(found, kinds):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise entry.error("measurement", f"{name!r} is a {type(found).__name__}, not a {wanted}")
    return found


def _observable(entry: Entry, allowed: tuple[str, ...] = ()) -> str:
    name = entry.text("observable")
    if name not in OBSERVABLES and name not in allowed:
        raise entry.error("observable", f"unknown observable {name!r}")
    return name


def _quantity_index(entry: Entry, observable: str, measurement: Measurement) -> int:
    quantities = (
        measurement.quantities if isinstance(measurement, Correlated) else (measurement.quantity,)
    )
    if observable not in quantities:
        raise entry.error("observable", f"{observable!r} is not measured by {measurement.id!r}")
    return quantities.index(observable)


def _one_quantity(
    entry: Entry, context: Context, kind: type, masses: bool = False
) -> tuple[str, Any]:
    """The observable (or, with masses, a mass) of a one-quantity form and the measurement of
    data/ that measures it, every field checked."""
    entry.check_fields(_REQUIRED, _OPTIONAL)
    if masses:  # a limit's measurement is checked before its mass
        measurement = _measurement(entry, context, (kind,))
        observable = _observable(entry, MASS_PARAMETERS)
    else:
        observable = _observable(entry)
        measurement = _measurement(entry, context, (kind,))
    _quantity_index(entry, observable, measurement)
    return observable, measurement


@form("gaussian")
class MeasuredGaussian(Gaussian):
    """((o - value)/sigma)^2 with a measured value (a `value` entry of data/)."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> MeasuredGaussian:
        observable, value = _one_quantity(entry, context, Value)
        return cls(entry.name, observable, value.value, value.uncertainty)


@form("correlated-gaussian")
class MeasuredCorrelated(CorrelatedGaussian):
    """r^T C^-1 r for quantities measured together (a `correlated` entry of data/)."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> MeasuredCorrelated:
        entry.check_fields(_REQUIRED - {"observable"} | {"observables"}, _OPTIONAL)
        data = _measurement(entry, context, (Correlated,))
        names = tuple(entry.texts("observables"))
        if names != data.quantities:
            raise entry.error("observables", f"must be {list(data.quantities)} as in {data.id!r}")
        for name in names:
            if name not in OBSERVABLES:
                raise entry.error("observables", f"unknown observable {name!r}")
        covariance = tuple(tuple(float(x) for x in row) for row in data.covariance)
        return cls(entry.name, names, data.values, covariance)


@dataclasses.dataclass(frozen=True)
class _DerivedBound:
    """A bound derived from a Gaussian measurement: central -+ reach sigma, checked to allow
    the SM. `pull_excess`: the reach is n_sigma beyond the SM's own pull (the tau rule)."""

    observable: str
    bound: float
    side: str
    n_sigma: float
    sm: float

    @classmethod
    def read(cls, entry: Entry, context: Context, *, smoothed: bool, pull_excess: bool) -> Any:
        fields = {"form", "measurement", "observable", "n_sigma", "side"}
        if smoothed:
            fields.add("smoothing_width_fraction")
        entry.check_fields(fields, _OPTIONAL)
        data = _measurement(entry, context, (Value, Correlated))
        observable = _observable(entry)
        i = _quantity_index(entry, observable, data)
        central, sigma = (
            (data.values[i], data.uncertainties[i])
            if isinstance(data, Correlated)
            else (data.value, data.uncertainty)
        )
        n_sigma = entry.number("n_sigma", positive=True)
        side = entry.text("side", ("lower", "upper"))
        sign = -1.0 if side == "lower" else 1.0
        sm = context.sm[observable]
        reach = abs(sm - central) / sigma + n_sigma if pull_excess else n_sigma
        bound = central + sign * reach * sigma
        if sign * (bound - sm) <= 0:
            raise entry.error("side", f"the {side} bound {bound!r} excludes the SM value {sm!r}")
        return cls(observable, bound, side, n_sigma, sm)

    def width(self, entry: Entry) -> float:
        """The smoothing width: a fraction of the bound's distance from the SM."""
        return entry.number("smoothing_width_fraction", positive=True) * abs(self.bound - self.sm)


@dataclasses.dataclass(frozen=True)
class _DerivedCut(SmoothBound):
    """A smoothed cut derived from a Gaussian measurement (see _DerivedBound)."""

    pull_excess: ClassVar[bool] = False

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> Self:
        b = _DerivedBound.read(entry, context, smoothed=True, pull_excess=cls.pull_excess)
        return cls(entry.name, b.observable, b.bound, b.side, b.width(entry), b.n_sigma**2)


@form("bound")
class Bound(_DerivedCut):
    """A hard cut at central -+ n_sigma sigma of a measurement (the paper's eq. 17), smoothed."""


@form("pull-excess")
class PullExcess(_DerivedCut):
    """A cut where the pull is n_sigma worse than the SM's (the paper's tau rule), smoothed."""

    pull_excess: ClassVar[bool] = True


@form("half-gaussian")
class HalfGaussian(HalfGaussianBound):
    """flavio's one-sided bound at central -+ n_sigma sigma, for an observable 0 in the SM."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> HalfGaussian:
        b = _DerivedBound.read(entry, context, smoothed=False, pull_excess=False)
        if b.sm != 0:
            raise entry.error("observable", f"half-gaussian needs an SM value of 0, not {b.sm!r}")
        return cls(entry.name, b.observable, b.bound, b.n_sigma)


@form("mass-limit")
class MassLimit(SmoothBound):
    """A published lower mass limit (GeV), smoothed: its CL quantile at the limit."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> MassLimit:
        observable, limit = _one_quantity(entry, context, LowerLimit, masses=True)
        width = limit.smoothing_width_fraction * limit.value
        return cls(entry.name, observable, limit.value, "lower", width, chi2_quantile(limit.cl))


@form("projection")
class ProjectedGaussian(Gaussian):
    """((o - o_SM)/sigma)^2: a future precision with SM-like (Asimov) data."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> ProjectedGaussian:
        observable, projection = _one_quantity(entry, context, Projection)
        sm = context.sm[observable]
        relative = projection.uncertainty_kind == "relative"
        sigma = projection.uncertainty * (abs(sm) if relative else 1.0)
        if sigma <= 0:
            raise entry.error("measurement", f"relative precision on {observable!r}, SM value 0")
        return cls(entry.name, observable, sm, sigma)


@form("signal-limit")
class SignalLimitTerm(SignalUpperLimit):
    """An upper limit on the signal a search sees (fb), emulated from its published mass limits
    (a `signal-limit` entry of data/): the theory cross section at the mass limit, constant
    above it, rising log-linearly below it through the low-mass anchor; scaled as a whole to
    the entry's luminosity."""

    @classmethod
    def from_entry(cls, entry: Entry, context: Context) -> SignalLimitTerm:
        entry.check_fields(_REQUIRED, _OPTIONAL)
        data: SignalLimit = _measurement(entry, context, (SignalLimit,))
        observable = entry.text("observable")
        pairs = [name for name in LHC_PAIR_OBSERVABLES if name.startswith("lhc_pairs_covered")]
        if observable not in pairs:
            raise entry.error("observable", f"must be one of {', '.join(pairs)}: {observable!r}")
        _quantity_index(entry, observable, data)
        if context.cross_sections is None:
            raise entry.error(
                "measurement", "needs the doublet's cross sections (data/cross_sections/)"
            )
        mass = context.measurements[data.mass_limit]
        anchor = context.measurements[data.low_mass_anchor]
        assert isinstance(mass, LowerLimit)  # checked when data/ is loaded
        assert isinstance(anchor, LowerLimit)
        table = context.cross_sections
        try:
            table.check_energy(data.reference_sqrt_s, "reference_sqrt_s")
            table.check_energy(data.sqrt_s, "sqrt_s")
            sigma = float(table.sigma(mass.value, data.reference_sqrt_s)[()])
        except InputError as error:
            raise entry.error("measurement", f"{data.id!r}: {error}") from None
        if not observable.endswith(f"_{data.sqrt_s / 1000:g}"):
            raise entry.error("observable", f"{observable!r} is not at {data.id!r}'s sqrt_s")
        ratio = data.reference_luminosity / data.luminosity
        scale = ratio if data.regime == "background-free" else ratio**0.5
        return cls(
            entry.name,
            observable,
            sigma * scale,
            mass.value,
            anchor.value,
            data.low_mass_anchor_sigma * scale,
            SIGNAL_SHAPES[data.regime],
            chi2_quantile(data.cl),
        )
