"""emcee proposal moves that g2fit ships, each tested against targets with known answers
(tests/unit/inference/test_sampler_targets.py) rather than trusted.

emcee's own DESnookerMove (3.1.6) is not used: it scales the snooker direction by the square
root of its norm instead of the norm and raises the Jacobian to (d - 1)/2 instead of d - 1, so
its chain does not sample the target (it under-weights broad, low-likelihood regions: 25 % of
the current-free-couplings posterior came out as 1 %). SnookerMove below is written from
Ter Braak & Vrugt, Stat. Comput. 18 (2008) 435, with its derivation.

Both red-blue moves accept or reject a half's walkers at once (VectorizedAcceptance).

PriorMove proposes fresh prior draws (independence Metropolis-Hastings): it lets walkers jump
between the narrow g-2 ridge and the broad, SM-like tails that local moves cross slowly.
On paper-2021 it cuts the run-to-run spread of the m_L > 1500 GeV fraction three- to sixfold
at equal cost (benchmarks/run.py, case "mcmc moves, spread").
"""

from __future__ import annotations

from typing import Any

import emcee
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class VectorizedAcceptance(emcee.moves.RedBlueMove):  # type: ignore[misc]
    """emcee's red-blue update with the Metropolis-Hastings test done for all walkers of a
    half at once instead of in a Python loop over them (a quarter of the sampling time at
    64 walkers a half). The same random numbers are drawn in the same order (RandomState's
    rand(n) is n successive rand()), so the chain is the one emcee's loop gives, bit for bit
    (tests/unit/inference/test_moves.py)."""

    def propose(self, model: Any, state: emcee.State) -> tuple[emcee.State, NDArray[np.bool_]]:
        walkers, ndim = state.coords.shape
        if walkers < 2 * ndim and not self.live_dangerously:
            raise RuntimeError("a red-blue move needs at least twice as many walkers as dimensions")
        self.setup(state.coords)
        accepted = np.zeros(walkers, dtype=bool)
        halves = np.arange(walkers) % self.nsplits
        if self.randomize_split:
            model.random.shuffle(halves)
        for split in range(self.nsplits):
            in_split = halves == split
            sets = [state.coords[halves == j] for j in range(self.nsplits)]
            proposal, factors = self.get_proposal(
                sets[split], sets[:split] + sets[split + 1 :], model.random
            )
            log_prob, blobs = model.compute_log_prob_fn(proposal)
            log_u = np.log(model.random.rand(int(in_split.sum())))
            accepted[in_split] = factors + log_prob - state.log_prob[in_split] > log_u
            new_state = emcee.State(proposal, log_prob=log_prob, blobs=blobs)
            state = self.update(state, new_state, accepted, in_split)
        return state, accepted


class LeanDEMove(VectorizedAcceptance, emcee.moves.DEMove):  # type: ignore[misc]
    """emcee's DEMove with the same random draws and proposals, in memory linear in the
    walkers: emcee builds all n (n - 1) ordered pairs of the complementary ensemble (16 n^2
    bytes, 4 GB at 20000 walkers); this maps each drawn pair index to its pair directly."""

    def get_proposal(
        self, s: FloatArray, c: list[FloatArray], random: np.random.RandomState
    ) -> tuple[FloatArray, FloatArray]:
        complement = np.concatenate(c, axis=0)
        ns = s.shape[0]
        n = complement.shape[0]
        half = n * (n - 1) // 2
        index = np.asarray(random.choice(2 * half, size=ns, replace=True), dtype=np.int64)
        # emcee's order: the lower triangle (row i > col j, row-major), then the same swapped.
        swapped = index >= half
        k = np.where(swapped, index - half, index)
        row = ((1.0 + np.sqrt(1.0 + 8.0 * k)) / 2.0).astype(np.int64)
        row -= row * (row - 1) // 2 > k
        row += (row + 1) * row // 2 <= k
        col = k - row * (row - 1) // 2
        first, second = np.where(swapped, col, row), np.where(swapped, row, col)
        diffs = complement[second] - complement[first]
        gamma = self.g0 * (1 + self.sigma * random.randn(ns, 1))
        return s + gamma * diffs, np.zeros(ns, dtype=np.float64)


