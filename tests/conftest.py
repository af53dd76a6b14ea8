import sys
from pathlib import Path

import pytest

# tests/reference.py and tests/helpers.py are shared by unit and integration tests.
sys.path.insert(0, str(Path(__file__).parent))

from helpers import chromium, copy_shipped


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """An editable copy of data/."""
    return copy_shipped("data", tmp_path)


@pytest.fixture
def likelihoods_copy(tmp_path: Path) -> Path:
    """An editable copy of likelihoods/."""
    return copy_shipped("likelihoods", tmp_path)


@pytest.fixture
def browser() -> str:
    """Debian's chromium for the report's page tests; skipped where absent (not in CI, which
    installs it and sets G2FIT_REQUIRE_BROWSER=1 so that its absence fails)."""
    found = chromium()
    if found is None:
        pytest.skip("no chromium on this machine (CI installs it: .ci/run)")
    return found
