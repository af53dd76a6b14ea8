"""`compare --grid NAME`: every member of a grid of data choices, fanned out with
dask.distributed, then the comparison and the robustness summary.

Each member runs in its own folder, OUT/axis=choice,.../ (and .../@nested beside it, as
OUT/axis=choice,...@nested), with the guarantees of any run folder: locked while a worker
writes, checkpointed, refused if it holds another likelihood's results. So a killed worker's
member is rerun by dask on another worker and resumes from its checkpoint; a rerun of the
command skips what is finished; a failing member is reported and the others finish. OUT holds
grid.json, naming its grid: a second grid into the same folder is refused.

Where the members run: a local cluster of `workers` processes (default: this machine's
cores), or an existing dask cluster by its scheduler address (its workers must have g2fit and
see OUT and likelihoods/ at the same paths: a shared file system).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from g2fit.config.grids import Grid
from g2fit.errors import InputError
from g2fit.io.files import (
    json_text,
    owned_folder,
    prepare_output_folder,
    read_json_object,
    write_files,
    write_json,
)
from g2fit.jobs.compare import DEFAULT_FUTURES, check_futures
from g2fit.likelihood.grid import load_grid

GRID_FILE = "grid.json"


def member_folders(out: Path, key: str) -> tuple[Path, Path]:
    """The emcee run folder of a member and its nested run's folder."""
    return out / key, out / f"{key}@nested"


def run_member(
    scenario_name: str,
    table: dict[str, Any],
    origin: str,
    key: str,
    out: str,
    futures: list[str],
    nested: bool,
    folders: dict[str, str],
) -> dict[str, Any]:
    """On a worker: one member's runs (mcmc, fit and nested where their results lack) and its
    line of the comparison. Plain values only, so that any worker can take them: the member's
    scenario table as the driver checked it, and the driver's data/ and likelihoods/ folders
    (G2FIT_DATA, G2FIT_LIKELIHOODS), which the member's later steps read too."""
    import dask

    from g2fit.jobs.compare_scenarios import scenario_row
    from g2fit.likelihood.scenario import load_scenario

    os.environ.update(folders)
    scenario = load_scenario(scenario_name, given=(table, Path(origin)))
    run, nested_run = member_folders(Path(out), key)
    # Inside a worker xarray would take a cluster-wide lock named after the in-memory file it
    # writes posterior.nc into, which the scheduler does not know: the member computes alone
    # (a process-wide setting: one thread per worker, as the local cluster has).
    with dask.config.set(scheduler="synchronous"):
        return scenario_row(
            scenario,
            run,
            nested_run if nested else None,
            futures,
            progress=False,
            notify=lambda _: None,
        )


def _claim(out: Path, grid: Grid) -> None:
    """Record OUT's grid in grid.json, or refuse OUT if it holds another grid's runs."""
    path = out / GRID_FILE
    identity = {"grid": grid.name, "base": grid.base, "file": str(grid.path)}
    if path.exists():
        recorded = read_json_object(path)
        if recorded.get("grid") != grid.name or recorded.get("base") != grid.base:
            raise InputError(
                f"{out} holds the runs of grid {recorded.get('grid')!r} (base "
                f"{recorded.get('base')!r}); one folder holds one grid: choose another --out"
            )
        if recorded.get("members") != [m.key for m in grid.members]:  # the file was edited
            write_json(path, {**identity, "members": [m.key for m in grid.members]})
        return
    others = [p.name for p in out.iterdir() if not p.name.startswith(".")] if out.is_dir() else []
    if others:
        raise InputError(
            f"{out} already holds {', '.join(sorted(others)[:3])}, not a grid's runs: "
            "choose another --out"
        )
    write_json(path, {**identity, "members": [m.key for m in grid.members]})


@dataclasses.dataclass(frozen=True)
class GridReport:
    """What `compare --grid` found and wrote."""

    document: dict[str, Any]
    table: str
    robustness: str
    failures: dict[str, str]
    paths: tuple[Path, ...]


