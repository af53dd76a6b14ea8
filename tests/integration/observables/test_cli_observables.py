"""The installed console script and `python -m g2fit`, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from helpers import POINT

from g2fit import ExpansionWarning, observables


def run(*args: str, module: bool = False) -> subprocess.CompletedProcess[str]:
    if module:
        command = [sys.executable, "-m", "g2fit", *args]
    else:
        script = Path(sys.executable).with_name("g2fit")  # installed beside this Python
        assert script.exists(), "console script g2fit is not installed"
        command = [str(script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_json_output_matches_the_library_and_records_inputs() -> None:
    result = run("observables", *POINT, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    expected = observables(1000.0, 800.0, 0.5, 0.5, 1.0, 0.0)
    for key, value in expected.items():
        assert document["observables"][key] == float(value)
    assert document["constants"]["v"] == 174.10
    assert document["inputs"] == {
        "m_L": 1000.0,
        "m_S": 800.0,
        "Y_L": 0.5,
        "Y_R": 0.5,
        "Y_V": 1.0,
        "Y_Vp": 0.0,
        "cutoff": 1e5,
        "two_loop_top": True,
        "loops": "eft",
    }


def test_table_output_from_python_dash_m() -> None:
    result = run("observables", *POINT, module=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["observable", "value", "meaning"]
    names = [line.split()[0] for line in lines[1:]]
    assert names[:5] == [
        "delta_amu",
        "delta_amu_one_loop",
        "delta_amu_chiral",
        "delta_amu_two_loop_top",
        "delta_mmu_over_mmu",
    ]


def test_constant_override_is_used_and_recorded() -> None:
    result = run("observables", *POINT, "--set", "y_t=0.5", "--no-two-loop-top", "--json")
    document = json.loads(result.stdout)
    assert document["constants"]["y_t"] == 0.5
    assert document["observables"]["delta_amu"] == document["observables"]["delta_amu_one_loop"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--m-L", "abc"], "argument --m-L: not a number: 'abc'"),
        (["--m-L", "-5"], "argument --m-L: must be a positive mass"),
        (["--m-S", "nan"], "argument --m-S: must be finite"),
        (["--Y-L", "inf"], "argument --Y-L: must be finite"),
        (["--cutoff", "0"], "argument --cutoff: must be a positive mass"),
        (["--set", "m_q=1"], "argument --set: unknown constant 'm_q'"),
        (["--set", "m_t=-1"], "argument --set: constant m_t must be a finite positive number"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(args: list[str], needle: str) -> None:
    values = dict(zip(POINT[::2], POINT[1::2], strict=True))
    extra = []
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag in values:
            values[flag] = value
        else:
            extra += [flag, value]
    argv = [item for pair in values.items() for item in pair] + extra
    result = run("observables", *argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("g2fit: error: ")
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_command_and_missing_argument_are_one_line_errors() -> None:
    """(Bare `g2fit` prints its whole usage: tests/integration/test_messages.py.)"""
    for args in (["observables", "--m-L", "1000"], ["no-such-command"]):
        result = run(*args)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1, result.stderr


def _with(**changes: str) -> list[str]:
    """POINT with some of its flags set to other values."""
    values = dict(zip(POINT[::2], POINT[1::2], strict=True))
    values.update({f"--{k.replace('_', '-')}": v for k, v in changes.items()})
    return [item for pair in values.items() for item in pair]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--cutoff", "10"], "cutoff = 10.0 GeV is below m_L = 1000.0 GeV"),
        (["--m-S", "2e5"], "cutoff = 100000.0 GeV is below m_S = 200000.0 GeV"),
    ],
)
def test_cutoff_below_the_masses_is_a_one_line_error(args: list[str], needle: str) -> None:
    result = run("observables", *_with(**{args[0][2:].replace("-", "_"): args[1]}), module=True)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"g2fit: error: {needle}: ")
    assert "eq. 4's log(Lambda/m) assumes the new leptons lie below the cutoff Lambda" in (
        result.stderr
    )


def test_mass_below_m_W_is_computed_with_a_one_line_warning() -> None:
    result = run("observables", *_with(m_S="50"), "--json", module=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.rstrip("\n")
    assert line.startswith("g2fit: ")
    assert "warning: m_S = 50.0 GeV is below m_W = 80.3692 GeV: Delta a_mu (eq. 12" in line
    assert line.endswith("assumes m_L, m_S >> m_W and does not hold there")
    assert "Traceback" not in result.stderr
    # Warned, not changed: the numbers are the library's.
    document = json.loads(result.stdout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExpansionWarning)
        expected = observables(1000.0, 50.0, 0.5, 0.5, 1.0, 0.0)
    for key, value in expected.items():
        assert document["observables"][key] == float(value)


def test_negative_values_in_scientific_notation_are_values() -> None:
    point = ["--m-L", "1000", "--m-S", "800", "--Y-L", "0.5", "--Y-R", "-1e-3"]
    result = run("observables", *point, "--Y-V", "1", "--Y-Vp", "-2.5E+0", "--json")
    assert result.returncode == 0, result.stderr
    inputs = json.loads(result.stdout)["inputs"]
    assert (inputs["Y_R"], inputs["Y_Vp"]) == (-1e-3, -2.5)
