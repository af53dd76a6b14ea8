"""Posteriors as arviz InferenceData (netCDF) and pandas: the one module that touches arviz.

posterior group: the free parameters (physical units, GeV) and the derived observables;
log_likelihood: ln L = -chi^2/2 of each likelihood term, one variable per term (its name),
dims (chain, draw), as arviz's loo and waic read it (each term an observation);
sample_stats: lp (ln posterior), accepted, and log_likelihood_terms (the same ln L, dim `term`);
attrs: scenario, inputs, seed, settings, g2fit version, constants (JSON strings).
Walkers are arviz's chains and steps its draws.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from g2fit.errors import InputError
from g2fit.io.files import POSTERIOR_FILE, complete_interrupted_writes, netcdf_bytes
from g2fit.likelihood.global_likelihood import GlobalLikelihood

with warnings.catch_warnings():  # arviz 0.23 announces its 1.0 refactor on import
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az

FloatArray = NDArray[np.float64]

#: Derived observables stored beside the parameters (g2fit.OBSERVABLES, the heavy states'
#: masses and branching ratios of g2fit.model.decays, what the LHC sees of them from
#: g2fit.model.lhc_signal), and Y_L Y_R.
DERIVED = (
    "delta_amu",
    "delta_amu_one_loop",
    "delta_amu_chiral",
    "delta_amu_two_loop_top",
    "delta_mmu_over_mmu",
    "dgL_W",
    "dgR_Zmu",
    "R_tau",
    "m_E",
    "m_N_doublet",
    "BR_E_to_SM",
    "BR_N_to_SM",
    "sigma_pair_13",
    "sigma_covered_13",
    "sigma_covered_14",
    "lhc_uncovered_share",
    "YL_YR",
)
#: Samples whose derived observables and chi^2 terms are computed at once: bounds the
#: intermediates' memory (the exact mode's and the decays' diagonalizations, ~3 kB a sample).
_CHUNK = 100_000


def derived_observables(
    likelihood: GlobalLikelihood, positions: FloatArray
) -> dict[str, FloatArray]:
    """Parameters (physical) and derived observables at (n, d) positions, in chunks."""
    chunks = [
        _derived_chunk(likelihood, positions[start : start + _CHUNK])
        for start in range(0, max(len(positions), 1), _CHUNK)
    ]
    return {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]}


def _derived_chunk(likelihood: GlobalLikelihood, positions: FloatArray) -> dict[str, FloatArray]:
    point = likelihood.point(positions)
    obs = likelihood.observables_at(point)
    values = {name: point[name] for name in likelihood.names}
    values.update({name: obs[name] for name in DERIVED if name in obs})
    values["YL_YR"] = point["Y_L"] * point["Y_R"]
    return values


def build_inference_data(
    likelihood: GlobalLikelihood,
    positions: FloatArray,
    log_prob: FloatArray,
    accepted: NDArray[np.bool_],
    attrs: dict[str, Any],
) -> az.InferenceData:
    """InferenceData from kept steps: positions (steps, walkers, d); log_prob and accepted
    (whether the walker's proposal was accepted at that step), both (steps, walkers)."""
    steps, walkers, ndim = positions.shape
    flat = positions.transpose(1, 0, 2).reshape(-1, ndim)  # walker-major: (chain, draw)
    values = derived_observables(likelihood, flat)
    posterior = {name: value.reshape(walkers, steps) for name, value in values.items()}
    starts = range(0, max(len(flat), 1), _CHUNK)
    chunks = [likelihood.chi2_terms(flat[i : i + _CHUNK]) for i in starts]
    chi2 = {term: np.concatenate([c[term] for c in chunks]) for term in chunks[0]}
    terms = list(chi2)
    per_term = {t: -0.5 * chi2[t].reshape(walkers, steps) for t in terms}
    sample_stats = {
        "lp": log_prob.T,
        "accepted": accepted.T,
        "log_likelihood_terms": np.stack([per_term[t] for t in terms], axis=-1),
    }
    encoded = {
        k: v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
        for k, v in attrs.items()
    }
    with warnings.catch_warnings():  # an ensemble often has more walkers than kept steps
        warnings.filterwarnings("ignore", "More chains", UserWarning)
        idata = az.from_dict(
            posterior=posterior,
            sample_stats=sample_stats,
            log_likelihood=per_term,
            coords={"term": terms},
            dims={"log_likelihood_terms": ["term"]},
        )
    idata["posterior"].attrs.update(encoded)
    return idata


def inference_data_bytes(idata: az.InferenceData) -> bytes:
    """The InferenceData as netCDF bytes, one group per arviz group (readable by arviz)."""
    return netcdf_bytes({group: idata[group] for group in idata.groups()})


def digest_name(name: str) -> str:
    """The hidden file beside a posterior that holds its SHA-256 (.posterior.nc.sha256)."""
    return f".{name}.sha256"


def digest_text(data: bytes) -> str:
    """What the digest file holds: the hex SHA-256 of the posterior's bytes."""
    return hashlib.sha256(data).hexdigest() + "\n"


def _check_digest(candidate: Path) -> None:
    """Refuse a posterior whose bytes differ from those g2fit recorded when it wrote it, before
    the netCDF library parses it (damaged HDF5 structures can crash or hang it). A posterior
    without a digest file beside it (copied alone, or written by hand) is read unchecked."""
    recorded = candidate.with_name(digest_name(candidate.name))
    if not recorded.is_file():
        return
    try:
        with candidate.open("rb") as stream:  # in chunks: a posterior may exceed the memory
            digest = hashlib.file_digest(stream, "sha256").hexdigest() + "\n"
        with recorded.open() as stream:
            same = stream.read(len(digest) + 1) == digest
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{candidate}: cannot be read ({error})") from None
    if not same:
        raise InputError(
            f"{candidate}: not a readable netCDF file (damaged: its SHA-256 differs from the "
            f"one g2fit recorded in {recorded.name} when it wrote the file)"
        )


def _posterior_path(path: str | Path) -> Path:
    path = Path(path)
    candidate = path / POSTERIOR_FILE if path.is_dir() else path
    with contextlib.suppress(OSError):  # a read-only folder is read as it is
        complete_interrupted_writes(candidate.parent)
    if not candidate.is_file():
        raise InputError(f"{path}: no g2fit posterior here (expected {candidate})")
    return candidate


def load_inference_data(path: str | Path) -> az.InferenceData:
    """The InferenceData of a g2fit run: its folder or its posterior.nc."""
    candidate = _posterior_path(path)
    _check_digest(candidate)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = az.from_netcdf(str(candidate))
            for group in idata.groups():  # read now: a damaged file fails here, not later
                idata[group].load()
    except Exception as error:  # netCDF/HDF5 readers raise many types for a damaged file
        raise InputError(
            f"{candidate}: not a readable netCDF file ({type(error).__name__})"
        ) from None
    if "posterior" not in idata.groups() or "g2fit_version" not in idata["posterior"].attrs:
        raise InputError(f"{candidate}: not a g2fit posterior (no g2fit attributes)")
    return idata


def load_posterior(path: str | Path) -> pd.DataFrame:
    """A g2fit posterior as a DataFrame: one row per sample, columns chain, draw, each
    parameter and each derived observable. `path`: a run folder or its posterior.nc.
    """
    idata = load_inference_data(path)
    frame = idata["posterior"].to_dataframe().reset_index()
    frame["chain"] = frame["chain"].astype(np.int64)
    frame["draw"] = frame["draw"].astype(np.int64)
    return frame


def run_attrs(path: str | Path) -> dict[str, Any]:
    """The attributes of a run, JSON fields decoded."""
    attrs = dict(load_inference_data(path).posterior.attrs)
    for key, value in attrs.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                attrs[key] = json.loads(value)
            except (ValueError, RecursionError):
                raise InputError(f"{path}: the posterior's attribute {key!r} is damaged") from None
    return attrs


def effective_sample_size(values: NDArray[np.generic]) -> float:
    """arviz's bulk ESS of one quantity with shape (chain, draw); the sample count if constant."""
    array = np.asarray(values, dtype=float)
    if np.all(array == array.flat[0]):
        return float(array.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(az.ess(array, method="bulk"))


def summarize(
    idata: az.InferenceData, parameters: list[str], tau: dict[str, float], acceptance: float
) -> pd.DataFrame:
    """Median, 68 % and 95 % equal-tailed intervals, R-hat, bulk/tail ESS, tau, acceptance."""
    names = [n for n in [*parameters, *DERIVED] if n in idata["posterior"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        diagnostics: pd.DataFrame = az.summary(
            idata, var_names=names, kind="diagnostics", round_to="none"
        )
    rows = {}
    for name in names:
        samples = idata["posterior"][name].values.ravel()
        q = np.quantile(samples, [0.025, 0.16, 0.5, 0.84, 0.975])
        rows[name] = {
            "median": q[2],
            "q16": q[1],
            "q84": q[3],
            "q2.5": q[0],
            "q97.5": q[4],
            "r_hat": diagnostics.loc[name, "r_hat"],
            "ess_bulk": diagnostics.loc[name, "ess_bulk"],
            "ess_tail": diagnostics.loc[name, "ess_tail"],
            "tau_steps": tau.get(name, np.nan),
            "acceptance": acceptance,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "variable"
    return frame
