"""A posterior written by g2fit is checked against its recorded SHA-256 before it is parsed."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from g2fit.errors import InputError
from g2fit.io.files import write_files
from g2fit.io.posterior import (
    digest_name,
    digest_text,
    inference_data_bytes,
    load_inference_data,
    load_posterior,
)


def write_posterior(folder: Path) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

        idata = az.from_dict(posterior={"m_L": np.arange(12.0).reshape(2, 6)})
    idata["posterior"].attrs["g2fit_version"] = "test"
    data = inference_data_bytes(idata)
    write_files(
        [(folder / digest_name("posterior.nc"), digest_text(data)), (folder / "posterior.nc", data)]
    )
    return data


def test_an_intact_posterior_loads(tmp_path: Path) -> None:
    write_posterior(tmp_path)
    assert load_posterior(tmp_path)["m_L"].tolist() == [float(i) for i in range(12)]


def test_a_damaged_byte_anywhere_is_refused_before_parsing(tmp_path: Path) -> None:
    # Damaged HDF5 metadata can crash or hang the library: no offset may reach it.
    good = write_posterior(tmp_path)
    path = tmp_path / "posterior.nc"
    for offset in range(0, len(good) - 8, 211):
        damaged = bytearray(good)
        damaged[offset : offset + 8] = bytes(b ^ 0xFF for b in damaged[offset : offset + 8])
        path.write_bytes(bytes(damaged))
        with pytest.raises(InputError, match=r"not a readable netCDF file \(damaged: its SHA-256"):
            load_inference_data(tmp_path)


def test_a_posterior_without_a_recorded_digest_is_read_unchecked(tmp_path: Path) -> None:
    write_posterior(tmp_path)
    (tmp_path / digest_name("posterior.nc")).unlink()
    assert len(load_posterior(tmp_path / "posterior.nc")) == 12


#: Checks the digest of a large (sparse) posterior with less memory than the file's size.
DIGEST_IN_BOUNDED_MEMORY = """
import resource, sys
from pathlib import Path
from g2fit.errors import InputError
from g2fit.io.posterior import load_inference_data

size = int(sys.argv[2])
with open("/proc/self/status") as status:
    used = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) * 1024
limit = used + size // 2
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    load_inference_data(Path(sys.argv[1]))
except InputError as error:
    print(error)
"""


def test_the_digest_is_checked_in_bounded_memory(tmp_path: Path) -> None:
    write_posterior(tmp_path)
    size = 1 << 30
    with (tmp_path / "posterior.nc").open("r+b") as stream:
        stream.truncate(size)  # sparse: takes no disk space
    result = subprocess.run(
        [sys.executable, "-c", DIGEST_IN_BOUNDED_MEMORY, str(tmp_path), str(size)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "its SHA-256 differs" in result.stdout
