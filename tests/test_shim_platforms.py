"""Builds of several platforms in one job (corpus project envedit), for real with Debian's
podman. Given ``--platform a,b -t NAME`` alone, podman 4.3 builds each platform but NAME ends
up a single-platform image, so a push would lose the others: that is why the shim's
``docker`` wrapper builds into a manifest list (``--manifest``), checks it holds an image per
platform, and pushes the list whole to every tag. The builds here copy files only (no RUN
step), so no QEMU binfmt handler is needed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import require_tool
from test_shim_e2e import PASSWORD, Site, _variables
from test_shim_e2e import site as site  # the registry fixture, shared

from runner_ext.lab.buildah import Storage

pytestmark = pytest.mark.e2e

PLATFORMS = "linux/arm64/v8,linux/amd64"


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
                                PLATFORMS, "-t", name, str(context)],
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


def _context(root: Path, dockerfile: str) -> Path:
    root.mkdir(parents=True)
    (root / "Dockerfile").write_text(dockerfile)
    for arch in ("amd64", "arm64"):
        (root / f"hello-{arch}.txt").write_text(f"built for {arch}\n")
    (root / "common.txt").write_text("the same on every platform\n")
    return root


def _docker(site: Site, root: Path, run: str, *argv: str) -> subprocess.CompletedProcess[str]:
    variables = {k: v for k, v in _variables(site.folder / run, site.registry, run).items()
                 if isinstance(v, str)}
    try:
        return subprocess.run(
            ["docker", *argv], cwd=root, capture_output=True, text=True, check=False,
            timeout=600, env={**os.environ, **variables, "CI_PROJECT_DIR": str(root),
                              "PATH": f"{site.bin_dir}{os.pathsep}{os.environ['PATH']}"})
    finally:
        Storage(site.folder / run / f"storage-{run}").remove()


def _file(site: Site, name: str, digest: str, path: str) -> str:
    """``path`` from the image ``name@digest`` (its one layer holding it)."""
    for layer in site.registry.layers(name, digest):
        with tarfile.open(fileobj=io.BytesIO(site.registry.blob(name, layer))) as tar:
            for member in tar.getmembers():
                if member.name.lstrip("./") == path.lstrip("/"):
                    handle = tar.extractfile(member)
                    assert handle is not None
                    return handle.read().decode()
    raise AssertionError(f"{path} is in no layer of {name}@{digest}")


def test_wrapper_pushes_every_platform_as_one_index_to_every_tag(site: Site) -> None:
    (site.folder / "platforms").mkdir()
    root = _context(site.folder / "platforms" / "project",
                    "FROM scratch\nARG TARGETARCH\nCOPY hello-${TARGETARCH}.txt /hello.txt\n"
                    "COPY common.txt /common.txt\n")
    image = f"{site.registry.host}/group/platforms"
    done = _docker(site, root, "platforms", "buildx", "build", "--platform", PLATFORMS,
                   "-t", f"{image}:1", f"--tag={image}:latest", "--push",
                   "--provenance=false", ".")
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"--manifest {image}:1 (platforms {PLATFORMS})" in done.stderr
    digests = {tag: site.registry.manifest("group/platforms", tag)[0] for tag in ("1", "latest")}
    assert digests["1"] == digests["latest"]  # one index, pushed to both tags
    _, index = site.registry.manifest("group/platforms", "1")
    images = {m["platform"]["architecture"]: m["digest"] for m in index["manifests"]}
    assert sorted(images) == ["amd64", "arm64"]
    for arch, digest in images.items():
        assert _file(site, "group/platforms", digest, "hello.txt") == f"built for {arch}\n"
    assert site.registry.tags("group/platforms/cache")  # the registry layer cache
    assert PASSWORD not in done.stdout + done.stderr


def test_a_platform_the_build_lost_fails_the_job_and_pushes_nothing(site: Site) -> None:
    (site.folder / "lost").mkdir()
    # The same files for every platform FROM scratch: podman reuses the first platform's
    # cached step for the second, and the list ends up with one image.
    root = _context(site.folder / "lost" / "project", "FROM scratch\nCOPY common.txt /c\n")
    image = f"{site.registry.host}/group/lost"
    done = _docker(site, root, "lost", "buildx", "build", "--platform", PLATFORMS,
                   "-t", f"{image}:1", "--push", ".")
    assert done.returncode == 1
    assert "gave 1 image(s) for 2 platforms" in done.stderr
    assert not site.registry.has_manifest("group/lost", "1")


def test_a_bake_target_of_two_platforms_is_pushed_as_one_index(site: Site) -> None:
    (site.folder / "bake-platforms").mkdir()
    root = _context(site.folder / "bake-platforms" / "project",
                    "FROM scratch\nARG TARGETARCH\nCOPY hello-${TARGETARCH}.txt /hello.txt\n")
    (root / "docker-bake.hcl").write_text(
        'variable "CI_REGISTRY" {}\n'
        'target "default" {\n'
        '  tags = ["${CI_REGISTRY}/group/bake-platforms:1"]\n'
        '  platforms = ["linux/arm64/v8", "linux/amd64"]\n'
        '}\n')
    done = _docker(site, root, "bake-platforms", "buildx", "bake", "--push")
    assert done.returncode == 0, done.stderr[-4000:]
    _, index = site.registry.manifest("group/bake-platforms", "1")
    assert sorted(m["platform"]["architecture"] for m in index["manifests"]) == ["amd64",
                                                                                 "arm64"]
