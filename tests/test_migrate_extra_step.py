"""Extra steps around a build: which strategy takes them, and what the report says.

The jobs mirror corpus projects: oly-exam-tools (a before_script `git config … insteadOf`
with the job token in the URL, before the build) and auto-build-image (the buildx CLI
plugin downloaded into ~/.docker/cli-plugins before `docker buildx build`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runner_ext.config import load_config
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.shim.strategy import Strategy

URL_CANARY = "canary-url-4b1e9"
GIT_LINE = ('git config --global url."https://gitlab-ci-token:{token}@gitlab.com/group/'
            'deploy.git".insteadOf git@gitlab.com:group/deploy.git')
BUILD = """\
build:
  stage: build
  image: docker:27
  services: [docker:27-dind]
  before_script:
    - {before}
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
"""


def _project(root: Path, before: str) -> Path:
    (root / ".gitlab-ci.yml").write_text(BUILD.format(before=before))
    (root / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    return root


@pytest.mark.parametrize(("strategy", "status"), [("auto", "migrated"),
                                                  ("declarative", "left")])
def test_git_config_goes_to_the_shim_under_auto_only(tmp_path: Path, strategy: Strategy,
                                                     status: str) -> None:
    project = _project(tmp_path, GIT_LINE.format(token="${CI_JOB_TOKEN}"))
    result = migrate_project(LocalSource(project), config=load_config(None),
                             strategy=strategy)
    [job] = result.jobs
    assert job.status == status
    if status == "left":
        assert "the executor image has no 'git'" in job.reason


def test_a_step_neither_image_has_stays_declarative_reason(tmp_path: Path) -> None:
    project = _project(tmp_path, "ssh-keyscan -H gitlab.com >> ~/.ssh/known_hosts")
    [job] = migrate_project(LocalSource(project), config=load_config(None)).jobs
    assert job.status == "left"
    assert "the executor image has no 'ssh-keyscan'" in job.reason


@pytest.mark.parametrize("strategy", ["auto", "declarative", "shim"])
def test_a_literal_token_in_a_url_is_never_shown(tmp_path: Path, strategy: Strategy) -> None:
    project = _project(tmp_path, GIT_LINE.format(token=URL_CANARY))
    result = migrate_project(LocalSource(project), config=load_config(None),
                             strategy=strategy)
    shown = result.to_text() + result.to_markdown() + str(result.to_dict()) + result.diff()
    assert URL_CANARY not in shown and "4b1e9" not in shown
    assert "gitlab-ci-token:" in result.to_text() + result.diff()


def test_a_buildx_plugin_install_is_dropped(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(
        "build:\n  image: docker:27\n  services: [docker:27-dind]\n  before_script:\n"
        "    - mkdir -p ~/.docker/cli-plugins\n"
        "    - wget https://github.com/docker/buildx/releases/download/v0.12.0/"
        "buildx-v0.12.0.linux-amd64 -O ~/.docker/cli-plugins/docker-buildx\n"
        "    - chmod a+x ~/.docker/cli-plugins/docker-buildx\n  script:\n"
        "    - docker buildx create --use\n"
        "    - docker buildx build --tag $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA --push .\n")
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    result = migrate_project(LocalSource(tmp_path), config=load_config(None),
                             strategy="declarative")
    [job] = result.jobs
    assert job.status == "migrated"
    assert "dropped Docker CLI plugin installs" in result.to_text()
    assert "cli-plugins" not in result.changes[".gitlab-ci.yml"]
