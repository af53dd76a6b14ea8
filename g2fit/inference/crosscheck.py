"""Do two posteriors of one scenario agree? A check across independent engines (emcee, nested
sampling, plain Monte Carlo over the prior) that convergence diagnostics cannot replace:
tau and R-hat see a chain mix, not whether it mixes over the right density.

Every comparison is of a posterior probability, estimated in both posteriors with its
Monte-Carlo error: for each parameter and quantile level q, the probability below A's
q-quantile (q in A, F_B(x_q) in B); for each fraction (an excluded fraction), the fraction.
The error of a chain's estimate is from batch means (BATCHES consecutive blocks of steps,
all walkers pooled): the walkers of an ensemble are not independent chains, and a tail
quantity can mix far more slowly than the bulk, so per-walker ESS would understate it. The
error of a weighted sample (prior Monte Carlo) is the delta-method error of its ratio
estimator, at least the binomial error of its Kish effective size. z = difference / combined
error is read against Student's t with the Welch-Satterthwaite degrees of freedom, and the
posteriors agree when the family-wise
p-value (the smallest p times the number of comparisons, Bonferroni) exceeds AGREEMENT_P.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]

#: Quantile levels compared for every parameter.
QUANTILES = (0.025, 0.16, 0.5, 0.84, 0.975)
#: Consecutive blocks of a chain whose means give its Monte-Carlo error: few and long, since
#: tail quantities mix slowly; Student's t with BATCHES - 1 degrees of freedom pays for few.
BATCHES = 5
#: Family-wise p-value below which two posteriors disagree: correct posteriors are called
#: different in at most 1 % of checks.
AGREEMENT_P = 0.01


@dataclasses.dataclass(frozen=True)
class Draws:
    """Posterior draws of named quantities, shape (n,) each. Either a chain's equally
    weighted draws in (chain, draw) order, chain-major (`shape` = (chains, draws)), or a
    weighted sample of independent draws (`weights`, normalized)."""

    label: str
    values: dict[str, FloatArray]
    shape: tuple[int, int] | None = None
    weights: FloatArray | None = None
    fractions: tuple[str, ...] = ()


def estimate(draws: Draws, indicator: NDArray[np.bool_] | FloatArray) -> tuple[float, float, float]:
    """The posterior mean of a 0/1 indicator over the draws, its Monte-Carlo error and the
    error's degrees of freedom (inf for a weighted sample of independent draws)."""
    values = np.asarray(indicator, dtype=float)
    if draws.weights is not None:
        w = draws.weights
        f = float(np.sum(w * values))
        delta_method = math.sqrt(float(np.sum(w**2 * (values - f) ** 2)))
        # heavy-tailed weights make the delta method optimistic: never below the binomial
        # error of Kish's effective size n (f regularized by Laplace's rule where n f ~ 0)
        n = 1.0 / float(np.sum(w**2))
        regular = (f * n + 1) / (n + 2)
        return f, max(delta_method, math.sqrt(regular * (1 - regular) / n)), math.inf
    if draws.shape is None:
        raise ValueError(f"{draws.label}: draws need a chain shape or weights")
    # never below the error of independent draws (Laplace's rule where no draw differs)
    laplace = (values.sum() + 1) / (values.size + 2)
    floor = math.sqrt(laplace * (1 - laplace) / values.size)
    f, error, batches = batch_means(values.reshape(draws.shape))
    return f, max(error, floor), batches - 1.0


def batch_means(values: FloatArray, batches: int = BATCHES) -> tuple[float, float, int]:
    """Mean of a (chains, draws) array, its error from the means of `batches` consecutive
    blocks of draws (every chain in each block), and the number of blocks used."""
    draws = values.shape[1]
    if draws < 2:
        raise ValueError("a batch-means error needs at least 2 draws per chain")
    batches = min(batches, draws)
    edges = np.linspace(0, draws, batches + 1).astype(int)
    means = np.array([values[:, a:b].mean() for a, b in itertools.pairwise(edges)])
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches)), batches


def effective_size(values: FloatArray) -> float:
    """The effective sample size of a (chains, draws) quantity from its batch-means error:
    its variance over the error squared, at most the number of draws."""
    variance = float(values.var())
    _, error, _ = batch_means(values)
    if variance == 0 or error == 0:
        return float(values.size)
    return min(variance / error**2, float(values.size))


def _quantile(draws: Draws, name: str, q: float) -> float:
    values = draws.values[name]
    order = np.argsort(values)
    weights = draws.weights if draws.weights is not None else np.full(len(values), 1 / len(values))
    cumulative = np.cumsum(weights[order])
    index = min(int(np.searchsorted(cumulative, q)), len(values) - 1)
    return float(values[order][index])


def _compare(
    quantity: str, a: Draws, b: Draws, in_a: NDArray[Any], in_b: NDArray[Any]
) -> dict[str, Any]:
    (f_a, e_a, dof_a), (f_b, e_b, dof_b) = estimate(a, in_a), estimate(b, in_b)
    error = math.hypot(e_a, e_b)
    spread = e_a**4 / dof_a + e_b**4 / dof_b
    dof = error**4 / spread if spread > 0 else math.inf  # Welch-Satterthwaite
    z = (f_a - f_b) / error
    return {"quantity": quantity, "a": f_a, "b": f_b, "error": error, "z": z,
            "p": float(2 * stats.t.sf(abs(z), dof))}  # fmt: skip


def compare_draws(a: Draws, b: Draws, parameters: list[str]) -> dict[str, Any]:
    """Every comparison of A with B (the probability below each quantile of `parameters`,
    the fractions both have), with z, p, the family-wise p-value and the verdict."""
    rows = []
    for name in parameters:
        for q in QUANTILES:
            x = _quantile(a, name, q)
            rows.append(
                _compare(
                    f"P({name} <= {x:.4g}) [q{100 * q:g} of a]",
                    a,
                    b,
                    a.values[name] <= x,
                    b.values[name] <= x,
                )
            )
    for name in [f for f in a.fractions if f in b.fractions]:
        rows.append(_compare(name, a, b, a.values[name], b.values[name]))
    family_p = min(1.0, min(r["p"] for r in rows) * len(rows))
    return {
        "a": a.label,
        "b": b.label,
        "rows": rows,
        "max_abs_z": max(abs(r["z"]) for r in rows),
        "family_p_value": family_p,
        "agree": bool(family_p > AGREEMENT_P),
        "rule": (
            "the probability below each quantile "
            f"({', '.join(f'{q:g}' for q in QUANTILES)}) of every parameter and every excluded "
            "fraction, each compared within Monte-Carlo errors (batch means for chains); "
            f"agreement when the Bonferroni family-wise p-value exceeds {AGREEMENT_P:g}"
        ),
    }


def format_cross_check(result: dict[str, Any]) -> str:
    """The comparison as a table, worst first, with the verdict."""
    verdict = "agree" if result["agree"] else "DISAGREE"
    lines = [
        f"cross-check a = {result['a']} vs b = {result['b']}: {verdict} (max |z| = "
        f"{result['max_abs_z']:.1f}, family-wise p = {result['family_p_value']:.2g})",
        f"{'probability':<44} {'a':>8} {'b':>8} {'error':>8} {'z':>6}",
    ]
    for row in sorted(result["rows"], key=lambda r: -abs(r["z"]))[:8]:
        lines.append(
            f"{row['quantity']:<44} {row['a']:>8.4f} {row['b']:>8.4f} {row['error']:>8.4f} "
            f"{row['z']:>6.1f}"
        )
    return "\n".join(lines)
