"""Promote jobs for real: skopeo copies images between tags of a local registry and the
destination has the same manifest digest as the source, for one image and for a
multi-platform index.

Two ways in: the planner's command lines (``promote_commands``) run directly, and a promote
job written the Docker way, migrated in classic mode and run by gitlab-ci-local with the
rendered ``.runner-ext-promote`` job (its script: the planner's shell, the entrypoint's auth
writer, skopeo). The registry is Debian's ``docker-registry`` with htpasswd auth; the password
is a canary that must not appear in any log or file left behind.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_tool

from runner_ext.config import OrgConfig, load_config
from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.project import ENTRYPOINT, Project, _git, render_templates
from runner_ext.lab.registry import Registry, running_registry
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.rewrite.write import write_changes
from runner_ext.planner.from_config import registry_options
from runner_ext.planner.promote import Promotion, promote_commands, promote_files

pytestmark = pytest.mark.e2e

USER = "ci-promote"
PASSWORD = f"canary-{secrets.token_hex(6)}"
REPOSITORY = "group/app"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = """[build]
engine = "buildah"

[include]
mode = "project"
project = "platform/runner-ext"
ref = "v1.0.0"
file = "/classic/build.yml"
"""
CLASSIC_INCLUDE = re.compile(r"- project: platform/runner-ext\n\s*ref: v1.0.0\n\s*"
                             r"file: /classic/build.yml")
PROMOTE_CI = """stages: [release]

release:
  stage: release
  image: docker:27
  services: [docker:27-dind]
  before_script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY
  script:
    - docker pull $CI_REGISTRY_IMAGE:multi
    - docker tag $CI_REGISTRY_IMAGE:multi $CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG
    - |
      if [ "$CI_COMMIT_BRANCH" = "$CI_DEFAULT_BRANCH" ]; then
        docker tag $CI_REGISTRY_IMAGE:multi $CI_REGISTRY_IMAGE:stable
        docker push $CI_REGISTRY_IMAGE:stable
      fi
"""


@dataclass
class Lab:
    """The registry with one image (``:single``) and an index of two platforms (``:multi``)."""

    registry: Registry
    folder: Path

    def config(self) -> str:
        """The org config: classic include, the registry is plain HTTP."""
        return f'{CONFIG}\n[registry]\ninsecure = ["{self.registry.host}"]\n'


def _push_index(registry: Registry) -> str:
    """An OCI index of the single image for linux/amd64 and, with its own manifest,
    linux/arm64; pushed as ``:multi``. Its digest."""
    digest, manifest = registry.manifest(REPOSITORY, "single")
    size = len(registry.get(f"{REPOSITORY}/manifests/{digest}",
                            Accept=manifest["mediaType"]).content)
    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        {"mediaType": manifest["mediaType"], "digest": digest, "size": size,
         "platform": {"architecture": arch, "os": "linux"}} for arch in ("amd64", "arm64")]}
    done = registry.http.put(f"{registry.base}/v2/{REPOSITORY}/manifests/multi",
                             data=json.dumps(index), headers={"Content-Type": INDEX}, timeout=30)
    done.raise_for_status()
    return str(done.headers["Docker-Content-Digest"])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_tool("skopeo")
    folder = tmp_path_factory.mktemp("promote")
    with running_registry(folder / "registry", user=USER, password=PASSWORD) as registry:
        push_base_image(registry, f"{registry.host}/{REPOSITORY}:single", folder / "base")
        _push_index(registry)
        yield Lab(registry, folder)


def _work_dir(lab: Lab, name: str) -> Path:
    """A work directory with the auth file (mode 0600) and the plan's registry files."""
    work = lab.folder / name
    work.mkdir()
    fd = os.open(work / "auth.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(lab.registry.docker_config(), handle)
    return work


def load_config_text(text: str, folder: Path) -> OrgConfig:
    folder.mkdir()
    (folder / "runner-ext.toml").write_text(text)
    return load_config(folder / "runner-ext.toml")


@pytest.mark.parametrize("source", ["single", "multi"])
def test_planner_commands_keep_the_digest(lab: Lab, source: str) -> None:
    host = lab.registry.host
    destinations = (f"{host}/{REPOSITORY}:{source}-v1", f"{host}/other/app:{source}")
    promotion = Promotion(f"{host}/{REPOSITORY}:{source}", destinations)
    work = _work_dir(lab, f"work-{source}")
    registry = registry_options(load_config_text(lab.config(), lab.folder / source))
    for path, content in promote_files(str(work), registry).items():
        Path(path).write_text(content)
    for argv in promote_commands(promotion, str(work), registry):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    expected = lab.registry.manifest(REPOSITORY, source)
    assert lab.registry.manifest(REPOSITORY, f"{source}-v1") == expected
    assert lab.registry.manifest("other/app", source) == expected
    if source == "multi":
        assert expected[1]["mediaType"] == INDEX and len(expected[1]["manifests"]) == 2


@pytest.fixture(scope="module")
def promoted(lab: Lab) -> tuple[Project, str]:
    """The Docker-way promote job, migrated (classic mode) and run on the default branch."""
    folder = lab.folder / "job"
    root = folder / "project"
    root.mkdir(parents=True)
    (root / ".gitlab-ci.yml").write_text(PROMOTE_CI)
    config_file = folder / "runner-ext.toml"
    config_file.write_text(lab.config())
    result = migrate_project(LocalSource(root), config=load_config(config_file))
    assert [j.status for j in result.jobs] == ["migrated"], result.to_text()
    write_changes(root, result.changes)
    migrated = (root / ".gitlab-ci.yml").read_text()
    (root / ".gitlab-ci.yml").write_text(CLASSIC_INCLUDE.sub(
        "- local: runner-ext/classic/build.yml", migrated))
    render_templates(config_file, lab.config(), root / "runner-ext")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "remote", "add", "origin", "https://gitlab.example.com/group/app.git")
    project = Project(root, folder / "gcl-home")
    project.home.mkdir()
    project.commit("migrated promote job")
    run = project.run_job(["release"], {
        "CI_REGISTRY": lab.registry.host, "CI_REGISTRY_USER": USER,
        "CI_REGISTRY_PASSWORD": PASSWORD,
        "CI_REGISTRY_IMAGE": f"{lab.registry.host}/{REPOSITORY}",
        "RUNNER_EXT_ENTRYPOINT": str(ENTRYPOINT),
        "RUNNER_EXT_WORK_DIR": str(folder / "work"),
    })
    assert run.returncode == 0, run.output[-3000:]
    return project, run.output + run.log


def test_migrated_job_copies_the_index_with_its_digest(lab: Lab,
                                                       promoted: tuple[Project, str]) -> None:
    _, output = promoted
    expected = lab.registry.manifest(REPOSITORY, "multi")
    for tag in ("main", "stable"):  # the ref slug, and the default branch's guarded tag
        assert lab.registry.manifest(REPOSITORY, tag) == expected, tag
    runs = {line.split("runner-ext: running: ", 1)[1] for line in output.splitlines()
            if "runner-ext: running: skopeo " in line}
    assert len(runs) == 2 and all(" copy --all --preserve-digests " in r for r in runs)


def test_auth_file_removed_and_password_never_leaks(lab: Lab,
                                                    promoted: tuple[Project, str]) -> None:
    project, output = promoted
    assert PASSWORD not in output
    work = lab.folder / "job" / "work"
    assert not (work / "auth.json").exists()
    for path, data in project.files_text().items():
        assert PASSWORD.encode() not in data, path
