"""Test helpers: tools that must exist under CI (see runner_ext.lab.tools), and a fake GitLab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.lab.samples import TOKEN
from runner_ext.lab.tools import SOURCE_TREE as REPO
from runner_ext.lab.tools import in_ci, require_tool

__all__ = ["REPO", "in_ci", "require_tool"]


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """An empty fake GitLab served on a local port for one test; it accepts ``samples.TOKEN``."""
    with serve(FakeGitLab(token=TOKEN)) as gitlab:
        yield gitlab
