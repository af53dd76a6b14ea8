"""A plain `pip install .` (not editable), used outside the checkout, runs every command.

The checkout is copied to a temporary folder and installed from there with
`pip install --no-deps --target DIR`, once for the module; every command then runs as
`python -m g2fit` with PYTHONPATH=DIR from an empty temporary folder, so only the installed
copy of g2fit, data/ and likelihoods/ can be found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import g2fit

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("data", "likelihoods")
POINT = ["--m-L", "1000", "--m-S", "800", "--Y-L", "0.5", "--Y-R", "0.5", "--Y-V", "1"]
POINT += ["--Y-Vp", "0"]
BENCHMARKS = sorted(path.stem for path in (ROOT / "likelihoods" / "planes").glob("*.toml"))
COMMANDS = ["observables", "fit", "mcmc", "plane", "integrand", "compare"]


def _files(folder: Path) -> list[str]:
    """The files under folder, as sorted relative paths; caches and hidden files left out."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DIR of `pip install --no-deps --target DIR .`, built from a clean copy of the checkout
    (so no stale build/ folder of the checkout can add or hide files)."""
    source = tmp_path_factory.mktemp("source") / "g2fit"
    ignore = shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "results", "__pycache__", ".*cache"
    )
    shutil.copytree(ROOT, source, ignore=ignore)
    target = tmp_path_factory.mktemp("site")
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
    subprocess.run([*install, str(target), str(source)], check=True, timeout=300)
    return target


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the commands run in: outside the checkout."""
    return tmp_path_factory.mktemp("work")


def _environment(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("G2FIT_DATA", "G2FIT_LIKELIHOODS")}
    return {**env, "PYTHONPATH": str(site), "MPLBACKEND": "Agg"}


def _python(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=_environment(site),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def g2fit_cli(site: Path, cwd: Path, *args: str) -> str:
    """`python -m g2fit ARGS` with the installed copy; must exit 0. Returns stdout."""
    result = _python(site, cwd, "-m", "g2fit", *args)
    assert result.returncode == 0, f"g2fit {' '.join(args)}:\n{result.stderr}"
    return result.stdout


def test_every_subfolder_is_a_listed_package() -> None:
    """setuptools ships a subfolder of g2fit/, data/ or likelihoods/ only if pyproject.toml
    lists it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {folder: f"g2fit.{folder}" for folder in SHIPPED}
    assert {config["package-dir"][package] for package in folders.values()} == set(SHIPPED)
    layers = {f"g2fit.{path.parent.name}" for path in (ROOT / "g2fit").glob("*/__init__.py")}
    expected = {"g2fit", *layers} | {
        ".".join((folders[name], *path.relative_to(ROOT / name).parts))
        for name in SHIPPED
        for path in [ROOT / name, *(ROOT / name).rglob("*")]
        if path.is_dir() and path.name != "__pycache__"
    }
    assert set(config["packages"]) == expected


def test_installed_copy_is_the_one_imported(site: Path, workdir: Path) -> None:
    code = (
        "import g2fit, g2fit.config.toml_entry as s, g2fit.config.scenarios as c\n"
        "print(g2fit.__file__)\n"
        "print(s.shipped_folder('data'))\n"
        "print(s.shipped_folder('likelihoods'))\n"
        "print(','.join(c.scenario_names()))\n"
        "print(','.join(c.names_in('planes')))\n"
    )
    result = _python(site, workdir, "-c", code)
    assert result.returncode == 0, result.stderr
    module, data, likelihoods, scenarios, planes = result.stdout.splitlines()
    assert Path(module).is_relative_to(site), module
    assert Path(data) == site / "g2fit" / "data"
    assert Path(likelihoods) == site / "g2fit" / "likelihoods"
    scenario_files = (ROOT / "likelihoods" / "scenarios").glob("*.toml")
    assert scenarios.split(",") == sorted(path.stem for path in scenario_files)
    assert planes.split(",") == BENCHMARKS


@pytest.mark.parametrize("folder", SHIPPED)
def test_installed_folder_holds_every_file_of_the_checkout(site: Path, folder: str) -> None:
    checkout = _files(ROOT / folder)
    assert checkout, f"{ROOT / folder} is empty"
    assert _files(site / "g2fit" / folder) == checkout


def test_version_has_one_source(site: Path, workdir: Path) -> None:
    """pyproject.toml reads the version from g2fit.__version__; the installed copy agrees."""
    assert "version" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dynamic"]
    (metadata,) = site.glob("g2fit-*.dist-info")
    assert metadata.name == f"g2fit-{g2fit.__version__}.dist-info"
    assert g2fit_cli(site, workdir, "--version").strip() == f"g2fit {g2fit.__version__}"
    # the console script of the installed copy (its shebang is this Python)
    script = subprocess.run(
        [str(site / "bin" / "g2fit"), "--version"],
        cwd=workdir,
        env=_environment(site),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout.strip() == f"g2fit {g2fit.__version__}"


def test_help(site: Path, workdir: Path) -> None:
    text = g2fit_cli(site, workdir, "--help")
    for command in COMMANDS:
        assert command in text


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(site: Path, workdir: Path, command: str) -> None:
    assert "usage: g2fit" in g2fit_cli(site, workdir, command, "--help")


def test_observables(site: Path, workdir: Path) -> None:
    assert "delta_amu" in g2fit_cli(site, workdir, "observables", *POINT)
    document = json.loads(g2fit_cli(site, workdir, "observables", *POINT, "--json"))
    assert "delta_amu" in json.dumps(document)


def test_fit(site: Path, workdir: Path) -> None:
    out = workdir / "fit"
    args = ["--profile-points", "4", "--profile-2d-points", "3", "--out", str(out)]
    g2fit_cli(site, workdir, "fit", *args)
    assert "best_fit" in json.loads((out / "fit.json").read_text())


def test_mcmc_then_compare(site: Path, workdir: Path) -> None:
    out = workdir / "run"
    args = ["--walkers", "16", "--steps", "300", "--no-progress", "--out", str(out)]
    g2fit_cli(site, workdir, "mcmc", *args)  # a short run: convergence warnings are fine
    for name in ("posterior.nc", "summary.csv", "corner.png"):
        assert (out / name).stat().st_size > 0, name
    g2fit_cli(site, workdir, "compare", "--posterior", str(out), "--no-fits", "--no-progress")
    for name in ("exclusion.json", "exclusion.csv"):
        assert (out / name).stat().st_size > 0, name


@pytest.mark.parametrize("benchmark", BENCHMARKS)
def test_plane(site: Path, workdir: Path, benchmark: str) -> None:
    figure = workdir / f"{benchmark}.png"
    g2fit_cli(
        site, workdir, "plane", "--benchmark", benchmark, "--grid", "20", "--out", str(figure)
    )
    assert figure.stat().st_size > 0
    assert figure.with_suffix(".nc").stat().st_size > 0


def test_integrand(site: Path, workdir: Path) -> None:
    figure = workdir / "integrand.png"
    g2fit_cli(site, workdir, "integrand", "--out", str(figure))
    assert figure.stat().st_size > 0
