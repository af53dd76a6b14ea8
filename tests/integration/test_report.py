"""`g2fit report`: one self-contained page of a run folder, loaded in headless chromium
(no error event, every figure decoded), its content read back, and the refusals."""

from __future__ import annotations

import html
import json
import re
import tomllib
from pathlib import Path

import pytest
from helpers import load_in_browser, one_line_error, run_cli

from g2fit import __version__


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short paper-2021 chain with its fit and exclusion summary."""
    folder = tmp_path_factory.mktemp("report") / "paper-2021"
    steps = ("--walkers", "16", "--steps", "400")
    assert run_cli("mcmc", "--no-progress", "--out", str(folder), *steps).returncode == 0
    result = run_cli("compare", "--posterior", str(folder), "--futures", "ilc", "--no-fits")
    assert result.returncode == 0, result.stderr
    result = run_cli("report", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"written: {folder / 'report.html'}"
    return folder


def test_the_run_report_is_self_contained(run_folder: Path) -> None:
    page = (run_folder / "report.html").read_text()
    # nothing fetched from elsewhere: no script, no link, every image a data URI
    assert "<script" not in page
    assert "<link" not in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == 1  # the corner plot
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    # its content: the scenario, the convergence verdict, the exclusion, inputs, versions
    assert "g2fit run: paper-2021" in page
    assert "NOT CONVERGED" in page  # 400 steps are far below 50 tau
    excluded = json.loads((run_folder / "exclusion.json").read_text())["futures"]["ilc"]
    assert f"<td>ilc</td><td>{excluded['excluded_fraction']:.3f}</td>" in page
    source = tomllib.loads((Path(__file__).parents[2] / "data/g2.toml").read_text())
    assert html.escape(source["delta_amu_paper_2021"]["source"]) in page  # from data/
    assert f"<td>g2fit</td><td>{__version__}</td>" in page


def test_the_run_report_opens_in_a_browser(run_folder: Path, tmp_path: Path, browser: str) -> None:
    seen = load_in_browser(run_folder / "report.html", tmp_path, browser)
    assert seen["errors"] == []
    images = seen["images"]
    assert isinstance(images, list)
    assert len(images) == 1
    assert images[0]["complete"]
    assert images[0]["width"] > 300  # the corner plot decoded at its size
    assert seen["tables"] >= 4
    from matplotlib.image import imread

    shot = imread(seen["screenshot"])
    assert shot.std() > 0.05  # the page drew something, not a blank window


def test_report_refuses_what_is_not_a_result(tmp_path: Path) -> None:
    one_line_error(run_cli("report", str(tmp_path / "nowhere")), "no such folder")
    one_line_error(run_cli("report", str(tmp_path)), "no g2fit results")


def test_report_out_must_be_html(run_folder: Path, tmp_path: Path) -> None:
    result = run_cli("report", str(run_folder), "--out", str(tmp_path / "page.txt"))
    one_line_error(result, "must end in .html")
    assert not (tmp_path / "page.txt").exists()
    result = run_cli("report", str(run_folder), "--out", str(tmp_path / "page.html"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "page.html").read_text().startswith("<!DOCTYPE html>")
