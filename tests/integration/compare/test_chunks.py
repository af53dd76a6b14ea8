"""D12: compare's and validity's per-point work runs in chunks, with the same results."""

from __future__ import annotations

import numpy as np

from g2fit.jobs.compare import check_futures, excluded_flags, lhc_decay_assumption
from g2fit.jobs.validity import validity_map
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario
from g2fit.model.constants import DEFAULT_CONSTANTS


def test_compare_in_chunks_matches_all_at_once() -> None:
    scenario = load_scenario("paper-2021")
    likelihood = GlobalLikelihood(scenario)
    point = likelihood.point(likelihood.prior_draws(50, np.random.default_rng(3)))
    futures = check_futures(["ilc", "hl-lhc"])
    natural, flags, lhc = excluded_flags(scenario, point, futures, chunk=7)
    natural_all, flags_all, lhc_all = excluded_flags(scenario, point, futures, chunk=10**6)
    np.testing.assert_array_equal(natural, natural_all)
    for future in futures:
        np.testing.assert_array_equal(flags[future], flags_all[future])
    assert lhc_decay_assumption(lhc) == lhc_decay_assumption(lhc_all)


def test_validity_in_chunks_matches_all_at_once() -> None:
    couplings = {"Y_L": 0.7, "Y_R": 0.7, "Y_V": 1.0, "Y_Vp": 0.0}
    blocks = validity_map(couplings, 9, DEFAULT_CONSTANTS, chunk=20)  # 2 rows at a time
    whole = validity_map(couplings, 9, DEFAULT_CONSTANTS, chunk=10**6)
    for name, ratio in whole.ratios.items():
        assert blocks.ratios[name].shape == (9, 9)
        np.testing.assert_array_equal(blocks.ratios[name], ratio)
