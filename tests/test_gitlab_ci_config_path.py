"""GitLab mode migrates the file the project's ``ci_config_path`` names, the one it lints too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_ext.config import load_config
from runner_ext.errors import ExitCode, RunnerExtError
from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.migrate.remote import migrate_remote

TOKEN = "glpat-CANARY-cipath-0c4d21"
BRANCH = "runner-ext/migrate"
DIND_CI = """\
build-image:
  image: docker:27
  services: [docker:27-dind]
  variables:
    DOCKER_HOST: tcp://docker:2376
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
"""
DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app/main.py\"]\n"
# What .gitlab-ci.yml holds while the project runs ci/pipeline.yml: a leftover, not migrated.
LEFTOVER = """\
old-build:
  image: docker:27
  services: [docker:27-dind]
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:old" .
    - docker push "$CI_REGISTRY_IMAGE:old"
"""


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    gitlab = FakeGitLab(token=TOKEN)
    with serve(gitlab):
        yield gitlab


def migrate(fake: FakeGitLab, project: str, *, dry_run: bool = False) -> object:
    return migrate_remote(gitlab_url=fake.url, project=project, token=TOKEN,
                          config=load_config(None), engine=None, dockerfile_fixes="safe",
                          branch=BRANCH, dry_run=dry_run)


def test_the_configured_ci_file_is_migrated_and_linted(fake: FakeGitLab) -> None:
    fake.add_project("acme/app", {"ci/pipeline.yml": DIND_CI, ".gitlab-ci.yml": LEFTOVER,
                                  "Dockerfile": DOCKERFILE, "app/main.py": "print(1)\n"},
                     ci_config_path="ci/pipeline.yml")

    migrate(fake, "acme/app")

    [commit] = fake.calls("POST", "/repository/commits$")
    changed = {a["file_path"]: a["content"] for a in commit.body["actions"]}
    assert "ci/pipeline.yml" in changed and ".gitlab-ci.yml" not in changed
    assert "docker:27-dind" not in changed["ci/pipeline.yml"]
    [lint] = fake.calls("POST", "/ci/lint$")
    assert lint.body["content"] == changed["ci/pipeline.yml"]


def test_a_ci_file_only_at_the_configured_path(fake: FakeGitLab) -> None:
    fake.add_project("acme/only", {"ci/pipeline.yml": DIND_CI, "Dockerfile": DOCKERFILE,
                                   "app/main.py": "print(1)\n"},
                     ci_config_path="ci/pipeline.yml")

    migrate(fake, "acme/only")

    [mr] = [mr for p in fake.projects.values() if p.path == "acme/only"
            for mr in p.repo.merge_requests]
    assert "build-image" in mr.description


def test_a_ci_file_in_another_project_is_refused_before_any_write(fake: FakeGitLab) -> None:
    fake.add_project("acme/remote", {"Dockerfile": DOCKERFILE},
                     ci_config_path="pipelines/app.yml@acme/ci-templates")

    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake, "acme/remote")

    assert excinfo.value.exit_code == ExitCode.USAGE
    assert "CI configuration lives outside its repository" in str(excinfo.value)
    assert "pipelines/app.yml@acme/ci-templates" in str(excinfo.value)
    assert fake.writes() == []
