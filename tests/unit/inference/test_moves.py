"""The sampler's moves: the lean DE move proposes exactly what emcee's DEMove does, the snooker
move proposes along the line through z and x with the factor (d - 1) ln(|x' - z| / |x - z|),
and the moves recorded in results and checkpoints are read off the move objects themselves.

Whether the moves sample their targets is tested in test_sampler_targets.py."""

from __future__ import annotations

import math

import emcee
import numpy as np
import pytest

from g2fit.inference.moves import LeanDEMove, PriorMove, SnookerMove, distinct_triples
from g2fit.inference.sampler import (
    RunSettings,
    VectorizedSampler,
    describe_moves,
    fingerprint,
    moves,
)
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario


@pytest.mark.parametrize("n_complement", [2, 3, 4, 7, 64, 501])
@pytest.mark.parametrize("n_walkers", [1, 5, 64])
def test_lean_de_move_proposes_what_emcee_does(n_complement: int, n_walkers: int) -> None:
    """Same random stream, same proposals and factors as emcee's DEMove."""
    rng = np.random.default_rng(n_complement * 1000 + n_walkers)
    walkers = rng.normal(size=(n_walkers, 4))
    complement = [rng.normal(size=(n_complement, 4))]
    ours, emcees = LeanDEMove(), emcee.moves.DEMove()
    ours.setup(walkers)
    emcees.setup(walkers)
    seed = n_complement + 17 * n_walkers
    q_ours, f_ours = ours.get_proposal(walkers, complement, np.random.RandomState(seed))
    q_emcee, f_emcee = emcees.get_proposal(walkers, complement, np.random.RandomState(seed))
    np.testing.assert_array_equal(q_ours, q_emcee)
    np.testing.assert_array_equal(f_ours, f_emcee)


def test_lean_de_move_pairs_are_distinct_walkers_at_large_sizes() -> None:
    """At 50000 complementary walkers every drawn pair is two distinct walkers, both orders."""
    # emcee would build 2.5e9 pairs (40 GB); ours draws from the same index range and maps
    # each index to a pair of distinct walkers.
    n = 50_000
    complement = [np.arange(n, dtype=float)[:, None] * np.ones((1, 2))]
    walkers = np.zeros((2000, 2))
    move = LeanDEMove(sigma=0.0, gamma0=1.0)
    move.setup(walkers)
    proposal, _ = move.get_proposal(walkers, complement, np.random.RandomState(1))
    differences = proposal[:, 0]  # c[second] - c[first] with gamma = 1
    assert np.all(differences != 0)
    assert np.all(np.abs(differences) <= n - 1)
    assert np.all(differences == np.round(differences))
    assert (differences > 0).mean() == pytest.approx(0.5, abs=0.05)  # both orders drawn


@pytest.mark.parametrize("ndim", [1, 2, 5])
def test_snooker_proposes_along_the_line_through_z_and_x(ndim: int) -> None:
    """x' = x + gamma (e . (z1 - z2)) e with e = (x - z) / |x - z|, and the log factor is
    (d - 1) ln(|x' - z| / |x - z|), walker by walker by hand."""
    rng = np.random.default_rng(ndim)
    walkers = rng.normal(size=(40, ndim))
    complement = rng.normal(size=(7, ndim))
    gamma = 1.3
    proposal, factor = SnookerMove(gamma=gamma).get_proposal(
        walkers, [complement[:3], complement[3:]], np.random.RandomState(5)
    )
    # The move draws nothing but the triples (z, z1, z2), so the same seed gives them.
    triples = distinct_triples(len(complement), len(walkers), np.random.RandomState(5))
    assert proposal.shape == walkers.shape
    assert factor.shape == (len(walkers),)
    for x, x_new, f, (i, i1, i2) in zip(walkers, proposal, factor, triples, strict=True):
        z, z1, z2 = complement[i], complement[i1], complement[i2]
        norm = math.dist(x, z)
        e = [(a - b) / norm for a, b in zip(x, z, strict=True)]
        step = gamma * sum(u * (a - b) for u, a, b in zip(e, z1, z2, strict=True))
        expected = [a + step * u for a, u in zip(x, e, strict=True)]
        np.testing.assert_allclose(x_new, expected, rtol=1e-12, atol=1e-12)
        # x' - z is parallel to x - z: no component of it across the line
        along = sum((a - b) * u for a, b, u in zip(x_new, z, e, strict=True))
        across = [a - b - along * u for a, b, u in zip(x_new, z, e, strict=True)]
        assert max(abs(a) for a in across) < 1e-12
        assert f == pytest.approx((ndim - 1) * math.log(math.dist(x_new, z) / norm), abs=1e-12)
    assert np.any(factor != 0) == (ndim > 1)


def test_snooker_proposal_moves_by_the_projected_difference() -> None:
    """With three complementary walkers on the axes, the step is gamma (e . (z1 - z2))."""
    # x on the first axis, z at the origin: e = (1, 0); z1 - z2 projects onto e as its first
    # component, whatever order the three walkers are drawn in.
    complement = np.array([[0.0, 0.0], [2.0, 5.0], [-1.0, 3.0]])
    walkers = np.array([[4.0, 0.0]])
    for seed in range(20):
        proposal, factor = SnookerMove(gamma=1.0).get_proposal(
            walkers, [complement], np.random.RandomState(seed)
        )
        z, z1, z2 = complement[distinct_triples(3, 1, np.random.RandomState(seed))[0]]
        e = (walkers[0] - z) / np.linalg.norm(walkers[0] - z)
        np.testing.assert_allclose(proposal[0], walkers[0] + np.dot(e, z1 - z2) * e)
        ratio = np.linalg.norm(proposal[0] - z) / np.linalg.norm(walkers[0] - z)
        assert factor[0] == pytest.approx(math.log(ratio))