def distinct_triples(n: int, size: int, random: np.random.RandomState) -> IntArray:
    """`size` ordered triples of distinct indices in [0, n), each uniform over all
    n (n - 1) (n - 2) ordered triples, shape (size, 3); memory linear in `size`."""
    if n < 3:
        raise ValueError(f"need at least 3 walkers in the complementary ensemble, got {n}")
    a = random.randint(n, size=size)
    b = random.randint(n - 1, size=size)
    b += b >= a
    c = random.randint(n - 2, size=size)
    low, high = np.minimum(a, b), np.maximum(a, b)
    c += c >= low
    c += c >= high
    return np.stack([a, b, c], axis=1).astype(np.int64)


class SnookerMove(VectorizedAcceptance):
    """The differential-evolution snooker update (Ter Braak & Vrugt 2008), vectorized.

    For a walker x, three distinct walkers z, z1, z2 of the complementary ensemble are drawn;
    e = (x - z) / |x - z| is the unit vector of the line through z and x, and the proposal
    moves x along that line by gamma times the projection of z1 - z2 onto it:

        x' = x + gamma (e . (z1 - z2)) e,    gamma = `gamma` (1.7 by default).

    Why it leaves the target p invariant: with the complement fixed (emcee's red-blue
    split), z is the same for the move and its reverse, and x' lies on the line through z and
    x, so in polar coordinates around z (x = z + r e) the move changes r alone. The step
    t = gamma e . (z1 - z2) is symmetric (z1 and z2 swap with equal probability), and
    x' - z is parallel to x - z, so e' = +-e and the reverse step is equally likely: the
    proposal is symmetric in r along the line. The density of x in those coordinates is
    p(x) r^(d - 1) (the Jacobian of polar coordinates in d dimensions), so the Metropolis
    ratio is

        p(x') |x' - z|^(d - 1) / (p(x) |x - z|^(d - 1)),

    i.e. the log-factor returned is (d - 1) (ln |x' - z| - ln |x - z|).
    """

    def __init__(self, gamma: float = 1.7, **kwargs: object) -> None:
        self.gamma = gamma
        super().__init__(**kwargs)

    def get_proposal(
        self, s: FloatArray, c: list[FloatArray], random: np.random.RandomState
    ) -> tuple[FloatArray, FloatArray]:
        complement = np.concatenate(c, axis=0)
        ns, ndim = s.shape
        triples = distinct_triples(complement.shape[0], ns, random)
        z, z1, z2 = (complement[triples[:, k]] for k in range(3))
        delta = s - z
        norm = np.linalg.norm(delta, axis=1)
        # a walker on z has no line: it stays where it is (an identity proposal, factor 1)
        apart = norm > 0
        direction = delta / np.where(apart, norm, 1.0)[:, None]
        step = self.gamma * np.einsum("ij,ij->i", direction, z1 - z2)
        proposal = s + step[:, None] * direction
        new_norm = np.linalg.norm(proposal - z, axis=1)
        if ndim == 1:  # no Jacobian on a line
            return proposal, np.zeros(ns)
        with np.errstate(divide="ignore"):  # a proposal on z: ln 0, rejected
            log_ratio = np.log(new_norm) - np.log(np.where(apart, norm, 1.0))
        return proposal, np.where(apart, (ndim - 1.0) * log_ratio, 0.0)


class PriorMove(emcee.moves.Move):  # type: ignore[misc]
    """Independence Metropolis-Hastings from the prior: every walker proposes a fresh draw q
    uniform in the box [low, high] of internal coordinates, where the prior is flat.

    With target p(x) = L(x) prior(x) and proposal density g = prior's box density, the
    Metropolis-Hastings ratio p(q) g(x) / (p(x) g(q)) is p(q) / p(x): the log-probability
    difference alone (-inf where q lies outside the prior's support, e.g. above the Y_L Y_R
    bound). The proposal does not depend on the other walkers, so each walker's update is a
    valid kernel on its own.
    """

    def __init__(self, low: FloatArray, high: FloatArray) -> None:
        self._low = np.asarray(low, dtype=float)
        self._span = np.asarray(high, dtype=float) - self._low
        if not np.all(np.isfinite(self._span) & (self._span > 0)):
            raise ValueError("PriorMove needs a finite box with high > low in every coordinate")

    def propose(self, model: Any, state: emcee.State) -> tuple[emcee.State, NDArray[np.bool_]]:
        walkers, ndim = state.coords.shape
        proposal = self._low + self._span * model.random.rand(walkers, ndim)
        log_prob, blobs = model.compute_log_prob_fn(proposal)
        accepted = np.log(model.random.rand(walkers)) < log_prob - state.log_prob
        new_state = emcee.State(proposal, log_prob=log_prob, blobs=blobs)
        return self.update(state, new_state, accepted), accepted
