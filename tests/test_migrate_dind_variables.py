"""A Docker-in-Docker service named through variables (``$DOCKER_IMAGE:$DOCKER_TAG-dind``)
is recognised once the pipeline's variables are substituted, as GitLab does."""

from __future__ import annotations

from pathlib import Path

from runner_ext.config import load_config
from runner_ext.migrate.parse.source import LocalSource
from runner_ext.migrate.project import migrate_project

CI = """\
variables:
  DOCKER_IMAGE: docker.io/library/docker
  DOCKER_TAG: "20.10.16"
build:
  image: $DOCKER_IMAGE:$DOCKER_TAG
  services:
    - name: $DOCKER_IMAGE:$DOCKER_TAG-dind
      alias: docker
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
"""


def test_a_dind_service_named_by_variables_is_dind(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(CI)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\n")
    result = migrate_project(LocalSource(tmp_path), config=load_config(None), strategy="auto")
    [job] = result.jobs
    assert job.status == "migrated", job.reason
