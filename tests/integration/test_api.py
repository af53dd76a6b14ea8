"""The Python API (g2fit.fit, sample, compare, plane, observables): the commands' results and
files in the commands' folders, InputError (never SystemExit) for bad input, and the arviz
conventions of the posterior (the log_likelihood group)."""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers import POINT, run_cli

import g2fit
from g2fit.config.measurements import Value, load_measurements
from g2fit.errors import ConstantError, InputError
from g2fit.io.posterior import load_inference_data
from g2fit.jobs.compare import ExclusionReport
from g2fit.jobs.compare_scenarios import ComparisonReport
from g2fit.jobs.fit import FitReport
from g2fit.jobs.plane import PlaneReport

#: A small emcee run: 8 walkers (2 x 4 parameters), 40 steps, 10 burnt, every 10th kept.
SMALL = {"walkers": 8, "steps": 40, "progress": False}
KEPT_DRAWS = 2  # steps 10 and 30 of 0..39 (burn-in 40 // 4, thin 20)
#: A small fit: 3-point profiles, a 2 x 2 2-D profile.
SMALL_FIT = {"profile_points": 3, "profile_2d_points": 2}
#: What `import g2fit` must not load: the heavy libraries load on first use.
HEAVY = ("pandas", "scipy", "arviz", "emcee", "matplotlib", "xarray", "ultranest", "iminuit")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder where g2fit.sample and g2fit.fit ran on paper-2021 with their default
    output folder, results/paper-2021."""
    folder = tmp_path_factory.mktemp("project")
    with contextlib.chdir(folder):
        g2fit.sample("paper-2021", **SMALL)
        g2fit.fit("paper-2021", **SMALL_FIT)
    return folder


def test_import_g2fit_loads_no_heavy_library() -> None:
    code = "import sys, g2fit; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert not [name for name in HEAVY if f"'{name}'" in loaded], loaded
    assert all(callable(f) for f in (g2fit.fit, g2fit.sample, g2fit.compare, g2fit.plane))


def test_observables_are_those_the_cli_prints_with_the_decays() -> None:
    printed = run_cli("observables", *POINT, "--json")
    assert printed.returncode == 0, printed.stderr
    expected = json.loads(printed.stdout)["observables"]
    values = g2fit.observables(1000.0, 800.0, 0.5, 0.5, 1.0, 0.0)
    assert set(values) == set(expected) == set(g2fit.OBSERVABLES)
    assert {"m_E", "m_N_doublet", "BR_E_to_SM", "BR_N_to_SM"} <= set(values)
    for name, value in values.items():
        assert float(value) == pytest.approx(expected[name], rel=1e-12, abs=0), name


def test_the_heavy_charged_mass_is_the_mass_matrix_s() -> None:
    # M_E = [[-y v0, 0], [Y_R v0, -m_L]] with y fixed by a light singular value m_mu: its
    # trace and determinant give m_E = m_L sqrt((Y_R^2 v0^2 + m_L^2 - m_mu^2) / (m_L^2 - m_mu^2)),
    # at the G_mu-scheme vev v0 = v sqrt(muon's W coupling at v), here from the SVD.
    from g2fit.model.mass_basis import mass_basis

    k = g2fit.DEFAULT_CONSTANTS
    m_L, Y_R = np.array([300.0, 1000.0, 4000.0]), np.array([0.9, 0.5, 0.1])
    values = g2fit.observables(m_L, 800.0, 0.5, Y_R, 1.0, 0.0)
    point = (m_L, np.full(3, 800.0), np.full(3, 0.5), Y_R, np.ones(3), np.zeros(3))
    v0 = k.v * np.sqrt(mass_basis(point, k).g_L_Wmunu)
    squared = ((Y_R * v0) ** 2 + m_L**2 - k.m_mu**2) / (m_L**2 - k.m_mu**2)
    np.testing.assert_allclose(values["m_E"], m_L * np.sqrt(squared), rtol=1e-12)
    assert values["BR_E_to_SM"].shape == (3,)
    assert "m_E" not in g2fit.observables(1000.0, 800.0, 0.5, 0.5, 1.0, 0.0, decays=False)


def test_a_warning_of_observables_points_at_the_caller() -> None:
    with pytest.warns(g2fit.ExpansionWarning) as caught:
        g2fit.observables(1000.0, 50.0, 0.5, 0.5, 1.0, 0.0)
    assert [w.filename for w in caught] == [__file__]


def test_fit_writes_fit_json_in_the_cli_s_folder(project: Path) -> None:
    document = json.loads((project / "results" / "paper-2021" / "fit.json").read_text())
    assert (document["scenario"], document["seed"]) == ("paper-2021", 0)
    # The SM pays only the anomaly: (2.51e-9 / 0.59e-9)^2 (eq. 1); every bound allows it.
    entry = load_measurements()["delta_amu_paper_2021"]
    assert isinstance(entry, Value)
    assert document["chi2_sm"] == pytest.approx((entry.value / entry.uncertainty) ** 2, rel=1e-12)


def test_fit_returns_the_report_the_command_prints(tmp_path: Path) -> None:
    report = g2fit.fit("paper-2021", out=tmp_path / "run", constants={"m_t": 173.0}, **SMALL_FIT)
    assert isinstance(report, FitReport)
    assert report.path == tmp_path / "run" / "fit.json"
    written = json.loads(report.path.read_text())
    for field in ("chi2_min", "best_fit", "upper_limits_95"):
        assert written[field] == report.document[field]
    assert report.document["inputs"]["constants"]["m_t"] == 173.0
    assert report.table().startswith("scenario paper-2021:")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"scenario": "paper-2022"}, "unknown scenario 'paper-2022'; valid: "),
        ({"futures": "ilc,lhc-3000"}, "unknown future 'lhc-3000'"),
        ({"seed": -1}, r"seed: must lie in \[0, 4294967295\], got -1"),
        ({"seed": 1.5}, "seed: must be an integer, got 1.5"),
        ({"profile_points": True}, "profile_points: must be an integer, got True"),
        ({"loops": "two-loop"}, "loops must be one of eft, exact"),
        ({"constants": {"alpha": 1.0}}, "constants: unknown constant 'alpha'; valid: m_W, "),
        ({"constants": {"m_t": -1.0}}, "constants: constant m_t must be a finite positive"),
        ({"constants": {"y_t": 1e300}}, r"constants: constant y_t must lie in \[1e-10, 1e10\]"),
        ({"out": ""}, "out: must name a folder or file, got ''"),
    ],
)
def test_fit_refuses_bad_input_with_an_input_error(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    arguments = {"out": tmp_path / "run", **arguments}
    with pytest.raises(InputError, match=message):
        g2fit.fit(**arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "run" / "fit.json").exists()


def test_a_constant_the_scenario_cannot_take_is_a_constant_error(tmp_path: Path) -> None:
    with pytest.raises(ConstantError, match=r"^constant m_W = 200.0 GeV lies above the m_L"):
        g2fit.fit(out=tmp_path, constants={"m_W": 200.0})


def test_sample_writes_the_posterior_in_the_cli_s_folder(project: Path) -> None:
    frame = g2fit.load_posterior(project / "results" / "paper-2021")
    assert len(frame) == SMALL["walkers"] * KEPT_DRAWS
    assert {"m_L", "m_S", "Y_L", "Y_R", "m_E", "BR_N_to_SM"} <= set(frame)


def test_sample_again_is_already_complete(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = g2fit.sample("paper-2021", **SMALL)
    assert isinstance(result, g2fit.SampleResult)
    assert (result.sampler, result.steps, result.run.resumed_from) == ("emcee", 40, 40)
    assert result.already_complete
    assert result.out == Path("results/paper-2021")
    assert list(result.summary.index[:4]) == ["m_L", "m_S", "Y_L", "Y_R"] == list(result.parameters)
    assert len(result.posterior()) == SMALL["walkers"] * KEPT_DRAWS
    assert result.table().splitlines()[0].startswith("variable")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sampler": "hmc"}, "sampler: must be one of emcee, nested, got 'hmc'"),
        ({"sampler": "nested", "steps": 100}, "steps: not an argument of sampler='nested'"),
        ({"live_points": 100}, "live_points: not an argument of sampler='emcee'"),
        ({"walkers": 0}, r"walkers: must lie in \[1, 100000\], got 0"),
        ({"walkers": 6}, "argument --walkers: need at least 2 x 4 parameters = 8 walkers"),
        ({"sampler": "nested", "live_points": 5}, r"live_points: must lie in \[10, 100000\]"),
        ({"steps": 10, "burn": 10}, r"argument --burn: must lie in \[0, --steps\)"),
    ],
)
def test_sample_refuses_bad_input_with_an_input_error(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        g2fit.sample(out=tmp_path / "run", progress=False, **arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "run" / "posterior.nc").exists()


def test_sample_nested_gives_the_evidence(tmp_path: Path) -> None:
    result = g2fit.sample(
        "paper-2021", sampler="nested", live_points=20, out=tmp_path, progress=False
    )
    assert (result.sampler, result.steps, result.already_complete) == ("nested", None, False)
    assert result.evidence is not None
    attrs = result.inference_data().posterior.attrs
    for key, value in result.evidence.items():
        assert attrs[key] == value
    # ln B = ln Z - ln L_SM, and ln L_SM = -chi2_SM / 2 = -(2.51 / 0.59)^2 / 2 (eq. 1)
    assert result.evidence["log_likelihood_sm"] == pytest.approx(-0.5 * (2.51 / 0.59) ** 2)
    assert result.evidence["log_bayes_factor_vs_sm"] == pytest.approx(
        result.evidence["log_evidence"] - result.evidence["log_likelihood_sm"], rel=1e-12
    )


def test_compare_a_posterior_with_a_cross_check(project: Path, tmp_path: Path) -> None:
    run = project / "results" / "paper-2021"
    other = g2fit.sample("paper-2021", out=tmp_path / "seed1", seed=1, **SMALL).out
    report = g2fit.compare(
        run, futures=["ilc"], out=tmp_path / "cmp", fits=False, cross_check=other
    )
    assert isinstance(report, ExclusionReport)
    assert report.paths == (tmp_path / "cmp" / "exclusion.json", tmp_path / "cmp" / "exclusion.csv")
    assert list(report.document["futures"]) == ["ilc", "lepton-colliders", "all"]
    assert report.document["cross_check"]["b"] == "emcee seed1"
    assert json.loads(report.paths[0].read_text())["run"] == str(run)


def test_compare_scenarios_uses_the_runs_in_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    told: list[str] = []
    report = g2fit.compare(
        scenarios="paper-2021", futures="ilc", nested=False, progress=False, notify=told.append
    )
    assert isinstance(report, ComparisonReport)
    assert told == []  # the posterior and the fit were there: nothing was run
    assert report.paths[0] == Path("results/comparison/comparison.json")
    row = report.document["scenarios"]["paper-2021"]
    fit = json.loads(Path("results/paper-2021/fit.json").read_text())
    assert row["chi2_min"] == fit["chi2_min"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "compare: give exactly one of posterior=RUN_DIR and scenarios="),
        ({"posterior": "a", "scenarios": ["paper-2021"]}, "compare: give exactly one of"),
        ({"scenarios": ["paper-2021"], "cross_check": "prior-mc"}, "cross_check: needs posterior"),
        ({"scenarios": ""}, "scenarios: expected at least one scenario's name"),
        ({"scenarios": ["nope"]}, "unknown scenario 'nope'"),
        ({"posterior": "no-such-run"}, "no-such-run: no g2fit posterior here"),
        ({"posterior": "x", "futures": ["hl-lhc", 3]}, r"futures: expected names \(strings\)"),
    ],
)
def test_compare_refuses_bad_input_with_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, object], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=message):
        g2fit.compare(**arguments)  # type: ignore[call-overload]
    assert list(tmp_path.iterdir()) == []


def test_plane_returns_the_report_and_writes_both_files(tmp_path: Path) -> None:
    report = g2fit.plane("fig5-left", tmp_path / "fig5.png", grid=12)
    assert isinstance(report, PlaneReport)
    assert (report.figure, report.grid) == (tmp_path / "fig5.png", tmp_path / "fig5.nc")
    assert report.figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report.plane.m_L.shape == (12,)
    for grid, out in ((1, "a.png"), (12, "/")):
        with pytest.raises(InputError, match=r"grid: must lie in|must name a \.png file"):
            g2fit.plane("fig5-left", out if out == "/" else tmp_path / out, grid=grid)


# ---------------------------------------------------------------- arviz: the log_likelihood group


def test_the_log_likelihood_group_holds_each_term(project: Path) -> None:
    idata = load_inference_data(project / "results" / "paper-2021")
    terms = list(g2fit.load_scenario("paper-2021").term_names)
    group = idata.log_likelihood
    assert list(group.data_vars) == terms
    assert all(group[t].dims == ("chain", "draw") for t in terms)
    # Each term is -chi^2/2; the likelihood is the posterior's lp inside the flat prior.
    total = sum(group[t].values for t in terms)
    np.testing.assert_allclose(total, idata.sample_stats["lp"].values, rtol=1e-12, atol=0)
    stacked = idata.sample_stats["log_likelihood_terms"].values
    np.testing.assert_array_equal(np.moveaxis(stacked, -1, 0), [group[t].values for t in terms])
    # The g-2 term against eq. 1's Gaussian at the stored Delta a_mu.
    entry = load_measurements()["delta_amu_paper_2021"]
    assert isinstance(entry, Value)
    pull = (idata.posterior["delta_amu"].values - entry.value) / entry.uncertainty
    np.testing.assert_allclose(group["g2-paper-2021"].values, -0.5 * pull**2, rtol=1e-12)


def test_arviz_waic_and_loo_read_a_term(project: Path) -> None:
    import arviz as az

    idata = load_inference_data(project / "results" / "paper-2021")
    log_l = idata.log_likelihood["g2-paper-2021"].values.ravel()
    # WAIC of one observation (Gelman, Hwang & Vehtari 2014): ln mean(L) - var(ln L), the
    # variance over the posterior draws (arviz 0.23 takes it with ddof = 0).
    lppd = math.log(np.mean(np.exp(log_l)))
    with warnings.catch_warnings():  # 24 draws: arviz warns that they are few
        warnings.simplefilter("ignore")
        waic = az.waic(idata, var_name="g2-paper-2021")
        loo = az.loo(idata, var_name="g2-paper-2021")
    assert waic.elpd_waic == pytest.approx(lppd - np.var(log_l), rel=1e-10)
    assert math.isfinite(loo.elpd_loo)
    assert loo.n_data_points == 1
