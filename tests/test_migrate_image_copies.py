"""Registry-to-registry image copies (skopeo, crane) need no Docker daemon: the migration
reports such jobs as already daemonless, and they lock no file against migration."""

from __future__ import annotations

from pathlib import Path

from runner_ext.config import load_config
from runner_ext.migrate.parse.source import LocalSource
from runner_ext.migrate.project import migrate_project

CI = """\
build:
  image: docker:27
  services: [docker:27-dind]
  script:
    - docker build -t $CI_REGISTRY_IMAGE/test:$CI_COMMIT_SHA .
    - docker push $CI_REGISTRY_IMAGE/test:$CI_COMMIT_SHA
promote:
  image: quay.io/skopeo/stable
  script:
    - skopeo copy docker://$CI_REGISTRY_IMAGE/test:$CI_COMMIT_SHA docker://$CI_REGISTRY_IMAGE:latest
release:
  image: gcr.io/go-containerregistry/crane:debug
  script:
    - crane copy $CI_REGISTRY_IMAGE/test:$CI_COMMIT_SHA $CI_REGISTRY_IMAGE:$CI_COMMIT_TAG
inspect:
  image: quay.io/skopeo/stable
  script:
    - skopeo inspect docker://$CI_REGISTRY_IMAGE:latest
"""


def test_copies_are_already_daemonless_and_lock_no_file(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(CI)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nRUN true\n")
    result = migrate_project(LocalSource(tmp_path), config=load_config(None), strategy="auto")
    jobs = {j.name: j for j in result.jobs}
    assert set(jobs) == {"build", "promote", "release"}  # inspect copies nothing
    assert jobs["promote"].status == "already-daemonless"
    assert jobs["promote"].reason == "copies images with skopeo, which needs no Docker daemon"
    assert jobs["release"].status == "already-daemonless"
    assert jobs["release"].reason == "copies images with crane, which needs no Docker daemon"
    assert jobs["build"].status == "migrated", jobs["build"].reason
