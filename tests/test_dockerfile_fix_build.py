"""The RXD102 fix, built for real: same image contents, and the restore survives a source edit.

Both Dockerfiles are built with the planner's Buildah commands against a real registry cache,
each build in a fresh storage. The restore is a stand-in ``npm ci`` (see ``e2e/lab.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runner_ext.dockerfile import analyze_dockerfile
from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.builds import build, context_files, image_tree, node_base, node_project
from runner_ext.lab.registry import running_registry

pytestmark = pytest.mark.e2e


def _restore_step_cached(output: str) -> bool:
    """True when Buildah took the `RUN npm ci` step from the cache instead of running it."""
    steps = re.split(r"(?m)^STEP \d+/\d+: ", output)
    restore = next(s for s in steps if s.startswith("RUN npm ci"))
    return "Cache pulled from remote" in restore or "Using cache" in restore


def test_fixed_dockerfile_builds_the_same_image_and_keeps_the_restore(tmp_path: Path) -> None:
    with running_registry(tmp_path / "registry", user="ci", password="pw-7c1d") as registry:
        busybox = f"{registry.host}/base/busybox:1.36"
        push_base_image(registry, busybox, tmp_path / "busybox")
        project = node_project(tmp_path, node_base(registry, tmp_path, busybox, 1))
        original = (project / "Dockerfile.original").read_text()
        report = analyze_dockerfile(
            "Dockerfile", original, engine="buildah", context_files=context_files(project),
            has_dockerignore=True,
            read_file=lambda p: (project / p).read_bytes() if (project / p).is_file() else None)
        assert [f.rule_id for f in report.findings if f.fix and f.fix.safe] == ["RXD102"]
        (project / "Dockerfile.fixed").write_text(report.fixed_text)
        rebuilt = {}
        for variant in ("original", "fixed"):
            (project / "src" / "index.js").write_text("console.log('v1');\n")
            ref = f"{registry.host}/demo/{variant}"
            dockerfile = project / f"Dockerfile.{variant}"
            build(registry, tmp_path / f"{variant}-1", context=project, dockerfile=dockerfile,
                  destination=f"{ref}:1")
            (project / "src" / "index.js").write_text("console.log('v2');\n")
            rebuilt[variant] = build(registry, tmp_path / f"{variant}-2", context=project,
                                     dockerfile=dockerfile, destination=f"{ref}:2")
        assert not _restore_step_cached(rebuilt["original"].output)
        assert _restore_step_cached(rebuilt["fixed"].output)
        trees = {v: image_tree(registry, f"{registry.host}/demo/{v}:2", tmp_path / v, "/app")
                 for v in rebuilt}
    assert trees["original"] == trees["fixed"]
    assert "node_modules/.installed-from-lock" in trees["fixed"]
    assert "src/index.js" in trees["fixed"]
