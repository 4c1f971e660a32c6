"""The executor images: Dockerfiles lint-clean, consistent with the config and the templates,
and (e2e) really built with Buildah from a stand-in base, with the entrypoint where the CI
template sources it."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import dockerfile
import pytest
from conftest import REPO, require_tool
from ruamel.yaml import YAML

from runner_ext import __version__
from runner_ext.config import ENGINES, OrgConfig
from runner_ext.lab.buildah import Storage, busybox_rootfs
from runner_ext.planner.from_config import ENTRYPOINT

EXECUTOR = REPO / "executor"
EXAMPLE = REPO / "ci-examples" / "executor-image" / ".gitlab-ci.yml"


def _dockerfile(engine: str) -> Path:
    return EXECUTOR / engine / "Dockerfile"


def _commands(engine: str) -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(_dockerfile(engine))))


def test_hadolint_clean() -> None:
    tool = require_tool("hadolint")
    done = subprocess.run([tool, *map(str, map(_dockerfile, ENGINES))],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_entrypoint_where_the_template_sources_it(engine: str) -> None:
    copies = [c.value for c in _commands(engine) if c.cmd == "COPY"]
    assert copies == [("entrypoint.sh", ENTRYPOINT)]


@pytest.mark.parametrize("engine", ENGINES)
def test_base_is_the_configured_engine_image(engine: str) -> None:
    commands = _commands(engine)
    assert [(c.cmd, c.value) for c in commands if c.cmd in ("ARG", "FROM")] == [
        ("ARG", (f"ENGINE_IMAGE={OrgConfig().image_for(engine).image}",)),
        ("FROM", ("${ENGINE_IMAGE}",)),
    ]


def test_publishing_job_matches_the_config() -> None:
    ci = YAML(typ="safe").load(EXAMPLE.read_text())
    assert ci["variables"]["EXECUTOR_VERSION"] == __version__
    for engine in ENGINES:
        job = ci[f"executor-{engine}"]["variables"]
        assert job["RUNNER_EXT_DOCKERFILE"] == f"executor/{engine}/Dockerfile"
        assert job["RUNNER_EXT_BUILD_ARGS"] == \
            f"ENGINE_IMAGE={OrgConfig().image_for(engine).image}"
        executor = OrgConfig().image_for(engine).executor
        assert executor.endswith(f"/executor/{engine}:{__version__}")


def test_examples_are_valid_gitlab_ci() -> None:
    tool = require_tool("check-jsonschema")
    files = [str(p / ".gitlab-ci.yml") for p in sorted((REPO / "ci-examples").iterdir())]
    done = subprocess.run([tool, "--builtin-schema", "vendor.gitlab-ci", *files],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_entrypoint_is_posix_sh() -> None:
    for shell in (["busybox", "sh"], ["dash"]):
        tool = require_tool(shell[0])
        done = subprocess.run([tool, *shell[1:], "-n", str(EXECUTOR / "entrypoint.sh")],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr


# --- real builds ----------------------------------------------------------------------

def _layer_files(oci_dir: Path) -> dict[str, bytes]:
    """path → content of every file in an image pushed to a ``dir:`` folder."""
    manifest = json.loads((oci_dir / "manifest.json").read_text())
    files: dict[str, bytes] = {}
    for layer in manifest["layers"]:
        blob = oci_dir / layer["digest"].split(":", 1)[1]
        with tarfile.open(blob, mode="r|*") as tar:  # streamed: gzip has no random access
            for member in tar:
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is not None:
                    files[member.name.lstrip("./")] = handle.read()
    return files


@pytest.mark.e2e
def test_executor_images_build(tmp_path: Path) -> None:
    """Each Dockerfile builds (FROM a busybox stand-in: no internet here) and the image
    holds our entrypoint, byte for byte, at the path the CI template sources."""
    buildah = require_tool("buildah")
    storage = Storage(tmp_path / "storage").create()
    env = {**os.environ, **storage.env()}
    base_dir = tmp_path / "base"
    busybox_rootfs(base_dir)
    (base_dir / "Dockerfile").write_text("FROM scratch\nCOPY rootfs/ /\n")
    flags = [buildah, "--storage-driver", "vfs"]
    try:
        subprocess.run([*flags, "build", "--isolation", "chroot", "-t", "localhost/stand-in:1",
                        str(base_dir)], env=env, check=True, capture_output=True)
        for engine in ENGINES:
            tag = f"localhost/runner-ext/executor-{engine}:test"
            subprocess.run([*flags, "build", "--isolation", "chroot", "--pull=never",
                            "--build-arg", "ENGINE_IMAGE=localhost/stand-in:1",
                            "-f", str(_dockerfile(engine)), "-t", tag, str(EXECUTOR)],
                           env=env, check=True, capture_output=True)
            out = tmp_path / f"image-{engine}"
            subprocess.run([*flags, "push", tag, f"dir:{out}"], env=env, check=True,
                           capture_output=True)
            files = _layer_files(out)
            assert files[ENTRYPOINT.lstrip("/")] == \
                (EXECUTOR / "entrypoint.sh").read_bytes()
            assert "bin/busybox" in files  # the stand-in base is underneath
    finally:
        storage.remove()
