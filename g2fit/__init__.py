"""g2fit: fits and inference for the vector-like lepton model of muon (g-2).

Model of Arkani-Hamed & Harigaya, "Naturalness and the muon magnetic moment",
arXiv:2106.01373. Nothing heavy is imported here.
"""

from g2fit.constants import DEFAULT_CONSTANTS, HIGGS_VEV_GEV, Constants
from g2fit.errors import InputError
from g2fit.loops import loop_function_F
from g2fit.physics import OBSERVABLES, PerturbativityWarning, observables

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_CONSTANTS",
    "HIGGS_VEV_GEV",
    "OBSERVABLES",
    "Constants",
    "InputError",
    "PerturbativityWarning",
    "__version__",
    "loop_function_F",
    "observables",
]