def test_recorded_moves_follow_the_move_objects() -> None:
    """A different move, setting or weight gives a different record; runs record the default."""
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    mixture = moves(likelihood.bounds)
    default = describe_moves(mixture)
    assert describe_moves(moves(likelihood.bounds)) == default
    (de, w_de), (snooker, w_snooker), (prior, w_prior) = mixture
    for changed in (
        [(LeanDEMove(sigma=1e-3), w_de), (snooker, w_snooker), (prior, w_prior)],
        [(de, w_de), (SnookerMove(gamma=1.0), w_snooker), (prior, w_prior)],
        [(de, w_de), (emcee.moves.DESnookerMove(), w_snooker), (prior, w_prior)],
        [(de, 0.5), (snooker, 0.4), (prior, w_prior)],
        [(de, w_de), (snooker, w_snooker)],
    ):
        assert describe_moves(changed) != default
    identity = fingerprint(likelihood, RunSettings(seed=0, walkers=16, steps=10))
    assert identity["moves"] == default


def test_a_walker_on_its_snooker_centre_stays_put() -> None:
    """x = z has no line through z: the proposal is x itself with factor 1, no NaN."""
    walkers = np.array([[0.3, 0.4], [0.3, 0.4], [0.3, 0.4], [0.3, 0.4]])
    proposal, log_factor = SnookerMove().get_proposal(
        walkers[:1], [walkers[1:]], np.random.RandomState(0)
    )
    np.testing.assert_array_equal(proposal, walkers[:1])
    np.testing.assert_array_equal(log_factor, [0.0])


class _LoopedDE(LeanDEMove):  # type: ignore[misc]
    """LeanDEMove's proposals with emcee's own red-blue update (its walker-by-walker test)."""

    propose = emcee.moves.RedBlueMove.propose


class _LoopedSnooker(SnookerMove):  # type: ignore[misc]
    propose = emcee.moves.RedBlueMove.propose


def _ridge(x: np.ndarray) -> np.ndarray:
    """A curved, box-bounded density: many rejections, some -inf proposals."""
    inside = np.all(np.abs(x) < 3.0, axis=1)
    lp = -0.5 * (x[:, 0] ** 2 + 10.0 * (x[:, 1] - 0.5 * x[:, 0] ** 2) ** 2 + x[:, 2] ** 2)
    return np.where(inside, lp, -np.inf)


def _chain(sampler_class: type, mixture: list, seed: int) -> tuple[np.ndarray, np.ndarray]:
    start = np.random.default_rng(seed).normal(scale=0.3, size=(24, 3))
    sampler = sampler_class(24, 3, _ridge, vectorize=True, moves=mixture)
    state = emcee.State(start, random_state=np.random.RandomState(seed).get_state())
    sampler.run_mcmc(state, 300)
    return sampler.get_chain(), sampler.get_log_prob()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorized_update_gives_emcees_chain_bit_for_bit(seed: int) -> None:
    """The half-at-once acceptance and the batch ln p give the chain that emcee's
    walker-by-walker loop and its value-by-value conversion give, to the last bit."""
    bounds = np.array([[-3.0, 3.0]] * 3)

    def mixture(looped: bool) -> list:
        de, snooker = (_LoopedDE, _LoopedSnooker) if looped else (LeanDEMove, SnookerMove)
        return [(de(), 0.6), (snooker(), 0.3), (PriorMove(*bounds.T), 0.1)]

    ours = _chain(VectorizedSampler, mixture(looped=False), seed)
    emcees = _chain(emcee.EnsembleSampler, mixture(looped=True), seed)
    assert np.any(ours[0][1:] != ours[0][:-1])  # the chain moved
    np.testing.assert_array_equal(ours[0], emcees[0])
    np.testing.assert_array_equal(ours[1], emcees[1])


@pytest.mark.parametrize(
    ("log_prob", "coords", "message"),
    [
        (_ridge, np.array([[0.0, np.inf, 0.0]]), "infinite or NaN"),
        (_ridge, np.array([[np.nan, 0.0, 0.0]]), "infinite or NaN"),
        (lambda x: np.full(len(x), np.nan), np.zeros((2, 3)), "returned NaN"),
    ],
)
def test_vectorized_sampler_refuses_what_emcee_refuses(log_prob, coords, message) -> None:  # type: ignore[no-untyped-def]
    """A non-finite position or a NaN ln p is an error, as in emcee's compute_log_prob."""
    sampler = VectorizedSampler(2, 3, log_prob, vectorize=True)
    with pytest.raises(ValueError, match=message):
        sampler.compute_log_prob(coords)
    with pytest.raises(ValueError, match=r"infinite|NaN"):  # emcee's own refuses the same
        emcee.EnsembleSampler(2, 3, log_prob, vectorize=True).compute_log_prob(coords)
