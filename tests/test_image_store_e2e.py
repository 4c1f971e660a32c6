"""End to end, for real: the warmer's image store for Buildah. Base images are pulled once
into a store with the warmer's commands (``buildah_warmer_argvs``); a later build in a fresh
storage, with the store mounted read-only as a build pod mounts the warmer's volume, takes
its base from there: the planner adds ``--storage-opt DRIVER.imagestore=PATH`` and Buildah
pulls nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_tool

from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.builds import ImageStore, build, fill_image_store
from runner_ext.lab.registry import Registry, running_registry

pytestmark = pytest.mark.e2e

PASSWORD = f"canary-{secrets.token_hex(6)}"


@dataclass
class Lab:
    registry: Registry
    folder: Path
    base: str
    context: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_tool("buildah")
    folder = tmp_path_factory.mktemp("image-store")
    with running_registry(folder / "registry", user="warm", password=PASSWORD) as registry:
        base = f"{registry.host}/base/busybox:1"
        push_base_image(registry, base, folder / "base")
        context = folder / "context"
        context.mkdir()
        (context / "Dockerfile").write_text("ARG BASE\nFROM $BASE\nCOPY a /a\nRUN cat /a\n")
        (context / "a").write_text("built on the warmed base\n")
        yield Lab(registry, folder, base, context)


def _build(lab: Lab, name: str, driver: str, store: ImageStore | None) -> str:
    done = build(lab.registry, lab.folder / f"work-{name}", context=lab.context,
                 dockerfile=lab.context / "Dockerfile", build_args=(f"BASE={lab.base}",),
                 destination=f"{lab.registry.host}/group/{name}:1", storage_driver=driver,
                 image_store=store)
    assert lab.registry.has_manifest(f"group/{name}", "1")
    return done.output


@pytest.mark.parametrize("driver", ["vfs", "overlay"])
def test_a_build_takes_its_base_from_the_image_store_and_pulls_nothing(
        lab: Lab, driver: str) -> None:
    store = fill_image_store(lab.registry, lab.folder / f"warmer-{driver}", (lab.base,),
                             driver)
    assert (store.path / f"{driver}-images").is_dir()
    with_store = _build(lab, f"warm-{driver}", driver, store)
    assert "built on the warmed base" in with_store  # the RUN step ran on that base
    assert "Trying to pull" not in with_store
    without = _build(lab, f"cold-{driver}", driver, None)
    assert f"Trying to pull {lab.base}" in without  # what the store saves
    assert PASSWORD not in with_store + without
