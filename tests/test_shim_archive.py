"""``docker save`` and ``docker load`` through the shim's real ``docker`` wrapper and Debian's
podman: an image built and saved in one job loads in the next job's fresh storage, as the
migrated jobs of the corpus projects a2a-rust and overbookd rely on (docs/migrate.md)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, require_tool

from runner_ext.lab.buildah import Storage

pytestmark = pytest.mark.e2e

WRAPPER = REPO / "executor" / "shim" / "docker"


def _docker(bin_dir: Path, storage: Storage, cwd: Path, *argv: str
            ) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(cwd),
           "RUNNER_EXT_ENTRYPOINT": str(REPO / "executor" / "entrypoint.sh"),
           "RUNNER_EXT_WORK_DIR": str(cwd / "work"), "RUNNER_EXT_STORAGE_DRIVER": "vfs",
           "RUNNER_EXT_CACHE": "false", **storage.env()}
    return subprocess.run([str(bin_dir / "docker"), *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def test_an_image_saved_in_one_job_loads_and_tags_in_the_next(tmp_path: Path) -> None:
    require_tool("podman")
    require_tool("bash")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(WRAPPER)
    context = tmp_path / "context"
    context.mkdir()
    (context / "hello").write_text("hello from the build job\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello /hello\n")
    build_job, push_job = Storage(tmp_path / "build").create(), Storage(tmp_path / "push").create()
    try:
        image = "registry.example.com/group/app:1"
        built = _docker(bin_dir, build_job, tmp_path, "build", "-t", image, "context")
        assert built.returncode == 0, built.stderr
        saved = _docker(bin_dir, build_job, tmp_path, "save", image, "-o", "image.tar")
        assert saved.returncode == 0, saved.stderr
        assert (tmp_path / "image.tar").stat().st_size > 0
        loaded = _docker(bin_dir, push_job, tmp_path, "load", "-i", "image.tar")
        assert loaded.returncode == 0, loaded.stderr
        assert image in loaded.stdout
        tagged = _docker(bin_dir, push_job, tmp_path, "tag", image,
                         "registry.example.com/group/app:latest")
        assert tagged.returncode == 0, tagged.stderr
        listed = _docker(bin_dir, push_job, tmp_path, "images", "--format",
                         "{{.Repository}}:{{.Tag}}")
        assert {image, "registry.example.com/group/app:latest"} <= set(listed.stdout.split())
    finally:
        build_job.remove()
        push_job.remove()
