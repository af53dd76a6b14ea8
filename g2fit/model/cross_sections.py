"""Pair-production cross sections of the doublet L = (N, E) at the LHC, per channel, in fb.

The channels are E+E- ("EE"), E+N and E-Nbar ("EN") and N Nbar ("NN"). A table holds ln sigma
on a grid of masses (GeV) at each centre-of-mass energy it knows (GeV); between its masses it
is interpolated linearly in ln sigma (the grid's 25 GeV steps leave < 0.1 %). How the table is
made from data/cross_sections/ (NLO+NNLL at 13 TeV, a leading-order split and energy ratio)
is g2fit.config.cross_sections.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g2fit.errors import InputError

FloatArray = NDArray[np.float64]

CHANNELS = ("EE", "EN", "NN")
#: The centre-of-mass energies (GeV) a table must hold: today's LHC and the HL-LHC.
ENERGIES_GEV = (13000.0, 14000.0)


@dataclasses.dataclass(frozen=True)
class PairCrossSections:
    """sigma(m, sqrt_s) of the doublet pair per channel (fb) on a mass grid (GeV).

    log_sigma[sqrt_s] has shape (3, k): ln sigma of CHANNELS at `masses`, all channels at the
    same mass (degenerate E and N). ratio_uncertainty[sqrt_s] (k,) is the relative uncertainty
    of sigma(sqrt_s) / sigma(13 TeV) (PDF sets and scale; 0 at 13 TeV). `provenance` says how
    the table was made, for results to record."""

    masses: FloatArray
    log_sigma: dict[float, FloatArray]
    ratio_uncertainty: dict[float, FloatArray]
    provenance: dict[str, Any]

    @property
    def mass_range(self) -> tuple[float, float]:
        """The table's first and last mass (GeV)."""
        return float(self.masses[0]), float(self.masses[-1])

    @property
    def energies(self) -> tuple[float, ...]:
        """The centre-of-mass energies (GeV) the table holds."""
        return tuple(sorted(self.log_sigma))

    def check_energy(self, sqrt_s: float, what: str = "sqrt_s") -> None:
        """Refuse an energy the table does not hold."""
        if float(sqrt_s) not in self.log_sigma:
            known = ", ".join(f"{e:g}" for e in self.energies)
            raise InputError(f"{what} = {sqrt_s!r} GeV: the cross-section table holds {known} GeV")

    def check_masses(self, masses: ArrayLike, what: str = "m") -> FloatArray:
        """The masses as an array, refused (naming `what`) outside the table's range."""
        array = np.asarray(masses, dtype=float)
        low, high = self.mass_range
        outside = ~((array >= low) & (array <= high))
        if np.any(outside):
            raise InputError(
                f"{what} = {float(array[outside].flat[0])!r} GeV lies outside the "
                f"cross-section table's {low:g}-{high:g} GeV"
            )
        return array

    def sigma(self, m: ArrayLike, sqrt_s: float, channel: str = "total") -> FloatArray:
        """sigma (fb) of one channel of CHANNELS, or their "total", at degenerate masses m
        (GeV), checked: a mass outside the table or an unknown energy is an InputError."""
        self.check_energy(sqrt_s)
        if channel not in (*CHANNELS, "total"):
            raise InputError(f"channel must be one of {', '.join(CHANNELS)} or total: {channel!r}")
        masses = self.check_masses(m)
        if channel == "total":
            total: FloatArray = sum(self.at(c, masses, sqrt_s) for c in CHANNELS)  # type: ignore[assignment]
            return total
        return self.at(channel, masses, sqrt_s)

    def at(self, channel: str, m: FloatArray, sqrt_s: float) -> FloatArray:
        """sigma (fb) of one of CHANNELS at masses m (GeV), unchecked (the likelihood's path):
        masses beyond the table's ends are taken at its ends. Mixing moves E and the
        doublet-like state a little beyond the prior's m_L range, but the light singlet-like
        state can lie well below 100 GeV (46 GeV at m_L = m_S = 100 GeV, Y_V = 1); there its
        rate is underestimated (about 5x at 60 GeV), which errs towards allowing it."""
        row = CHANNELS.index(channel)
        values: FloatArray = np.exp(np.interp(m, self.masses, self.log_sigma[sqrt_s][row]))
        return values
