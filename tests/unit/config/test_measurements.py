"""data/: every entry loads with its source; bad files are refused with file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import edit_text

from g2fit.config.measurements import Correlated, Value, load_measurements
from g2fit.errors import InputError


def test_every_shipped_entry_has_a_source_and_a_status() -> None:
    entries = load_measurements()
    assert len(entries) >= 20
    for entry in entries.values():
        assert entry.provenance.source.strip()
        assert entry.provenance.status in ("verified", "to-verify")
        if entry.provenance.status == "to-verify":
            assert entry.provenance.note, f"{entry.id}: a to-verify entry must say why"


@pytest.mark.parametrize(
    ("name", "value", "sigma"),
    [  # PHYSICS.md section 3: 2.49(48), 2.62(45), 0.39(64), all e-9
        ("delta_amu_paper_2021", 2.51e-9, 0.59e-9),
        ("delta_amu_wa2023_wp2020", 2.49e-9, 0.48e-9),
        ("delta_amu_wa2025_wp2020", 2.62e-9, 0.45e-9),
        ("delta_amu_wa2025_wp2025", 0.39e-9, 0.64e-9),
    ],
)
def test_delta_amu_combinations(name: str, value: float, sigma: float) -> None:
    entry = load_measurements()[name]
    assert isinstance(entry, Value)
    assert entry.value == pytest.approx(value, abs=0.006e-9)
    assert entry.uncertainty == pytest.approx(sigma, abs=0.006e-9)


def test_ew_fit_covariance_is_the_correlation_scaled_by_the_errors() -> None:
    entry = load_measurements()["ew_fit_2021_muon"]
    assert isinstance(entry, Correlated)
    assert entry.quantities == ("dgL_W", "dgL_Zmu", "dgR_Zmu")
    assert entry.covariance[1, 2] == pytest.approx(0.91 * 1.2e-3 * 1.4e-3, rel=1e-12, abs=0)
    assert entry.covariance[0, 0] == pytest.approx(2.6e-3**2, rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "g2.toml",
            "uncertainty = 22e-11",
            "uncertainty = -22e-11",
            r"g2.toml: \[amu_exp_world_average_2023\] field 'uncertainty': must be positive",
        ),
        (
            "g2.toml",
            "uncertainty = 22e-11",
            "uncertanty = 22e-11",
            r"g2.toml: \[amu_exp_world_average_2023\] field 'uncertanty': unknown field",
        ),
        (
            "tau.toml",
            'source = "HFLAV',
            'xsource = "HFLAV',
            r"tau.toml: \[gmu_over_ge_hflav2022\] field 'xsource': unknown field",
        ),
        (
            "ew.toml",
            "[1.00, -0.11, -0.16]",
            "[1.00, -1.11, -0.16]",
            r"ew.toml: \[ew_fit_2021_muon\] field 'correlation': entries must lie in \[-1, 1\]",
        ),
        (
            "ew.toml",
            "[-0.11, 1.00, 0.91]",
            "[-0.11, 1.00, 0.99]",
            r"ew.toml: \[ew_fit_2021_muon\] field 'correlation': must be symmetric",
        ),
        (
            "ew.toml",
            "0.91],\n    [-0.16, 0.91, 1.00]",
            "0.999],\n    [-0.16, 0.999, 1.00]",
            r"ew.toml: \[ew_fit_2021_muon\] field 'correlation': is not positive definite",
        ),
        (
            "lhc.toml",
            "cl = 0.95",
            'cl = "95%"',
            r"lhc.toml: \[lhc_doublet_paper_2021\] field 'cl': must be a number",
        ),
        (
            "g2.toml",
            'status = "verified"',
            'status = "probably"',
            r"g2.toml: \[delta_amu_paper_2021\] field 'status': must be one of",
        ),
        (
            "g2.toml",
            'subtrahend = "amu_sm_wp2020"',
            'subtrahend = "amu_sm_wp2030"',
            r"field 'subtrahend': no 'value' entry named 'amu_sm_wp2030'",
        ),
        (
            "futures.toml",
            'uncertainty_kind = "relative"',
            'uncertainty_kind = "percent"',
            r"field 'uncertainty_kind': must be one of absolute, relative",
        ),
        (
            "g2.toml",
            "value = 2.51e-9",
            "value = nan",
            r"\[delta_amu_paper_2021\] field 'value': must be finite",
        ),
        ("g2.toml", "[delta_amu_paper_2021]", "[delta_amu_paper_2021", r"g2.toml: not valid TOML"),
        (  # 1e-200 squares to 0 in double precision: the covariance has no Cholesky factor
            "ew.toml",
            "uncertainties = [2.6e-3, 1.2e-3, 1.4e-3]",
            "uncertainties = [2.6e-3, 1e-200, 1.4e-3]",
            r"ew.toml: \[ew_fit_2021_muon\] field 'uncertainties': item 2 = 1e-200: its square",
        ),
        (
            "ew.toml",
            "uncertainties = [2.6e-3, 1.2e-3, 1.4e-3]",
            "uncertainties = [2.6e-3, 1.2e-3, 1e200]",
            r"\[ew_fit_2021_muon\] field 'uncertainties': item 3 = 1e\+200: its square",
        ),
        (
            "g2.toml",
            "uncertainty = 0.59e-9",
            "uncertainty = 1e-200",
            r"g2.toml: \[delta_amu_paper_2021\] field 'uncertainty': 1e-200: its square",
        ),
        (  # rank 2 (rows 2 and 3 opposite); its smallest eigenvalue comes out as +6e-17
            "ew.toml",
            "[1.00, -0.11, -0.16],\n    [-0.11, 1.00, 0.91],\n    [-0.16, 0.91, 1.00],",
            "[1.00, -0.98, 0.98],\n    [-0.98, 1.00, -1.00],\n    [0.98, -1.00, 1.00],",
            r"\[ew_fit_2021_muon\] field 'correlation': is not positive definite",
        ),
    ],
)
def test_bad_data_is_refused_naming_file_entry_and_field(
    data_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit_text(data_copy / file, old, new)
    with pytest.raises(InputError, match=message):
        load_measurements(data_copy)


def test_missing_source_is_refused(data_copy: Path) -> None:
    path = data_copy / "tau.toml"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("source")]
    path.write_text("\n".join(lines))
    with pytest.raises(InputError, match=r"tau.toml: \[R_tau_pdg2020\]: missing field 'source'"):
        load_measurements(data_copy)


def test_an_id_used_twice_is_refused(data_copy: Path) -> None:
    extra = data_copy / "extra.toml"
    extra.write_text((data_copy / "tau.toml").read_text())
    with pytest.raises(InputError, match="used twice"):
        load_measurements(data_copy)
