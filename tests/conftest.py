"""Test helpers: tools that must exist under CI (see runner_ext.lab.tools)."""

from __future__ import annotations

from runner_ext.lab.tools import SOURCE_TREE as REPO
from runner_ext.lab.tools import in_ci, require_tool

__all__ = ["REPO", "in_ci", "require_tool"]
