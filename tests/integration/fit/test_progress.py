"""fit and compare --scenarios show a line per long stage on a terminal's stderr (issue 17)."""

from __future__ import annotations

import io

import pytest

from g2fit.cli_parser import build_parser
from g2fit.jobs.fit import fit_scenario
from g2fit.jobs.progress import stage_printer
from g2fit.likelihood.scenario import load_scenario


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("enabled", "stream", "shown"),
    [(True, Terminal(), "fit: profile...\n"), (False, Terminal(), ""), (True, io.StringIO(), "")],
)
def test_stages_go_to_a_terminal_unless_disabled(
    enabled: bool, stream: io.StringIO, shown: str
) -> None:
    stage_printer(enabled, stream)("fit: profile...")
    assert stream.getvalue() == shown


def test_fit_announces_each_stage() -> None:
    stages: list[str] = []
    fit_scenario(load_scenario("paper-2021"), n_profile=3, n_profile_2d=2, stage=stages.append)
    assert stages == [
        "fit: paper-2021: scanning the prior, then MIGRAD, HESSE and MINOS...",
        "fit: profile of m_L (3 points)...",
        "fit: profile of m_S (3 points)...",
        "fit: 2-D profile of m_L, m_S (2 x 2 points)...",
        "fit: 95% CL upper limits of m_L, m_S...",
    ]


def test_fit_takes_no_progress() -> None:
    assert build_parser().parse_args(["fit", "--no-progress"]).no_progress
