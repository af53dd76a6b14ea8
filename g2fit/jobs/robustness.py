"""Which conclusions hold whatever the data choices: a grid's quantities over its members.

For each quantity (each future's excluded fraction, chi2_SM - chi2_min, ln B against the SM,
the 95 % CL upper limits on m_L and m_S), its range over the members and the axis that moves
it most: for each axis, the mean of the quantity over the members holding each of its
choices; the axis's effect is the largest difference between those means (a main effect,
the other axes averaged over). Where some members have no upper limit, the effect is the
largest difference in the share of members without one. For each conclusion (a quantity
beyond a threshold), in how many members it holds and, where it holds in some only, the
axis whose choice decides it (the first axis whose every choice gives one verdict), if any.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np

from g2fit.config.grids import Grid

#: A member without a limit (the profile never crosses 2.71) has this upper limit (GeV).
NO_LIMIT = math.inf
#: The thresholds of the conclusions tested in every member.
THRESHOLD_CHI2 = 9.0
THRESHOLD_EXCLUDED = 0.95
#: An axis whose effect is at most this moves nothing (equal values up to rounding).
_NO_EFFECT = 1e-12


def _quantities(row: dict[str, Any]) -> dict[str, float]:
    values = {
        "chi2_SM - chi2_min": row["chi2_sm"] - row["chi2_min"],
    }
    if "evidence" in row:
        values["ln B vs SM"] = row["evidence"]["log_bayes_factor_vs_sm"]
    for mass in ("m_L", "m_S"):
        if mass in row["upper_limits_95"]:  # a fixed mass has no limit to report
            limit = row["upper_limits_95"][mass]
            values[f"{mass} < (95% CL) [GeV]"] = NO_LIMIT if limit is None else float(limit)
    for future, fraction in row["excluded_fraction"].items():
        values[f"excluded by {future}"] = fraction
    return {name: float(value) for name, value in values.items()}  # numpy scalars too


def _conclusions(futures: list[str]) -> list[tuple[str, str, float, str]]:
    found = [
        (
            "chi2_SM - chi2_min",
            ">=",
            THRESHOLD_CHI2,
            f"the model fits better than the SM by chi2_SM - chi2_min >= {THRESHOLD_CHI2:g}",
        ),
        ("ln B vs SM", ">", 0.0, "the data favour the model over the SM (ln B > 0)"),
        ("m_L < (95% CL) [GeV]", "<", NO_LIMIT, "the data bound m_L from above (95 % CL)"),
    ]
    found += [
        (
            f"excluded by {future}",
            ">=",
            THRESHOLD_EXCLUDED,
            f"{future} would exclude at least {THRESHOLD_EXCLUDED:.0%} of the posterior",
        )
        for future in futures
    ]
    return found


def _holds(value: float, comparison: str, threshold: float) -> bool:
    if comparison == ">=":
        return value >= threshold
    if comparison == ">":
        return value > threshold
    return value < threshold


def _effects(grid: Grid, keys: list[str], values: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per axis: the mean of the quantity for each choice and the spread of those means; where
    a member has no limit (infinity), the share of members without one instead."""
    choices = {key: grid.member(key).choices for key in keys}
    measure = "mean" if np.all(np.isfinite(values)) else "share without a limit"
    effects = {}
    for axis in grid.axes:
        means = {}
        for label in axis.choices:
            picked = values[[i for i, key in enumerate(keys) if choices[key][axis.name] == label]]
            if picked.size:
                means[label] = float(
                    picked.mean() if measure == "mean" else np.mean(~np.isfinite(picked))
                )
        spread = max(means.values()) - min(means.values()) if means else math.nan
        effects[axis.name] = {"measure": measure, "means": means, "effect": spread}
    return effects


def _by_choice(
    grid: Grid, keys: list[str], verdicts: list[bool], quantity: dict[str, Any]
) -> dict[str, Any] | None:
    """In how many members the conclusion holds, per choice of the axis that moves its
    quantity most (None if no axis moves it)."""
    axis = quantity["moved_most_by"]
    if axis is None:
        return None
    counts: dict[str, list[int]] = {}
    for key, verdict in zip(keys, verdicts, strict=True):
        held = counts.setdefault(grid.member(key).choices[axis], [0, 0])
        held[0] += int(verdict)
        held[1] += 1
    return {"axis": axis, "holds_in": {label: f"{h}/{n}" for label, (h, n) in counts.items()}}


def _decided_by(grid: Grid, keys: list[str], verdicts: list[bool]) -> str | None:
    """The first axis whose every choice gives one verdict across the other axes."""
    for axis in grid.axes:
        by_choice: dict[str, set[bool]] = {}
        for key, verdict in zip(keys, verdicts, strict=True):
            by_choice.setdefault(grid.member(key).choices[axis.name], set()).add(verdict)
        if all(len(v) == 1 for v in by_choice.values()):
            holding = sorted(label for label, v in by_choice.items() if True in v)
            return f"{axis.name} (holds with {', '.join(holding)})"
    return None


