"""The sampler against a poisoned likelihood: chi^2 is NaN, +inf or -inf in bands of m_L that
the paper-2021 posterior visits. The run must complete, never store a point of a band, and
stay deterministic and resumable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import ArrayLike, NDArray

from g2fit.inference.sampler import Chain, RunSettings, initial_positions, run_chain
from g2fit.io.checkpoint import Checkpoint
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario

FloatArray = NDArray[np.float64]

# Bands of m_L (GeV) inside the bulk of the paper-2021 posterior (m_L ~ 650-1000 GeV), and
# the chi^2 the poisoned likelihood returns there. chi^2 = -inf would be ln p = +inf: a
# walker that accepted it would never leave.
BANDS: dict[str, tuple[float, float, float]] = {
    "nan": (800.0, 850.0, np.nan),
    "inf": (900.0, 950.0, np.inf),
    "minus-inf": (700.0, 720.0, -np.inf),
}
SETTINGS = RunSettings(seed=1, walkers=32, steps=600, chunk=200)


def band_masks(theta: FloatArray) -> dict[str, NDArray[np.bool_]]:
    m_L = 10.0 ** np.asarray(theta)[..., 0]
    return {name: (low < m_L) & (m_L < high) for name, (low, high, _) in BANDS.items()}


class PoisonedLikelihood(GlobalLikelihood):
    """paper-2021 with non-finite chi^2 in the BANDS; counts the points asked for in each."""

    def __init__(self) -> None:
        super().__init__(load_scenario("paper-2021"))
        assert self.names[0] == "m_L"
        self.hits = dict.fromkeys(BANDS, 0)
        self.calls = 0

    def chi2(self, theta: ArrayLike) -> FloatArray:
        array = self._theta(theta)
        total = super().chi2(array)
        self.calls += 1
        for name, mask in band_masks(array).items():
            total[mask] = BANDS[name][2]
            self.hits[name] += int(mask.sum())
        return total


def run(folder: Path, settings: RunSettings = SETTINGS) -> tuple[Chain, PoisonedLikelihood]:
    likelihood = PoisonedLikelihood()
    chain = run_chain(likelihood, settings, Checkpoint(folder / "checkpoint"))
    return chain, likelihood


@pytest.fixture(scope="module")
def poisoned_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Chain, PoisonedLikelihood]:
    return run(tmp_path_factory.mktemp("poisoned"))


def test_log_prob_maps_non_finite_chi2_to_minus_infinity() -> None:
    likelihood = PoisonedLikelihood()
    clean = GlobalLikelihood(likelihood.scenario)
    m_L = np.array([660.0, 710.0, 760.0, 825.0, 880.0, 925.0, 1200.0])
    theta = np.column_stack([np.log10(m_L), np.full(7, np.log10(900.0)), np.full((7, 2), 0.6)])
    masks = band_masks(theta)
    poisoned = masks["nan"] | masks["inf"] | masks["minus-inf"]
    np.testing.assert_array_equal(poisoned, [False, True, False, True, False, True, False])
    # The wrapper really returns NaN / +inf / -inf there...
    chi2 = likelihood.chi2(theta)
    assert np.isnan(chi2[3])
    assert chi2[5] == np.inf
    assert chi2[1] == -np.inf
    # ...and log_prob turns every one of them into -inf, leaving the other points alone.
    log_prob = likelihood.log_prob(theta)
    assert not np.any(np.isnan(log_prob))
    np.testing.assert_array_equal(log_prob[poisoned], -np.inf)
    expected = -0.5 * clean.chi2(theta[~poisoned])
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(log_prob[~poisoned], expected, rtol=1e-14, atol=0)


def test_initial_walkers_avoid_the_poisoned_bands() -> None:
    likelihood = PoisonedLikelihood()
    start = initial_positions(likelihood, SETTINGS.walkers, SETTINGS.seed)
    assert start.shape == (SETTINGS.walkers, likelihood.ndim)
    # The prior draws did land in every band (the resampling had something to reject).
    assert all(hits > 0 for hits in likelihood.hits.values()), likelihood.hits
    assert not any(mask.any() for mask in band_masks(start).values())
    assert np.all(np.isfinite(likelihood.log_prob(start)))
    assert len(np.unique(start, axis=0)) == SETTINGS.walkers


def test_chain_completes_and_is_never_poisoned(
    poisoned_run: tuple[Chain, PoisonedLikelihood],
) -> None:
    chain, likelihood = poisoned_run
    shape = (SETTINGS.steps, SETTINGS.walkers)
    assert chain.positions.shape == (*shape, likelihood.ndim)
    assert chain.log_prob.shape == shape
    assert chain.resumed_from == 0
    # The sampler did propose points in every band after the start (not only the initial
    # prior draws): the bands lie where the posterior goes.
    start_calls = 2  # initial_positions' prior draws, then the initial state
    assert likelihood.calls > start_calls + SETTINGS.steps // 2
    hits_after_start = PoisonedLikelihood()
    initial_positions(hits_after_start, SETTINGS.walkers, SETTINGS.seed)
    for name in BANDS:
        assert likelihood.hits[name] > hits_after_start.hits[name], name

    positions = chain.positions.reshape(-1, likelihood.ndim)
    assert np.all(np.isfinite(positions))
    low, high = likelihood.bounds[:, 0], likelihood.bounds[:, 1]
    assert np.all((positions >= low) & (positions <= high))
    assert np.all(likelihood.in_prior(positions))
    for name, mask in band_masks(positions).items():
        assert not mask.any(), f"{mask.sum()} stored positions in the {name} band"
    assert np.all(np.isfinite(chain.log_prob))
    # Stored ln p belongs to the stored position (the clean likelihood agrees there).
    clean = GlobalLikelihood(likelihood.scenario)
    np.testing.assert_allclose(
        chain.log_prob.ravel(), clean.log_prob(positions), rtol=1e-12, atol=1e-12
    )
    # The walkers still cross the bands: they are found on both sides of each.
    m_L = 10.0 ** positions[:, 0]
    for low_m, high_m, _ in BANDS.values():
        assert np.any(m_L <= low_m)
        assert np.any(m_L >= high_m)
    # And they keep moving (no walker stuck for the whole run).
    moved = np.any(chain.positions[1:] != chain.positions[:-1], axis=2)
    assert np.all(moved.any(axis=0))


def test_poisoned_chain_is_deterministic_and_resumes_to_the_same_samples(
    poisoned_run: tuple[Chain, PoisonedLikelihood], tmp_path: Path
) -> None:
    chain, _ = poisoned_run
    again, _ = run(tmp_path / "again")
    np.testing.assert_array_equal(again.positions, chain.positions)
    np.testing.assert_array_equal(again.log_prob, chain.log_prob)

    # Stopped after 400 steps, then resumed to 600 from the checkpoint: the same chain.
    folder = tmp_path / "resumed"
    first, _ = run(folder, RunSettings(seed=1, walkers=32, steps=400, chunk=200))
    np.testing.assert_array_equal(first.positions, chain.positions[:400])
    resumed, _ = run(folder)
    assert resumed.resumed_from == 400
    np.testing.assert_array_equal(resumed.positions, chain.positions)
    np.testing.assert_array_equal(resumed.log_prob, chain.log_prob)


def test_a_different_seed_gives_a_different_chain(
    poisoned_run: tuple[Chain, PoisonedLikelihood], tmp_path: Path
) -> None:
    # Guards the determinism test against a chain that ignores its seed.
    chain, _ = poisoned_run
    other, _ = run(tmp_path / "other", RunSettings(seed=2, walkers=32, steps=200, chunk=200))
    assert not np.array_equal(other.positions, chain.positions[:200])
