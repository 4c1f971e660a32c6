"""A job that pulls several images, tags them and pushes the tags (the corpus project
meltano's ``hub_meltano``), run through the shim's real ``docker`` wrapper and Debian's podman
against a real registry: podman's fresh storage gets the images from the pull, as the shared
Docker daemon did, so the migrated job keeps its script (docs/migrate.md, Strategies)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, require_tool

from runner_ext.lab.buildah import Storage, push_base_image
from runner_ext.lab.registry import running_registry

pytestmark = pytest.mark.e2e

WRAPPER = REPO / "executor" / "shim" / "docker"
PASSWORD = "canary-shim-copy-3b9e1"


def test_pulled_images_are_tagged_and_pushed(tmp_path: Path) -> None:
    require_tool("podman")
    require_tool("bash")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(WRAPPER)
    with running_registry(tmp_path / "registry", user="ci", password=PASSWORD) as registry:
        source = f"{registry.host}/group/app"
        for tag in ("v1", "latest"):
            push_base_image(registry, f"{source}:{tag}", tmp_path / f"base-{tag}")
        conf = tmp_path / "registries.conf"
        conf.write_text(f'[[registry]]\nlocation = "{registry.host}"\ninsecure = true\n')
        storage = Storage(tmp_path / "storage").create()
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
               "RUNNER_EXT_ENTRYPOINT": str(REPO / "executor" / "entrypoint.sh"),
               "RUNNER_EXT_WORK_DIR": str(tmp_path / "work"), "RUNNER_EXT_STORAGE_DRIVER": "vfs",
               "CI_REGISTRY": registry.host, "CI_REGISTRY_USER": "ci",
               "CI_REGISTRY_PASSWORD": PASSWORD, "CONTAINERS_REGISTRIES_CONF": str(conf),
               "SOURCE_IMAGE": source, "IMAGE_NAME": f"{registry.host}/hub/app",
               "IMAGE_TAG": "v1", **storage.env()}
        script = "\n".join([
            "set -e",
            "docker pull $SOURCE_IMAGE:$IMAGE_TAG",
            "docker pull $SOURCE_IMAGE:latest",
            "docker tag $SOURCE_IMAGE:$IMAGE_TAG $IMAGE_NAME:$IMAGE_TAG",
            "docker tag $SOURCE_IMAGE:latest $IMAGE_NAME:latest",
            "docker push $IMAGE_NAME:$IMAGE_TAG",
            "docker push $IMAGE_NAME:latest",
        ])
        try:
            done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, check=False, timeout=300)
        finally:
            storage.remove()
        assert done.returncode == 0, done.stderr
        assert PASSWORD not in done.stdout + done.stderr
        assert sorted(registry.tags("hub/app")) == ["latest", "v1"]
        for tag in ("v1", "latest"):  # the same layers as the pulled image
            assert registry.layers("hub/app", tag) == registry.layers("group/app", tag)
