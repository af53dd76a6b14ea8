"""`g2fit report DIR`: one self-contained HTML page of a run, a comparison or a grid.

What DIR holds decides the page: a grid (grid.json: the robustness summary, its figure, the
comparison of the members, failures), a comparison (comparison.json: its table, figure,
each scenario's convergence and emcee-vs-nested verdict), or a run (posterior.nc and/or
fit.json: the summary, corner plot, convergence, best fit and limits, the excluded fractions
of exclusion.json, the evidence of a nested run, and the inputs with their sources). Every
page ends with the versions of g2fit and of the libraries it ran with.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import importlib.metadata
import io
import math
from pathlib import Path
from typing import Any

from g2fit import __version__
from g2fit.errors import InputError
from g2fit.io.files import (
    FIT_FILE,
    POSTERIOR_FILE,
    owned_folder,
    read_json_object,
    write_files,
)
from g2fit.io.html_report import Section, render

REPORT_FILE = "report.html"
#: The libraries whose versions a report lists.
LIBRARIES = (
    "numpy",
    "scipy",
    "iminuit",
    "emcee",
    "ultranest",
    "arviz",
    "pandas",
    "matplotlib",
    "h5py",
    "dask",
    "distributed",
)


def _number(value: Any, fmt: str = ".4g") -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and not math.isfinite(value):
        return "none" if value == math.inf else str(value)
    return f"{value:{fmt}}" if isinstance(value, (int, float)) else str(value)


def _png(path: Path, section: Section, caption: str) -> None:
    if path.is_file():
        section.figure(path.read_bytes(), caption)


def _versions() -> Section:
    section = Section("Versions")
    rows = [["g2fit", __version__]]
    for name in LIBRARIES:
        try:
            rows.append([name, importlib.metadata.version(name)])
        except importlib.metadata.PackageNotFoundError:
            rows.append([name, "not installed"])
    section.table(["package", "version"], rows)
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    section.text(f"Report written {now} by g2fit {__version__}.", "small")
    return section


def _csv_table(path: Path, section: Section) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text())))
    if rows:
        section.table(rows[0], [[_cell(c) for c in row] for row in rows[1:]])


def _cell(text: str) -> str:
    try:
        return f"{float(text):.4g}"
    except ValueError:
        return text


def _convergence(convergence: dict[str, Any], section: Section) -> None:
    if convergence.get("converged"):
        section.text(f"Converged: {convergence.get('rule') or 'no rule recorded'}.")
    else:
        section.text("NOT CONVERGED: " + "; ".join(convergence.get("warnings", [])), "warning")


def _run_sections(folder: Path) -> tuple[str, list[Section]]:
    from g2fit.io.posterior import run_attrs

    sections: list[Section] = []
    attrs: dict[str, Any] = {}
    if (folder / POSTERIOR_FILE).is_file():
        attrs = run_attrs(folder)
        posterior = Section("Posterior")
        posterior.text(str(attrs.get("description", "")))
        settings = {
            k: attrs[k]
            for k in ("sampler", "walkers", "steps", "burn", "thin", "seed", "live_points", "loops")
            if k in attrs
        }
        posterior.table(["setting", "value"], [[k, str(v)] for k, v in settings.items()])
        convergence = attrs.get("convergence")
        if isinstance(convergence, dict):
            _convergence(convergence, posterior)
        if (folder / "summary.csv").is_file():
            _csv_table(folder / "summary.csv", posterior)
        _png(folder / "corner.png", posterior, "corner plot of the posterior (masses log10 GeV)")
        if "log_evidence" in attrs:
            posterior.table(
                ["evidence", "value"],
                [[k, _number(attrs[k])] for k in attrs if k.startswith("log_")],
            )
        sections.append(posterior)
    if (folder / FIT_FILE).is_file():
        fit = read_json_object(folder / FIT_FILE)
        attrs = attrs or fit
        best = Section("Best fit and limits")
        best.table(
            ["parameter", "best fit", "95 % CL upper limit"],
            [
                [name, _number(value), _number(fit.get("upper_limits_95", {}).get(name, "-"))]
                for name, value in fit.get("best_fit", {}).items()
            ],
        )
        best.text(
            f"chi2_min = {_number(fit.get('chi2_min'))}, chi2_SM = {_number(fit.get('chi2_sm'))}"
        )
        terms = fit.get("terms", {})
        sm = fit.get("terms_sm", {})
        best.table(
            ["term", "chi2 at the best fit", "chi2 of the SM"],
            [[t, _number(v), _number(sm.get(t))] for t, v in terms.items()],
        )
        sections.append(best)
    if (folder / "exclusion.json").is_file():
        exclusion = read_json_object(folder / "exclusion.json")
        future = Section("What future experiments exclude")
        future.text(str(exclusion.get("test", "")))
        future.table(
            ["future", "excluded fraction", "MC error"],
            [
                [
                    name,
                    _number(v.get("excluded_fraction"), ".3f"),
                    _number(v.get("mc_error"), ".3f"),
                ]
                for name, v in exclusion.get("futures", {}).items()
            ],
        )
        check = exclusion.get("cross_check")
        if isinstance(check, dict):
            verdict = "agree" if check.get("agree") else "DISAGREE"
            future.text(
                f"Cross-check {check.get('a')} vs {check.get('b')}: {verdict} "
                f"(max |z| {_number(check.get('max_abs_z'), '.2f')}); {check.get('rule', '')}",
                "" if check.get("agree") else "warning",
            )
        sections.append(future)
    sections.append(_inputs(attrs))
    title = f"g2fit run: {attrs.get('scenario', folder.name)}"
    return title, sections


def _inputs(attrs: dict[str, Any]) -> Section:
    section = Section("Inputs")
    measurements = attrs.get("measurements")
    if isinstance(measurements, dict):
        rows = [
            [
                term,
                str(m.get("id", "")),
                str(m.get("provenance", {}).get("source", m.get("source", ""))),
                str(m.get("provenance", {}).get("status", m.get("status", ""))),
            ]
            for term, m in measurements.items()
            if isinstance(m, dict)
        ]
        section.table(["term", "measurement", "source", "status"], rows)
    constants = attrs.get("constants")
    if isinstance(constants, dict):
        section.table(["constant", "value"], [[k, _number(v)] for k, v in constants.items()])
    if not section.blocks:
        section.text("No inputs recorded.")
    return section


def _comparison_sections(folder: Path) -> tuple[str, list[Section]]:
    document = read_json_object(folder / "comparison.json")
    table = Section("Scenarios side by side")
    if (folder / "comparison.md").is_file():
        table.markdown_table((folder / "comparison.md").read_text())
    _png(folder / "comparison.png", table, "the scenarios' posteriors and excluded fractions")
    checks = Section("Convergence and cross-checks")
    rows = []
    for name, row in document.get("scenarios", {}).items():
        convergence = row.get("convergence", {})
        check = row.get("cross_check") or {}
        rows.append(
            [
                name,
                "yes" if convergence.get("converged") else "NO",
                "-" if not check else ("agree" if check.get("agree") else "DISAGREE"),
                _number(check.get("max_abs_z"), ".2f") if check else "-",
            ]
        )
    checks.table(["scenario", "converged", "emcee vs nested", "max |z|"], rows)
    return "g2fit comparison", [table, checks]


def _grid_sections(folder: Path) -> tuple[str, list[Section]]:
    grid = read_json_object(folder / "grid.json")
    summary = Section("Which conclusions hold")
    if (folder / "robustness.md").is_file():
        summary.markdown_table((folder / "robustness.md").read_text())
    else:
        summary.text("No robustness summary yet: the grid has not finished.", "warning")
    _png(folder / "robustness.png", summary, "each quantity over the grid's scenarios")
    axes = Section("The grid")
    axes.text(f"Grid {grid.get('grid')} over the base scenario {grid.get('base')}.")
    sections = [summary, axes]
    if (folder / "comparison.json").is_file():
        document = read_json_object(folder / "comparison.json")
        rows = [
            [name, ", ".join(f"{k}: {v}" for k, v in slot.get("choices", {}).items())]
            for name, slot in document.get("axes", {}).items()
        ]
        axes.table(["axis", "choices"], rows)
        failures = document.get("failures") or {}
        if failures:
            axes.text(f"{len(failures)} scenario(s) failed:", "warning")
            axes.table(["scenario", "error"], [[k, str(v)] for k, v in failures.items()])
        _, comparison = _comparison_sections(folder)
        sections += comparison
    return f"g2fit grid: {grid.get('grid')}", sections


def write_report(folder: Path, out: Path | None = None) -> Path:
    """Write the page of FOLDER to OUT (default FOLDER/report.html); return its path."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    if (folder / "grid.json").is_file():
        build, files = _grid_sections, "grid.json, comparison.json"
    elif (folder / "comparison.json").is_file():
        build, files = _comparison_sections, "comparison.json"
    elif (folder / POSTERIOR_FILE).is_file() or (folder / FIT_FILE).is_file():
        build, files = _run_sections, f"{POSTERIOR_FILE}, {FIT_FILE}, exclusion.json"
    else:
        raise InputError(
            f"{folder}: no g2fit results (grid.json, comparison.json, {POSTERIOR_FILE} or "
            f"{FIT_FILE})"
        )
    try:
        title, sections = build(folder)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise InputError(
            f"{folder}: its results ({files}) are damaged or not g2fit's: "
            f"{type(error).__name__}: {error}"
        ) from None
    page = render(title, [*sections, _versions()])
    target = out or folder / REPORT_FILE
    if target.suffix != ".html":
        raise InputError(f"argument --out: must end in .html, got {target}")
    with owned_folder(folder) if target.parent == folder else contextlib.nullcontext():
        write_files([(target, page)])
    return target
