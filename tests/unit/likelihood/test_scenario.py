"""likelihoods/: scenarios load, combine futures, and refuse bad files before computing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import edit_text

from g2fit.config.scenarios import (
    future_names,
    future_term_names,
    load_term_specs,
    scenario_names,
)
from g2fit.errors import ConstantError, InputError
from g2fit.likelihood.global_likelihood import GlobalLikelihood
from g2fit.likelihood.scenario import load_scenario, load_terms
from g2fit.model.constants import Constants

SCENARIOS = [
    "paper-2021",
    "current",
    "current-lattice",
    "current-ew-restricted",
    "current-tau-belle2",
    "current-plain-cut",
    "current-free-couplings-plain-cut",
    "fig5-left",
    "fig5-right",
]
FUTURES = [
    "hl-lhc",
    "hl-lhc-background-free",
    "hl-lhc-tau-philic",
    "ilc",
    "gigaz",
    "cepc",
    "fcc-ee",
    "lepton-colliders",
    "all",
]


def test_the_required_scenarios_and_futures_ship() -> None:
    assert set(SCENARIOS) <= set(scenario_names())
    assert set(FUTURES) <= set(future_names())


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_loads_and_evaluates_vectorized(name: str) -> None:
    likelihood = GlobalLikelihood(load_scenario(name, FUTURES[-1:]))
    rng = np.random.default_rng(0)
    low, high = likelihood.bounds.T
    theta = low + (high - low) * rng.random((500, likelihood.ndim))
    total = likelihood.chi2(theta)
    terms = likelihood.chi2_terms(theta)
    assert total.shape == (500,)
    assert np.all(np.isfinite(total))
    assert np.all(total >= 0)
    np.testing.assert_allclose(sum(terms.values()), total, rtol=1e-14)
    one_by_one = [likelihood.chi2(theta[i : i + 1])[0] for i in range(0, 500, 50)]
    np.testing.assert_allclose(one_by_one, total[::50], rtol=1e-14)


def test_chi2_of_the_sm_is_the_anomaly_squared_for_the_paper() -> None:
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    assert likelihood.chi2_sm() == pytest.approx((2.51 / 0.59) ** 2, rel=1e-14)
    others = [v for k, v in likelihood.chi2_terms_sm().items() if k != "g2-paper-2021"]
    assert others == [0.0] * len(others)


def test_extends_overrides_fixed_parameters_and_terms() -> None:
    right = load_scenario("fig5-right")
    assert right.fixed == {"Y_V": 0.0, "Y_Vp": 1.0}
    assert [p.name for p in right.parameters] == ["m_L", "m_S", "Y_L", "Y_R"]
    lattice = load_scenario("current-lattice")
    assert "g2-wa2025-wp2025" in [t.name for t in lattice.terms]
    assert lattice.max_YL_YR == 1.0


def test_futures_combine() -> None:
    assert future_term_names("lepton-colliders") == ["ilc-W-universality", "gigaz-Zmu"]
    everything = future_term_names("all")
    for name in ["hl-lhc", "ilc", "gigaz", "cepc", "fcc-ee"]:
        assert set(future_term_names(name)) <= set(everything)


def test_projection_precisions_follow_their_data_entries() -> None:
    terms = {t.name: t for t in load_scenario("paper-2021", ["all"]).terms}
    # A_mu^SM = (gL^2 - gR^2)/(gL^2 + gR^2) with gL = -1/2 + s_W^2, gR = s_W^2, by hand.
    g_L, g_R = -0.5 + 0.23121, 0.23121
    a_mu = (g_L**2 - g_R**2) / (g_L**2 + g_R**2)
    assert terms["fcc-ee-A-mu"].sigma == pytest.approx(2.2e-4 * a_mu, rel=1e-12, abs=0)
    assert terms["fcc-ee-A-mu"].value == pytest.approx(a_mu, rel=1e-12, abs=0)
    assert (terms["gigaz-Zmu"].value, terms["gigaz-Zmu"].sigma) == (0.0, 2e-4)
    assert (terms["ilc-W-universality"].value, terms["ilc-W-universality"].sigma) == (1.0, 6e-4)
    (tau_philic,) = load_terms(["hl-lhc-doublet"])  # the paper's HL-LHC, a reference now
    assert tau_philic.bound == 1250.0  # type: ignore[attr-defined]


def test_prior_box_and_vacuum_stability() -> None:
    likelihood = GlobalLikelihood(load_scenario("paper-2021"))
    inside = np.array([[3.0, 3.0, 0.5, 0.5]])
    outside_box = np.array([[1.0, 3.0, 0.5, 0.5]])
    assert likelihood.in_prior(inside)[0]
    assert not likelihood.in_prior(outside_box)[0]
    assert likelihood.log_prob(outside_box)[0] == -np.inf
    assert likelihood.log_prob(inside)[0] == pytest.approx(-0.5 * likelihood.chi2(inside)[0])
    point = likelihood.point(inside)
    assert point["m_L"][0] == pytest.approx(1000.0)
    assert point["Y_V"][0] == 1.0


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "scenarios/paper-2021.toml",
            "cutoff = 1e5",
            "cutof = 1e5",
            r"paper-2021.toml: \[paper-2021\] field 'cutof': unknown field",
        ),
        (
            "scenarios/paper-2021.toml",
            "range = [100.0, 5000.0]",
            "range = [5000.0, 100.0]",
            r"\[parameters.m_L\] field 'range': low must be below high",
        ),
        (
            "scenarios/paper-2021.toml",
            'prior = "uniform"',
            'prior = "flat"',
            r"\[parameters.Y_L\] field 'prior': must be one of log-uniform, uniform",
        ),
        ("scenarios/paper-2021.toml", "Y_Vp = 0.0", "Y_Vq = 0.0", r"unknown parameter 'Y_Vq'"),
        (
            "scenarios/paper-2021.toml",
            '"lhc-paper-2021"]',
            '"lhc-paper-2012"]',
            r"field 'terms': no term named 'lhc-paper-2012'",
        ),
        (
            "terms/g2.toml",
            'measurement = "delta_amu_paper_2021"',
            'measurement = "delta_amu_2021"',
            r"g2.toml: \[terms.g2-paper-2021\] field 'measurement': no entry 'delta_amu_2021'",
        ),
        (
            "terms/g2.toml",
            'observable = "delta_amu"',
            'observable = "delta_amu_total"',
            r"\[terms.g2-paper-2021\] field 'observable': unknown observable",
        ),
        (
            "terms/tau.toml",
            'form = "pull-excess"',
            'form = "pull_excess"',
            r"\[terms.tau-pdg2020-paper-rule\] field 'form': must be one of",
        ),
        (
            "terms/ew.toml",
            'n_sigma = 2.0\nside = "lower"',
            'n_sigma = 0.5\nside = "upper"',
            r"\[terms.ew-eq17-W\] field 'side': the upper bound .* excludes the SM value",
        ),
    ],
)
def test_bad_likelihood_files_are_refused(
    likelihoods_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit_text(likelihoods_copy / file, old, new)
    with pytest.raises(InputError, match=message):
        load_scenario("paper-2021", folder=likelihoods_copy)


def test_unknown_scenario_and_future_list_the_valid_names() -> None:
    with pytest.raises(InputError, match=r"unknown scenario 'paper-2022'; valid: current, "):
        load_scenario("paper-2022")
    with pytest.raises(InputError, match=r"unknown future 'lep3'; valid: all, cepc"):
        load_scenario("paper-2021", ["lep3"])


@pytest.mark.parametrize(
    ("scenario", "file", "old", "new", "message"),
    [
        (
            "paper-2021",
            "scenarios/paper-2021.toml",
            "[fixed]\nY_V = 1.0",
            "[fixed]\nY_L = 0.5\nY_V = 1.0",
            r"field 'fixed': \['Y_L'\] also listed under 'parameters'",
        ),
        (
            "current",
            "scenarios/current.toml",
            'extends = "paper-2021"',
            'extends = "paper-2021"\nfixed = 5',
            r"\[current\] field 'fixed': must be a table",
        ),
        (
            "current",
            "scenarios/current.toml",
            'extends = "paper-2021"',
            'extends = "current-lattice"',
            r"scenario 'current' extends itself",
        ),
    ],
)
def test_bad_scenario_structure_is_refused(
    likelihoods_copy: Path, scenario: str, file: str, old: str, new: str, message: str
) -> None:
    edit_text(likelihoods_copy / file, old, new)
    with pytest.raises(InputError, match=message):
        load_scenario(scenario, folder=likelihoods_copy)


def test_future_with_malformed_terms_is_refused(likelihoods_copy: Path) -> None:
    (likelihoods_copy / "futures" / "ilc.toml").write_text('description = "x"\nterms = 5\n')
    with pytest.raises(InputError, match=r"ilc.toml: \[ilc\] field 'terms': must be a table"):
        load_scenario("paper-2021", ["ilc"], folder=likelihoods_copy)


EXPANSION_WHY = (
    r": Delta a_mu \(eq\. 12, the leading term of an expansion in m_W\^2/m\^2, and eq\. 14, "
    r"computed far above the weak scale\) assumes m_L, m_S >> m_W$"
)
CUTOFF_WHY = r": eq\. 4's log\(Lambda/m\) assumes the new leptons lie below the cutoff Lambda$"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "cutoff = 1e5",
            "cutoff = 4000.0",
            r"paper-2021.toml: \[paper-2021\] field 'cutoff': 4000.0 GeV is below the top of the "
            r"m_L prior range, 5000.0 GeV" + CUTOFF_WHY,
        ),
        (
            "cutoff = 1e5\n",
            "",
            None,  # the default cutoff, 1e5 GeV, is above the 5 TeV priors
        ),
        (
            '[parameters.m_S]\nprior = "log-uniform"\nrange = [100.0, 5000.0]',
            '[parameters.m_S]\nprior = "log-uniform"\nrange = [100.0, 5e6]',
            r"\[paper-2021\] field 'cutoff': 100000.0 GeV is below the top of the m_S prior "
            r"range, 5000000.0 GeV" + CUTOFF_WHY,
        ),
        (
            '[parameters.m_L]\nprior = "log-uniform"\nrange = [100.0, 5000.0]',
            '[parameters.m_L]\nprior = "log-uniform"\nrange = [10.0, 5000.0]',
            r"paper-2021.toml: \[parameters.m_L\] field 'range': starts at m_L = 10.0 GeV, below "
            r"m_W = 80.3692 GeV" + EXPANSION_WHY,
        ),
        (
            '[parameters.m_S]\nprior = "log-uniform"\nrange = [100.0, 5000.0]',
            '[parameters.m_S]\nprior = "uniform"\nrange = [80.0, 5000.0]',
            r"\[parameters.m_S\] field 'range': starts at m_S = 80.0 GeV, below m_W = 80.3692 GeV"
            + EXPANSION_WHY,
        ),
    ],
)
def test_cutoff_below_the_masses_and_priors_below_m_W_are_refused(
    likelihoods_copy: Path, old: str, new: str, message: str | None
) -> None:
    edit_text(likelihoods_copy / "scenarios" / "paper-2021.toml", old, new)
    if message is None:
        assert load_scenario("paper-2021", folder=likelihoods_copy).cutoff == 1e5
        return
    with pytest.raises(InputError, match=message) as error:
        load_scenario("paper-2021", folder=likelihoods_copy)
    assert "\n" not in str(error.value)


def test_default_cutoff_below_the_priors_says_it_is_the_default(likelihoods_copy: Path) -> None:
    path = likelihoods_copy / "scenarios" / "paper-2021.toml"
    edit_text(path, "cutoff = 1e5\n", "")
    edit_text(path, "range = [100.0, 5000.0]", "range = [100.0, 2e5]")
    message = r"'cutoff': 100000.0 GeV \(the default\) is below the top of the m_L prior range"
    with pytest.raises(InputError, match=message):
        load_scenario("paper-2021", folder=likelihoods_copy)


@pytest.mark.parametrize(
    ("fixed", "cutoff", "message"),
    [
        (
            "m_S = 50.0",
            "",
            r"\[wide.fixed\] field 'm_S': m_S = 50.0 GeV is below m_W = 80.3692 GeV"
            + EXPANSION_WHY,
        ),
        (
            "m_S = 2e5",
            "",
            r"\[wide\] field 'cutoff': 100000.0 GeV is below the fixed m_S, 200000.0 GeV"
            + CUTOFF_WHY,
        ),
        (
            "m_L = 3000.0",
            "cutoff = 2999.0",
            r"\[wide\] field 'cutoff': 2999.0 GeV is below the top of the m_S prior range, 5000.0",
        ),
        ("m_L = 3000.0", "cutoff = 5000.0", None),
        (
            "m_S = 1e13",
            "cutoff = 1e13",
            r"\[wide.fixed\] field 'm_S': m_S = 10000000000000.0 GeV lies above 1e\+12 GeV",
        ),
    ],
)
def test_fixed_masses_below_m_W_or_above_the_cutoff_are_refused(
    likelihoods_copy: Path, fixed: str, cutoff: str, message: str | None
) -> None:
    # A scenario extending paper-2021 that fixes one mass (and inherits cutoff = 1e5).
    (likelihoods_copy / "scenarios" / "wide.toml").write_text(
        f'description = "test"\nextends = "paper-2021"\n{cutoff}\n[fixed]\n{fixed}\n'
    )
    if message is None:
        scenario = load_scenario("wide", folder=likelihoods_copy)
        assert (scenario.cutoff, scenario.fixed["m_L"]) == (5000.0, 3000.0)
        return
    with pytest.raises(InputError, match=message):
        load_scenario("wide", folder=likelihoods_copy)


def test_m_W_of_the_prior_check_follows_the_constants() -> None:
    # The shipped priors start at 100 GeV: refused only where m_W is above that, and then the
    # constant is named, not the scenario's file, which is fine with the default m_W.
    load_scenario("paper-2021", constants=Constants(m_W=100.0))
    message = (
        r"^constant m_W = 120.0 GeV lies above the m_L prior's start, 100.0 GeV"
        + EXPANSION_WHY.removesuffix("$")
        + r"; choose m_W below 100.0 GeV$"
    )
    with pytest.raises(ConstantError, match=message):
        load_scenario("paper-2021", constants=Constants(m_W=120.0))


def test_m_W_above_a_fixed_mass_names_the_constant(likelihoods_copy: Path) -> None:
    (likelihoods_copy / "scenarios" / "wide.toml").write_text(
        'description = "test"\nextends = "paper-2021"\n[fixed]\nm_S = 90.0\n'
    )
    message = r"^constant m_W = 95.0 GeV lies above the fixed m_S = 90.0 GeV: "
    with pytest.raises(ConstantError, match=message):
        load_scenario("wide", folder=likelihoods_copy, constants=Constants(m_W=95.0))


M_L_PRIOR = '[parameters.m_L]\nprior = "log-uniform"\nrange = [100.0, 5000.0]'
BEYOND = r" lies above 1e\+12 GeV, the largest mass g2fit evaluates"


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        (
            [(M_L_PRIOR, M_L_PRIOR.replace("5000.0", "1e299")), ("cutoff = 1e5", "cutoff = 1e300")],
            r"paper-2021.toml: \[parameters.m_L\] field 'range': its top, m_L = 1e\+299 GeV,"
            + BEYOND,
        ),
        (
            [("cutoff = 1e5", "cutoff = 1e13")],
            r"paper-2021.toml: \[paper-2021\] field 'cutoff': 10000000000000.0 GeV" + BEYOND,
        ),
        (
            [(M_L_PRIOR, M_L_PRIOR.replace("5000.0", "1e12")), ("cutoff = 1e5", "cutoff = 1e12")],
            None,
        ),
    ],
)
def test_masses_beyond_the_evaluable_range_are_refused(
    likelihoods_copy: Path, edits: list[tuple[str, str]], message: str | None
) -> None:
    path = likelihoods_copy / "scenarios" / "paper-2021.toml"
    for old, new in edits:
        edit_text(path, old, new)
    if message is None:
        assert load_scenario("paper-2021", folder=likelihoods_copy).parameters[0].high == 1e12
        return
    with pytest.raises(InputError, match=message):
        load_scenario("paper-2021", folder=likelihoods_copy)


@pytest.mark.parametrize("field", ["m_L_range", "m_S_range"])
def test_plane_mass_range_below_m_W_is_refused(likelihoods_copy: Path, field: str) -> None:
    from g2fit.config.planes import load_plane

    path = likelihoods_copy / "planes" / "fig5-left.toml"
    assert load_plane("fig5-left", likelihoods_copy).m_L_range == (100.0, 5000.0)
    edit_text(path, f"{field} = [100.0, 5000.0]", f"{field} = [1e-3, 5000.0]")
    message = (
        rf"fig5-left.toml: \[fig5-left\] field '{field}': starts at 0.001 GeV, below "
        r"m_W = 80.3692 GeV" + EXPANSION_WHY
    )
    with pytest.raises(InputError, match=message):
        load_plane("fig5-left", likelihoods_copy)


def test_every_term_records_the_form_its_file_names() -> None:
    scenario = load_scenario("paper-2021")
    forms = {
        name: entry.table["form"]
        for name, entry in load_term_specs().items()
        if name in {t.name for t in scenario.terms}
    }
    assert {t.name: t.form for t in scenario.terms} == forms
    assert forms["tau-pdg2020-paper-rule"] == "pull-excess"


def test_modules_in_the_old_place_are_named_with_where_they_go(likelihoods_copy: Path) -> None:
    (likelihoods_copy / "terms" / "g2.toml").rename(likelihoods_copy / "g2.toml")
    with pytest.raises(InputError, match=r"likelihood modules live in .*terms/.*move g2.toml"):
        load_scenario("paper-2021", folder=likelihoods_copy)