def _client(scheduler: str | None, workers: int | None) -> Any:
    """A dask client: of the cluster at `scheduler`, or of a new local cluster of `workers`
    single-threaded processes (default: the machine's cores)."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as error:
            raise InputError(f"argument --scheduler: cannot reach {scheduler} ({error})") from None
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:8787" if _has_bokeh() else "127.0.0.1:0",
        silence_logs=logging.CRITICAL,  # a member's failure is our line, not a log
    )
    return Client(cluster)


def run_grid(
    name: str,
    out: Path,
    *,
    futures: list[str] | None = None,
    nested: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    notify: Callable[[str], None] = print,
) -> GridReport:
    """Run (or complete) every member of grid NAME into OUT; write comparison.json/.md and the
    robustness summary (robustness.csv/.json/.md/.png) of the members that finished."""
    from dask.base import tokenize

    from g2fit.config.scenarios import likelihoods_folder
    from g2fit.config.toml_entry import shipped_folder
    from g2fit.jobs.compare_scenarios import format_comparison
    from g2fit.jobs.robustness import robustness_files, robustness_summary

    futures = list(futures or DEFAULT_FUTURES)
    check_futures(futures)
    if workers is not None and workers < 1:
        raise InputError(f"argument --workers: must be at least 1, got {workers}")
    grid = load_grid(name)
    folders = {
        "G2FIT_DATA": str(shipped_folder("data").resolve()),
        "G2FIT_LIKELIHOODS": str(likelihoods_folder().resolve()),
    }
    out = prepare_output_folder(out)
    rows: dict[str, Any] = {}
    failures: dict[str, str] = {}
    with owned_folder(out):
        _claim(out, grid)
        client = _client(scheduler, workers)
        try:
            notify(_start_line(grid, out, client, local=scheduler is None, nested=nested))
            started = time.perf_counter()
            # keys unique to this run: two runs of one grid on a shared scheduler stay apart
            run_token = tokenize(str(out.resolve()), futures, nested, time.time_ns())
            tasks = {
                client.submit(
                    run_member,
                    grid.scenario_name(m),
                    m.table,
                    str(grid.path.resolve()),
                    m.key,
                    str(out.resolve()),
                    futures,
                    nested,
                    folders,
                    key=f"g2fit-{grid.name}-{m.key}-{run_token}",
                    pure=False,
                ): m.key
                for m in grid.members
            }
            _collect(tasks, rows, failures, started, notify)
        finally:
            client.close()
            cluster = getattr(client, "cluster", None)
            if cluster is not None:
                cluster.close()
        ordered = {m.key: rows[m.key] for m in grid.members if m.key in rows}
        document = {
            "grid": grid.name,
            "base": grid.base,
            "axes": {a.name: {"slot": a.slot, "choices": a.choices} for a in grid.axes},
            "scenarios": ordered,
            "failures": failures,
        }
        table = format_comparison(document) if ordered else "(no member finished)"
        summary = robustness_summary(grid, ordered)
        files = robustness_files(summary, grid)
        paths = [out / "comparison.json", out / "comparison.md"]
        contents: list[str | bytes] = [json_text(document), table + "\n"]
        for file_name, content in files.items():
            paths.append(out / file_name)
            contents.append(content)
        write_files(list(zip(paths, contents, strict=True)))
    return GridReport(document, table, files["robustness.md"].decode(), failures, tuple(paths))


def _has_bokeh() -> bool:
    """Whether dask's dashboard can be served here (it needs bokeh, not a g2fit dependency)."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _finished(out: Path, key: str, nested: bool) -> bool:
    """Whether a member's runs are all there (its row is then read, not run)."""
    from g2fit.io.files import FIT_FILE, POSTERIOR_FILE

    run, nested_run = member_folders(out, key)
    done = (run / POSTERIOR_FILE).is_file() and (run / FIT_FILE).is_file()
    return done and (not nested or (nested_run / POSTERIOR_FILE).is_file())


def _start_line(grid: Grid, out: Path, client: Any, local: bool, nested: bool) -> str:
    workers = len(client.scheduler_info().get("workers", {}))
    finished = sum(_finished(out, m.key, nested) for m in grid.members)
    if not local or _has_bokeh():
        where = f"; dask dashboard at {client.dashboard_link}"
    else:
        where = " (pip install bokeh for dask's dashboard)"
    return (
        f"grid {grid.name}: {len(grid.members)} scenarios ({finished} finished before) into "
        f"{out} on {workers} dask worker(s){where}"
    )


def _collect(
    tasks: dict[Any, str],
    rows: dict[str, Any],
    failures: dict[str, str],
    started: float,
    notify: Callable[[str], None],
) -> None:
    """Wait for every member; a line per member as it ends, a failure recorded, not raised."""
    from dask.distributed import as_completed

    for done, task in enumerate(as_completed(list(tasks)), start=1):
        key = tasks[task]
        elapsed = time.perf_counter() - started
        try:
            rows[key] = task.result()
        except Exception as error:  # a member's failure is reported; the others go on
            failures[key] = _one_line(error)
            notify(f"[{done}/{len(tasks)}] {key}: FAILED: {failures[key]} ({elapsed:.0f} s)")
            continue
        notify(f"[{done}/{len(tasks)}] {key}: done ({elapsed:.0f} s)")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
