import sys
from pathlib import Path

import pytest

# tests/reference.py and tests/helpers.py are shared by unit and integration tests.
sys.path.insert(0, str(Path(__file__).parent))

from helpers import copy_shipped


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """An editable copy of data/."""
    return copy_shipped("data", tmp_path)


@pytest.fixture
def likelihoods_copy(tmp_path: Path) -> Path:
    """An editable copy of likelihoods/."""
    return copy_shipped("likelihoods", tmp_path)
