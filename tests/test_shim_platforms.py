"""Why the shim leaves a build of several platforms in one job (corpus project envedit):
Debian's podman 4.3, given ``--platform a,b -t NAME`` without ``--manifest``, builds each
platform but NAME ends up one single-platform image, so a push would lose the others. The
build here copies a file only (no RUN step, so no QEMU binfmt handler is needed)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from runner_ext.lab.buildah import Storage

pytestmark = pytest.mark.e2e


def test_podman_tags_one_platform_of_several(tmp_path: Path) -> None:
    podman = require_tool("podman")
    context = tmp_path / "context"
    context.mkdir()
    (context / "a").write_text("a\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY a /a\n")
    storage = Storage(tmp_path / "storage").create()
    base = [podman, "--storage-driver", "vfs"]
    env = {**os.environ, **storage.env()}
    name = "registry.example.com/group/app:1"
    try:
        built = subprocess.run([*base, "build", "--isolation", "chroot", "--platform",
                                "linux/arm64/v8,linux/amd64", "-t", name, str(context)],
                               capture_output=True, text=True, check=False, timeout=300,
                               env=env)
        assert built.returncode == 0, built.stderr
        inspected = subprocess.run([*base, "image", "inspect", name], capture_output=True,
                                   text=True, check=True, timeout=60, env=env)
        (image,) = json.loads(inspected.stdout)
        assert image["Architecture"] in ("arm64", "amd64")
        as_list = subprocess.run([*base, "manifest", "inspect", name], capture_output=True,
                                 text=True, check=False, timeout=60, env=env)
        assert as_list.returncode != 0  # a plain image, not a manifest list of both
    finally:
        storage.remove()
