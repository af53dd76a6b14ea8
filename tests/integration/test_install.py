"""A plain `pip install .` (not editable) run outside the checkout finds data/ and likelihoods/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plain_install_ships_data_and_likelihoods(tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*install, "--target", str(target), str(ROOT)], check=True, timeout=300)
    code = (
        "import g2fit, g2fit.scenario as s, g2fit.schema as d\n"
        "print(g2fit.__file__)\n"
        "print(d.shipped_folder('data'))\n"
        "scenario = s.load_scenario('current', ['all'])\n"
        "print(len(scenario.terms), ','.join(s.scenario_names()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module, data, summary = result.stdout.splitlines()
    assert module.startswith(str(target))
    assert data == str(target / "g2fit" / "data")
    assert summary.split()[1] == "current,current-lattice,fig5-left,fig5-right,paper-2021"