def robustness_summary(grid: Grid, rows: dict[str, Any]) -> dict[str, Any]:
    """The quantities' ranges and most influential axes, and the conclusions' verdicts, over
    the members in `rows` (each quantity over the members that have it)."""
    per_member = {key: _quantities(row) for key, row in rows.items()}
    names = list(dict.fromkeys(name for values in per_member.values() for name in values))
    quantities = {}
    for name in names:
        keys = [key for key in per_member if name in per_member[key]]
        values = np.array([per_member[key][name] for key in keys], dtype=float)
        effects = _effects(grid, keys, values)
        ranked = {a: e["effect"] for a, e in effects.items() if e["effect"] > _NO_EFFECT}
        moving = max(ranked, key=ranked.__getitem__) if ranked else None  # first of ties
        quantities[name] = {
            "min": float(values.min()),
            "max": float(values.max()),
            "argmin": keys[int(values.argmin())],
            "argmax": keys[int(values.argmax())],
            "moved_most_by": moving,
            "effects": effects,
            "values": dict(zip(keys, values.tolist(), strict=True)),
        }
    conclusions = []
    futures = [n.removeprefix("excluded by ") for n in names if n.startswith("excluded by ")]
    for quantity, comparison, threshold, statement in _conclusions(futures):
        if quantity not in names:
            continue
        keys = [key for key in per_member if quantity in per_member[key]]
        verdicts = [_holds(per_member[k][quantity], comparison, threshold) for k in keys]
        held = int(sum(verdicts))
        every, none = "holds for every choice", "holds for no choice"
        if len(keys) < len(grid.members):  # not every member finished: say so
            every, none = (f"{v} of the {len(keys)} finished" for v in (every, none))
        verdict = every if held == len(keys) else (none if held == 0 else "depends on the choices")
        conclusions.append(
            {
                "statement": statement,
                "quantity": quantity,
                "comparison": comparison,
                "threshold": threshold,
                "holds_in": held,
                "members": len(keys),
                "verdict": verdict,
                "decided_by": None if held in (0, len(keys)) else _decided_by(grid, keys, verdicts),
                "by_choice": _by_choice(grid, keys, verdicts, quantities[quantity]),
            }
        )
    return {
        "grid": grid.name,
        "members": len(rows),
        "of": len(grid.members),
        "quantities": quantities,
        "conclusions": conclusions,
    }


def _number(value: float) -> str:
    return "none" if value == math.inf else f"{value:.3g}"


def robustness_table(summary: dict[str, Any]) -> str:
    """Markdown: the conclusions, then every quantity's range and what moves it most."""
    lines = [
        f"Grid {summary['grid']}: {summary['members']} of {summary['of']} scenarios finished.",
        "",
        "| conclusion | holds in | verdict | decided by | holds in, by the axis moving it most |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in summary["conclusions"]:
        split = c.get("by_choice")
        by_choice = (
            ", ".join(f"{split['axis']}={k}: {v}" for k, v in split["holds_in"].items())
            if split
            else "-"
        )
        lines.append(
            f"| {c['statement']} | {c['holds_in']}/{c['members']} | {c['verdict']} | "
            f"{c['decided_by'] or '-'} | {by_choice} |"
        )
    lines += [
        "",
        "| quantity | min | max | moved most by | its effect |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, q in summary["quantities"].items():
        axis = q["moved_most_by"]
        effect = "-"
        if axis:
            moved = q["effects"][axis]
            effect = _number(moved["effect"]) + (
                f" ({moved['measure']})" if moved["measure"] != "mean" else ""
            )
        lines.append(
            f"| {name} | {_number(q['min'])} | {_number(q['max'])} | {axis or '-'} | {effect} |"
        )
    return "\n".join(lines) + "\n"


def robustness_csv(summary: dict[str, Any], grid: Grid) -> str:
    """One row per quantity: range, where it is reached, each axis's effect."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    axes = [a.name for a in grid.axes]
    writer.writerow(
        ["quantity", "min", "max", "argmin", "argmax", "moved_most_by"]
        + [f"effect_{a}" for a in axes]
    )
    for name, q in summary["quantities"].items():
        writer.writerow(
            [name, q["min"], q["max"], q["argmin"], q["argmax"], q["moved_most_by"] or ""]
            + [q["effects"][a]["effect"] for a in axes]
        )
    return buffer.getvalue()


def _without_infinity(value: Any) -> Any:
    """The summary for JSON: no limit (infinity) as null, an undefined effect (nan) as null."""
    if isinstance(value, dict):
        return {k: _without_infinity(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_infinity(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def robustness_files(summary: dict[str, Any], grid: Grid) -> dict[str, bytes]:
    """robustness.json, .csv, .md and .png."""
    from g2fit.io.robustness_figure import robustness_figure

    document = json.dumps(_without_infinity(summary), indent=2, allow_nan=False)
    return {
        "robustness.json": (document + "\n").encode(),
        "robustness.csv": robustness_csv(summary, grid).encode(),
        "robustness.md": robustness_table(summary).encode(),
        "robustness.png": robustness_figure(summary, grid),
    }
