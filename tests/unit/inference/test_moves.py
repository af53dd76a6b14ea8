"""The sampler's moves: the lean DE move proposes exactly what emcee's DEMove does, and the
moves recorded in results and checkpoints are read off the move objects themselves."""

from __future__ import annotations

import emcee
import numpy as np
import pytest

from g2fit.inference.sampler import LeanDEMove, RunSettings, describe_moves, fingerprint, moves
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario


@pytest.mark.parametrize("n_complement", [2, 3, 4, 7, 64, 501])
@pytest.mark.parametrize("n_walkers", [1, 5, 64])
def test_lean_de_move_proposes_what_emcee_does(n_complement: int, n_walkers: int) -> None:
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
    # 50000 complementary walkers: emcee would build 2.5e9 pairs (40 GB); ours draws from
    # the same index range and maps each index to a pair of distinct walkers.
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


def test_recorded_moves_follow_the_move_objects() -> None:
    assert describe_moves() == describe_moves(moves())
    changed = [(LeanDEMove(sigma=1e-3), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    assert describe_moves(changed) != describe_moves()
    reweighted = [(move, 0.5) for move, _ in moves()]
    assert describe_moves(reweighted) != describe_moves()
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    identity = fingerprint(likelihood, RunSettings(seed=0, walkers=16, steps=10))
    assert identity["moves"] == describe_moves()
