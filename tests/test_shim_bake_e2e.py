"""End to end, for real: ``docker buildx bake`` of two small targets through the shim's
``docker`` wrapper, with Debian's podman (over Buildah's storage) doing the builds, into the
local registry with htpasswd auth. The bake file takes the registry from the job's
environment, the base image through an inherited build arg, and one target pushes by its own
``output``; the other is pushed only with ``--push``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from test_shim_e2e import BASE, PASSWORD, Site, _variables
from test_shim_e2e import site as site  # the registry fixture, shared

pytestmark = pytest.mark.e2e

BAKE = """
variable "CI_REGISTRY" {}
variable "TAG" { default = "latest" }

group "default" {
  targets = ["api", "worker"]
}

target "common" {
  args   = { BASE = "${CI_REGISTRY}/BASE_IMAGE" }
  labels = { "org.example.component" = "bake-e2e" }
}

target "api" {
  inherits = ["common"]
  context  = "api"
  tags     = ["${CI_REGISTRY}/group/bake/api:${TAG}"]
}

target "worker" {
  inherits   = ["common"]
  context    = "worker"
  dockerfile = "build/Containerfile"
  target     = "final"
  tags       = ["${CI_REGISTRY}/group/bake/worker:${TAG}"]
  output     = ["type=registry"]
}
""".replace("BASE_IMAGE", BASE)

DOCKERFILE = """ARG BASE
FROM $BASE AS final
COPY hello.txt /hello.txt
RUN cat /hello.txt > /seen
"""


def _project(folder: Path) -> Path:
    root = folder / "project"
    for name, dockerfile in (("api", "Dockerfile"), ("worker", "build/Containerfile")):
        (root / name / dockerfile).parent.mkdir(parents=True, exist_ok=True)
        (root / name / dockerfile).write_text(DOCKERFILE)
        (root / name / "hello.txt").write_text(f"hello from {name}\n")
    (root / "docker-bake.hcl").write_text(BAKE)
    return root


def _bake(site: Site, root: Path, run: str, *argv: str, **env: str
          ) -> subprocess.CompletedProcess[str]:
    variables = {k: v for k, v in _variables(site.folder / "bake", site.registry, run).items()
                 if isinstance(v, str)}
    return subprocess.run(
        ["docker", "buildx", "bake", *argv], cwd=root, capture_output=True, text=True,
        check=False, timeout=600,
        env={**os.environ, **variables, **env, "CI_PROJECT_DIR": str(root),
             "PATH": f"{site.bin_dir}{os.pathsep}{os.environ['PATH']}"})


def test_bake_builds_both_targets_with_the_cache_and_pushes_as_bake_would(site: Site) -> None:
    (site.folder / "bake").mkdir()
    root = _project(site.folder / "bake")
    registry = site.registry
    first = _bake(site, root, "first", TAG="1")
    assert first.returncode == 0, first.stderr[-4000:]
    assert "runner-ext shim: docker buildx bake: target api" in first.stderr
    assert "runner-ext shim: podman build --isolation chroot --layers" in first.stderr
    assert registry.has_manifest("group/bake/worker", "1")  # output = ["type=registry"]
    assert not registry.has_manifest("group/bake/api", "1")  # no --push: built, not pushed
    for name in ("api", "worker"):
        assert registry.tags(f"group/bake/{name}/cache"), name  # the registry layer cache
    second = _bake(site, root, "second", "--push", "api", TAG="2")
    assert second.returncode == 0, second.stderr[-4000:]
    assert registry.has_manifest("group/bake/api", "2")
    assert "target worker" not in second.stderr
    assert PASSWORD not in first.stdout + first.stderr + second.stdout + second.stderr


ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"


def test_bake_output_compression_zstd_pushes_the_new_layers_as_zstd(site: Site) -> None:
    """`--set *.output=type=registry,compression=zstd`, as the gitlab-runner corpus project's
    "test images" job runs it: podman's push gets --compression-format zstd. The layers the
    build made are zstd; the base's layer, which the registry already holds as gzip, is
    reused as it is (BuildKit's force-compression=false)."""
    (site.folder / "bake-zstd").mkdir()
    root = _project(site.folder / "bake-zstd")
    # new content: layers the registry cache already holds (gzip) would be reused as they are
    (root / "api" / "hello.txt").write_text("hello from api, pushed as zstd\n")
    registry = site.registry
    done = _bake(site, root, "zstd", "--progress", "plain", "api",
                 "--set", "*.output=type=registry,compression=zstd", TAG="zstd")
    assert done.returncode == 0, done.stderr[-4000:]
    assert "the registry layer cache is read, not written" in done.stderr
    _, manifest = registry.manifest("group/bake/api", "zstd")
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    base = set(registry.layers(*BASE.split(":")))
    made = [layer for layer in manifest["layers"] if layer["digest"] not in base]
    assert len(made) == 2, manifest  # COPY and RUN
    assert all(layer["mediaType"] == ZSTD for layer in made), manifest
    assert all(registry.blob("group/bake/api", layer["digest"]).startswith(b"\x28\xb5\x2f\xfd")
               for layer in made)  # the zstd frame's magic number
    assert PASSWORD not in done.stdout + done.stderr
