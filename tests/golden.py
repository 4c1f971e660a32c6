"""Golden-file comparison shared by the golden tests.

Regenerate after an intended change with ``RUNNER_EXT_UPDATE_GOLDEN=1 pytest …``, then read
the diff (``git diff tests/golden``) as carefully as a code change before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path


def updating() -> bool:
    """True when golden files are being regenerated."""
    return os.environ.get("RUNNER_EXT_UPDATE_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Assert ``actual`` equals the golden file (or rewrite it when regenerating)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden file {path}; run with RUNNER_EXT_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; regenerate with RUNNER_EXT_UPDATE_GOLDEN=1"
