"""The package's layers import only downwards: cli -> api -> jobs -> io -> inference ->
likelihood -> config -> collider -> model (g2fit.errors and the package's root, with
__version__, from anywhere). collider (the leading-order table's calculation and command) is
imported by no other layer: the project reads the table it wrote into data/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "g2fit"
LAYERS = ("model", "collider", "config", "likelihood", "inference", "io", "jobs", "api", "cli")
EVERYWHERE = {"g2fit", "g2fit.errors"}


def layer_of(module: str) -> str:
    """The layer of a module g2fit.X[.Y]: its folder, api for g2fit.api, or cli for the
    top-level cli modules."""
    parts = module.split(".")
    if parts[1] in LAYERS:
        return parts[1]
    if parts[1].startswith("cli") or parts[1] == "__main__":
        return "cli"
    raise AssertionError(f"{module} belongs to no layer")


def imported(path: Path) -> list[tuple[int, str]]:
    """Every g2fit module the file imports (also inside functions), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "g2fit" or n.startswith("g2fit.")]
    return found


def modules() -> list[Path]:
    base = {PACKAGE / "__init__.py", PACKAGE / "errors.py"}
    return sorted(p for p in PACKAGE.rglob("*.py") if p not in base)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    name = ".".join(("g2fit", *path.relative_to(PACKAGE).with_suffix("").parts))
    own = LAYERS.index(layer_of(name.removesuffix(".__init__")))
    for line, target in imported(path):
        if target in EVERYWHERE:
            continue
        assert LAYERS.index(layer_of(target)) <= own, (
            f"{path.name}:{line} imports {target}, a higher layer than {LAYERS[own]}"
        )


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "upward.py"
    module.write_text("def f():\n    from g2fit.jobs.fit import run_fit\n")
    assert imported(module) == [(2, "g2fit.jobs.fit")]
    assert LAYERS.index(layer_of("g2fit.jobs.fit")) > LAYERS.index(layer_of("g2fit.model.loops"))
