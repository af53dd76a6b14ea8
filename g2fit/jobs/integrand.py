"""The `integrand` job: the paper's Fig. 2, the loop integrand of eq. 7, and its integral."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from g2fit.io.figures import integrand_figure
from g2fit.io.files import check_png_target, owned_folder, prepare_output_folder, write_atomic
from g2fit.model.integrand import f_prime, integrals


@dataclasses.dataclass(frozen=True)
class IntegrandReport:
    """The integrals of f' and |f'| (units of m_S^-2) at m_L/m_S = ratio, and the figure."""

    ratio: float
    integral: float
    magnitude: float
    figure: Path

    def text(self) -> str:
        """Both integrals in units of m_S^-2, each beside its analytic value."""
        return (
            f"m_L/m_S = {self.ratio:g} (u = k^2 in units of m_S^2): "
            f"integral du f'(u) = {self.integral:.3e} m_S^-2 (quadrature; analytically 0), "
            f"integral du |f'(u)| = {self.magnitude:.6g} m_S^-2 "
            f"(analytically 2/(m_L + m_S)^2 = {2 / (1 + self.ratio) ** 2:.6g} m_S^-2)"
        )


def run_integrand(ratio: float, out: Path) -> IntegrandReport:
    """Draw u f'(u) at m_L = ratio m_S into OUT (.png); integrate f' and |f'| by quadrature.
    OUT's folder is locked meanwhile."""
    check_png_target(out)
    with owned_folder(prepare_output_folder(out.parent)):
        u = np.geomspace(1e-4, max(1e4, 1e4 * ratio**2), 2000)
        total, magnitude = integrals(ratio)
        figure = integrand_figure(u, u * f_prime(u, ratio), ratio, total, magnitude)
        write_atomic(out, figure)
    return IntegrandReport(ratio, total, magnitude, out)
