"""Make ``slrt_letters`` importable even when the workspace was synced before its sources existed
(the editable install then has no path entry). Harmless once ``uv sync`` has installed it."""

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("slrt_letters") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
