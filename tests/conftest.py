"""Test helpers: tools that must exist under CI (see runner_ext.lab.tools), a fake GitLab,
and the local registry with a busybox base that the slow e2e modules share."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.lab.registry import Registry, running_registry
from runner_ext.lab.samples import TOKEN
from runner_ext.lab.tools import SOURCE_TREE as REPO
from runner_ext.lab.tools import in_ci, require_tool

__all__ = ["REPO", "in_ci", "require_tool"]

# The shared registry's account; the password is a canary that no output may show.
E2E_USER = "ci-e2e"
E2E_PASSWORD = f"canary-{secrets.token_hex(6)}"
# Repository and tag of the busybox base image in it.
E2E_BASE = "platform/base/busybox:1.36"


@dataclass(frozen=True)
class BaseRegistry:
    """A running local registry (htpasswd auth), the full reference of the busybox base it
    holds, and a folder for the modules' work."""

    registry: Registry
    base: str
    folder: Path


@pytest.fixture(scope="session")
def base_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseRegistry]:
    """One registry and one base image per test run, for the e2e modules that push and pull
    (each module uses repositories of its own)."""
    require_tool("buildah")
    folder = tmp_path_factory.mktemp("e2e-registry")
    with running_registry(folder / "registry", user=E2E_USER, password=E2E_PASSWORD) as registry:
        base = f"{registry.host}/{E2E_BASE}"
        push_base_image(registry, base, folder / "base")
        yield BaseRegistry(registry, base, folder)


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """An empty fake GitLab served on a local port for one test; it accepts ``samples.TOKEN``."""
    with serve(FakeGitLab(token=TOKEN)) as gitlab:
        yield gitlab
