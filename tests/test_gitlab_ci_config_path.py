"""GitLab mode migrates the file the project's ``ci_config_path`` names, the one it lints too."""

from __future__ import annotations

import pytest

from runner_ext.config import load_config
from runner_ext.errors import ExitCode, RunnerExtError
from runner_ext.lab.fake_gitlab import FakeGitLab
from runner_ext.lab.samples import APP, DIND_CI, TOKEN
from runner_ext.migrate.remote import migrate_remote

BRANCH = "runner-ext/migrate"
# What .gitlab-ci.yml holds while the project runs ci/pipeline.yml: a leftover, not migrated.
LEFTOVER = DIND_CI.replace("build-image", "old-build")


def migrate(fake: FakeGitLab, project: str, *, dry_run: bool = False) -> object:
    return migrate_remote(gitlab_url=fake.url, project=project, token=TOKEN,
                          config=load_config(None), engine=None, dockerfile_fixes="safe",
                          branch=BRANCH, dry_run=dry_run)


def test_the_configured_ci_file_is_migrated_and_linted(fake_gitlab: FakeGitLab) -> None:
    fake_gitlab.add_project("acme/app",
                            {"ci/pipeline.yml": DIND_CI, ".gitlab-ci.yml": LEFTOVER, **APP},
                            ci_config_path="ci/pipeline.yml")

    migrate(fake_gitlab, "acme/app")

    [commit] = fake_gitlab.calls("POST", "/repository/commits$")
    changed = {a["file_path"]: a["content"] for a in commit.body["actions"]}
    assert "ci/pipeline.yml" in changed and ".gitlab-ci.yml" not in changed
    assert "docker:27-dind" not in changed["ci/pipeline.yml"]
    [lint] = fake_gitlab.calls("POST", "/ci/lint$")
    assert lint.body["content"] == changed["ci/pipeline.yml"]


def test_a_ci_file_only_at_the_configured_path(fake_gitlab: FakeGitLab) -> None:
    fake_gitlab.add_project("acme/only", {"ci/pipeline.yml": DIND_CI, **APP},
                            ci_config_path="ci/pipeline.yml")

    migrate(fake_gitlab, "acme/only")

    [mr] = [mr for p in fake_gitlab.projects.values() if p.path == "acme/only"
            for mr in p.repo.merge_requests]
    assert "build-image" in mr.description


def test_a_ci_file_in_another_project_is_refused_before_any_write(
        fake_gitlab: FakeGitLab) -> None:
    fake_gitlab.add_project("acme/remote", {"Dockerfile": APP["Dockerfile"]},
                            ci_config_path="pipelines/app.yml@acme/ci-templates")

    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake_gitlab, "acme/remote")

    assert excinfo.value.exit_code == ExitCode.USAGE
    assert "CI configuration lives outside its repository" in str(excinfo.value)
    assert "pipelines/app.yml@acme/ci-templates" in str(excinfo.value)
    assert fake_gitlab.writes() == []
