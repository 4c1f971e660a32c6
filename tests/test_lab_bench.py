"""The benchmark's own parts: the fixture projects, the push floor, the base-image cache key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO

from runner_ext.lab.bases import NODE, PYTHON
from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.builds import build, fixed_dockerfile, tree_bytes
from runner_ext.lab.floor import push_floor
from runner_ext.lab.registry import running_registry

PROJECTS = sorted((REPO / "bench" / "projects").iterdir())


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_migrated_dockerfile_is_what_the_fixer_makes(project: Path) -> None:
    migrated = (project / "Dockerfile.migrated").read_text()
    assert fixed_dockerfile(project) == migrated
    assert migrated.index("COPY . .") > migrated.index("RUN ")  # the restore moved up


def test_base_cache_key_follows_packages_and_ca_bundle() -> None:
    assert PYTHON.key(b"ca-1") != PYTHON.key(b"ca-2")
    assert PYTHON.key(b"ca-1") != NODE.key(b"ca-1")
    assert PYTHON.key(b"ca-1") == PYTHON.key(b"ca-1")


@pytest.mark.e2e
def test_push_floor_uploads_only_the_changed_layer(tmp_path: Path) -> None:
    with running_registry(tmp_path / "registry", user="ci", password="pw-4b2e") as registry:
        base = f"{registry.host}/base/busybox:1.36"
        push_base_image(registry, base, tmp_path / "busybox")
        context = tmp_path / "context"
        context.mkdir()
        (context / "Dockerfile").write_text(f"FROM {base}\nCOPY a /a\nCOPY b /b\n")
        (context / "a").write_text("same\n")
        for tag, content in (("1", "first\n"), ("2", "second\n")):
            (context / "b").write_text(content)
            build(registry, tmp_path / tag, context=context, dockerfile=context / "Dockerfile",
                  destination=f"{registry.host}/demo/app:{tag}")
        floor = push_floor(registry, "demo/app", "2", "1")
        assert floor.changed_layers == 1
        assert 0 < floor.changed_bytes < 10_000
        assert registry.manifest(floor.repository, "2")[0] == \
            registry.manifest("demo/app", "2")[0]


def test_tree_bytes_counts_regular_files_and_each_hard_link_once(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 24)
    os.link(tmp_path / "a", tmp_path / "sub" / "a-again")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert tree_bytes(tmp_path) == 1024
    assert tree_bytes(tmp_path / "missing") == 0
