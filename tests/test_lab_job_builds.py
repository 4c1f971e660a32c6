"""Builds run as CI jobs run them, for the seed bench: the Buildah job's script (generated
plan, then our entrypoint) and a kept script's ``docker build``/``docker push`` in the shim.

The end-to-end tests build for real (Buildah, podman) against the shared local registry, each
build in a fresh storage: an uncached build, a first cached one, and a rebuild after one
file changed, which must take its unchanged step from the registry cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BaseRegistry

from runner_ext.lab.builds import CACHE_PUSH_LINE, fill_image_store
from runner_ext.lab.job_builds import (
    PATHS,
    RUNNING_LINE,
    command_seconds,
    job_build,
    job_variables,
    shim_build,
)
from runner_ext.lab.registry import Registry
from runner_ext.lab.tools import ENTRYPOINT

REGISTRY = Registry("registry.test:5000", "ci-user", "canary-job-pw-51c7")


def test_job_variables_are_the_templates_with_this_builds_values(tmp_path: Path) -> None:
    variables, plan_shell = job_variables(
        REGISTRY, tmp_path, context=tmp_path / "ctx", dockerfile=tmp_path / "ctx" / "Dockerfile",
        destination="registry.test:5000/g/app:v1", build_args=("A=1", "B=2"), cache=True,
        cache_repo="", storage_driver="overlay", image_store=None)
    assert variables["RUNNER_EXT_IMAGE"] == "registry.test:5000/g/app"
    # The template's default cache repo, ${RUNNER_EXT_IMAGE}/cache, expanded as GitLab would.
    assert variables["RUNNER_EXT_CACHE_REPO"] == "registry.test:5000/g/app/cache"
    assert variables["RUNNER_EXT_DIGEST_FILE"] == f"{tmp_path}/job/image-digest"
    assert variables["RUNNER_EXT_BUILD_ARGS"] == "A=1\nB=2"
    assert variables["RUNNER_EXT_ENTRYPOINT"] == str(ENTRYPOINT)
    assert variables["CI_REGISTRY_PASSWORD"] == REGISTRY.password
    assert "runner_ext_plan()" in plan_shell and "--storage-driver overlay" in plan_shell
    assert REGISTRY.password not in plan_shell


def _variables(folder: Path, *, cache: bool, cache_repo: str) -> dict[str, str]:
    variables, _ = job_variables(
        REGISTRY, folder, context=folder, dockerfile=folder / "Dockerfile",
        destination="registry.test:5000/g/app:v1", build_args=(), cache=cache,
        cache_repo=cache_repo, storage_driver="vfs", image_store=None)
    return variables


def test_job_variables_without_the_cache_or_with_a_cache_repo_of_its_own(tmp_path: Path
                                                                         ) -> None:
    assert _variables(tmp_path, cache=False, cache_repo="")["RUNNER_EXT_CACHE"] == "false"
    own = _variables(tmp_path, cache=True, cache_repo="registry.test:5000/c")
    assert own["RUNNER_EXT_CACHE"] == "true"
    assert own["RUNNER_EXT_CACHE_REPO"] == "registry.test:5000/c"


def test_command_seconds_run_from_each_running_line_to_the_next() -> None:
    lines = [(0.0, "prepare\n"), (0.5, f"{RUNNING_LINE}buildah build\n"), (9.0, "STEP 1/1\n"),
             (10.0, f"{RUNNING_LINE}buildah push\n"), (11.0, "Writing manifest\n")]
    assert command_seconds(lines, 12.5, RUNNING_LINE) == (9.5, 2.5)
    assert command_seconds(lines[:1], 1.0, RUNNING_LINE) == ()


def test_every_path_is_described() -> None:
    assert set(PATHS) == {"job", "shim", "plan"}
    assert all(text for text in PATHS.values())


@pytest.mark.e2e
@pytest.mark.parametrize("path", ["job", "shim"])
def test_a_rebuild_takes_its_unchanged_step_from_the_registry_cache(
        base_registry: BaseRegistry, path: str) -> None:
    registry = base_registry.registry
    folder = base_registry.folder / f"lab-{path}-builds"
    context = folder / "context"
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo dependencies > /deps\n"
        "COPY app.txt /app.txt\n")
    (context / "app.txt").write_text("1\n")
    image = f"{registry.host}/lab/{path}-builds"
    run = job_build if path == "job" else shim_build

    def build(tag: str, cache: bool = True) -> tuple[str, tuple[float, ...], float]:
        done = run(registry, folder / tag, context=context, dockerfile=context / "Dockerfile",
                   destination=f"{image}:{tag}", build_args=(f"BASE_IMAGE={base_registry.base}",),
                   cache=cache)
        assert registry.has_manifest(f"lab/{path}-builds", tag)
        assert registry.password not in done.output
        if path == "job":  # the entrypoint removes the auth file it wrote
            assert not any(registry.password in p.read_text(errors="replace")
                           for p in (folder / tag).rglob("*") if p.is_file())
        instructions = [instruction for instruction, _ in done.step_seconds]
        assert instructions[-1] == "COPY app.txt /app.txt"
        assert [instruction for instruction, _ in done.step_output_seconds] == instructions
        return done.output, done.steps, done.cache_push_seconds

    uncached, steps, pushed = build("uncached", cache=False)
    assert CACHE_PUSH_LINE not in uncached and pushed == 0
    assert len(steps) == 2 and all(seconds > 0 for seconds in steps)  # build, then push
    first, _, pushed = build("v1")
    assert CACHE_PUSH_LINE in first and pushed > 0
    (context / "app.txt").write_text("2\n")
    warm, _, _ = build("v2")
    assert "Cache pulled from remote" in warm.split("COPY app.txt")[0]
    assert registry.tags(f"lab/{path}-builds/cache")


@pytest.mark.e2e
def test_the_shim_takes_the_base_image_from_the_warmers_image_store(
        base_registry: BaseRegistry) -> None:
    """With the store the warmer filled (mounted read-only), the shim's build pulls no base
    image; without it, the same build pulls one."""
    registry = base_registry.registry
    folder = base_registry.folder / "lab-shim-store"
    context = folder / "context"
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(f"FROM {base_registry.base}\nRUN echo built > /built\n")
    store = fill_image_store(registry, folder / "warmer", (base_registry.base,))
    image = f"{registry.host}/lab/shim-store"
    outputs = {name: shim_build(registry, folder / name, context=context,
                                dockerfile=context / "Dockerfile", destination=f"{image}:{name}",
                                cache=False, image_store=used).output
               for name, used in (("with-store", store), ("without", None))}
    assert f"Trying to pull {base_registry.base}" not in outputs["with-store"]
    assert f"Trying to pull {base_registry.base}" in outputs["without"]
    assert registry.has_manifest("lab/shim-store", "with-store")
