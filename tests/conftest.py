import sys
from pathlib import Path

# tests/reference.py is shared by unit and integration tests.
sys.path.insert(0, str(Path(__file__).parent))
