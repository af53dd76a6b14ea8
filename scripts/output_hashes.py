"""Hashes of what every command writes on its default inputs, timestamps aside.

Run from a checkout, before and after a change that must not move a number:

    python scripts/output_hashes.py WORK_DIR > hashes.txt

Each command runs as a user runs it (`python -m g2fit ...`) inside WORK_DIR, which must not
exist yet. netCDF files are hashed through their decoded contents with the timestamp
attributes dropped (HDF5 stores creation details that differ from run to run); every other
file, and each command's stdout, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

TIMESTAMPS = {"created", "created_at"}
#: The README's `g2fit observables` example.
README_POINT = {"m-L": "1000", "m-S": "800", "Y-L": "0.5", "Y-R": "0.5", "Y-V": "1", "Y-Vp": "0"}
POINT = [part for name, value in README_POINT.items() for part in (f"--{name}", value)]
COMMANDS = [
    ["observables", *POINT, "--json"],
    ["observables", *POINT],
    ["fit"],
    ["mcmc", "--no-progress"],
    ["compare", "--posterior", "results/paper-2021"],
    *(
        ["plane", "--benchmark", name, "--out", f"{name}.png"]
        for name in ("fig5-left", "fig5-right", "fig6-left", "fig6-right")
    ),
    ["integrand", "--out", "integrand.png"],
    ["compare", "--scenarios", "paper-2021,current,current-lattice", "--no-progress"],
]


def netcdf_digest(path: Path) -> str:
    import h5py
    import xarray as xr

    with h5py.File(path, "r") as handle:
        groups = [None, *[name for name in handle if isinstance(handle[name], h5py.Group)]]
    digest = hashlib.sha256()
    for group in groups:
        with xr.open_dataset(path, engine="h5netcdf", group=group) as dataset:
            content = dataset.load().to_dict(data="list")
        content["attrs"] = {k: v for k, v in content["attrs"].items() if k not in TIMESTAMPS}
        digest.update(json.dumps(content, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    if path.suffix == ".nc":
        return netcdf_digest(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(work: Path) -> None:
    work.mkdir(parents=True)
    seen: dict[Path, float] = {}
    for args in COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "g2fit", *args], cwd=work, capture_output=True, text=True
        )
        label = " ".join(args)
        print(f"{hashlib.sha256(result.stdout.encode()).hexdigest()}  stdout of: {label}")
        if result.returncode != 0:
            print(f"FAILED ({result.returncode}): {label}: {result.stderr.strip()}")
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            if path.name.startswith(".") or "checkpoint" in path.parts:
                continue
            if seen.get(path) != path.stat().st_mtime:
                seen[path] = path.stat().st_mtime
                print(f"{file_digest(path)}  {path.relative_to(work)} (after: {label})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
