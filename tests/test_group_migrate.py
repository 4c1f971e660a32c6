"""``runner-ext migrate-group``: one merge request per eligible project, through python-gitlab
against the fake GitLab (groups, subgroups, files, merge requests, injected 5xx)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner_ext.cli.main import run
from runner_ext.lab.fake_gitlab import FakeGitLab
from runner_ext.lab.fake_gitlab_repo import FakeProject
from runner_ext.lab.samples import APP, DIND_CI, PLAIN_CI, TOKEN

BRANCH = "runner-ext/migrate"


@pytest.fixture
def fake(fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch) -> FakeGitLab:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    gitlab = fake_gitlab
    gitlab.add_project("acme/api", {".gitlab-ci.yml": DIND_CI, **APP})
    gitlab.add_project("acme/web/shop", {"ci/main.yml": DIND_CI, **APP},
                       ci_config_path="ci/main.yml")
    busy = gitlab.add_project("acme/web/busy", {".gitlab-ci.yml": DIND_CI, **APP})
    busy.seed({"note.txt": "work in progress\n"}, branch=BRANCH)
    busy.repo.create_mr({"source_branch": BRANCH, "target_branch": "main",
                         "title": "Move image builds (runner-ext)"})
    gitlab.add_project("acme/old", {".gitlab-ci.yml": DIND_CI, **APP}, archived=True)
    gitlab.add_project("acme/docs", {".gitlab-ci.yml": PLAIN_CI})
    gitlab.add_project("acme/secret", {".gitlab-ci.yml": DIND_CI, **APP},
                       repository_access=False)
    gitlab.add_project("acme/web/broken", {".gitlab-ci.yml": DIND_CI, **APP})
    gitlab.add_project("other/x", {".gitlab-ci.yml": DIND_CI, **APP})
    return gitlab


def project(fake: FakeGitLab, path: str) -> FakeProject:
    return next(p for p in fake.projects.values() if p.path == path)


def migrate_group(fake: FakeGitLab, capsys: pytest.CaptureFixture[str],
                  *args: str) -> tuple[int, str]:
    code = run(["migrate-group", "--gitlab-url", fake.url, *args])
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    return code, captured.out + captured.err


def rows(out: str) -> dict[str, dict[str, Any]]:
    return {r["project"]: r for r in json.loads(out)["projects"]}


def test_dry_run_prints_the_plan_and_writes_nothing(fake: FakeGitLab,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out = migrate_group(fake, capsys, "acme", "--dry-run")

    assert code == 0, out
    assert fake.writes() == []
    assert [r for r in fake.requests if r.method in ("POST", "PUT", "DELETE")] == []
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("acme/")}
    assert set(lines) == {"acme/api", "acme/web/shop", "acme/web/busy", "acme/old",
                          "acme/docs", "acme/secret", "acme/web/broken"}
    assert "would open" in lines["acme/api"] and "changes .gitlab-ci.yml" in lines["acme/api"]
    assert "would open" in lines["acme/web/shop"] and "ci/main.yml" in lines["acme/web/shop"]
    assert "skipped" in lines["acme/web/busy"] and "open runner-ext merge request !1" in \
        lines["acme/web/busy"]
    assert "skipped" in lines["acme/old"] and "archived" in lines["acme/old"]
    assert "skipped" in lines["acme/docs"]
    assert "nothing to migrate: no job builds an image" in lines["acme/docs"]
    assert "skipped" in lines["acme/secret"] and "no access to the repository" in \
        lines["acme/secret"]
    assert "7 of 7 project(s) selected: would open 3, skipped 4" in out


def test_opens_mrs_skips_busy_and_a_failing_project_does_not_stop_the_others(
        fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    broken = project(fake, "acme/web/broken")
    fake.fail("POST", rf"/projects/{broken.id}/repository/commits$", 500, times=None)

    code, out = migrate_group(fake, capsys, "acme", "--output", "json")

    assert code == 1, out
    found = rows(out)
    assert found["acme/api"]["status"] == "opened"
    assert found["acme/web/shop"]["status"] == "opened"
    assert found["acme/web/shop"]["files"] == ["ci/main.yml"]
    assert found["acme/web/busy"]["status"] == "skipped"
    assert found["acme/web/busy"]["reason"] == "open runner-ext merge request !1"
    assert found["acme/web/broken"]["status"] == "failed"
    assert "HTTP 500" in found["acme/web/broken"]["reason"]
    assert found["acme/secret"]["status"] == "skipped"
    assert json.loads(out)["counts"] == {"opened": 2, "updated": 0, "would-open": 0,
                                         "skipped": 4, "failed": 1}
    for path in ("acme/api", "acme/web/shop"):
        [mr] = project(fake, path).repo.merge_requests
        assert mr.state == "opened" and mr.source_branch == BRANCH
        assert found[path]["merge_request"] == f"{fake.url}/{path}/-/merge_requests/1"
    assert project(fake, "acme/web/broken").repo.merge_requests == []
    assert len(project(fake, "acme/web/busy").repo.merge_requests) == 1
    assert project(fake, "other/x").repo.merge_requests == []


def test_a_second_run_skips_what_the_first_opened(fake: FakeGitLab,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate_group(fake, capsys, "acme", "--include", "acme/api")[0] == 0
    code, out = migrate_group(fake, capsys, "acme", "--include", "acme/api", "--output", "json")
    assert code == 0
    assert rows(out)["acme/api"]["reason"] == "open runner-ext merge request !1"
    assert len(project(fake, "acme/api").repo.merge_requests) == 1


def test_include_exclude_and_limit(fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = migrate_group(fake, capsys, "acme", "--include", "acme/web/*", "--exclude",
                              "*/busy", "--limit", "1", "--dry-run", "--output", "json")
    assert code == 0
    found = rows(out)
    assert list(found) == ["acme/web/shop", "acme/web/broken"]
    assert found["acme/web/shop"]["status"] == "would-open"
    assert found["acme/web/broken"] == {**found["acme/web/broken"], "status": "skipped",
                                        "reason": "over --limit 1"}
    assert json.loads(out)["projects_in_group"] == 7


def test_class_filter_uses_the_scan_classes(fake: FakeGitLab,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_project("acme/kaniko", {".gitlab-ci.yml": (
        "build:\n  image: gcr.io/kaniko-project/executor:debug\n"
        "  script: [/kaniko/executor --destination $CI_REGISTRY_IMAGE]\n")})
    code, out = migrate_group(fake, capsys, "acme", "--class", "kaniko", "--class",
                              "no-image-build", "--dry-run", "--output", "json")
    assert code == 0, out
    found = rows(out)
    assert sorted(found) == ["acme/docs", "acme/kaniko"]
    assert {r["class"] for r in found.values()} == {"kaniko", "no-image-build"}
    assert all(r["status"] == "skipped" for r in found.values())


@pytest.mark.parametrize(("args", "message"), [
    (["acme/nope"], "GROUP: no such group, or the token cannot see it"),
    (["acme", "--class", "dockerish"], "--class: unknown project class"),
])
def test_bad_input_is_one_line_and_exit_2(fake: FakeGitLab, capsys: pytest.CaptureFixture[str],
                                          args: list[str], message: str) -> None:
    code, out = migrate_group(fake, capsys, *args)
    assert code == 2 and message in out
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out
    assert fake.writes() == []


def test_a_group_without_projects_is_bad_input(fake: FakeGitLab,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_group("acme/empty")
    code, out = migrate_group(fake, capsys, "acme/empty")
    assert code == 2 and "the group has no projects" in out


def test_a_refused_token_is_bad_input(fake: FakeGitLab, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-CANARY-refused-31")
    code, out = migrate_group(fake, capsys, "acme")
    assert code == 2 and "GitLab refused the token (HTTP 401)" in out
    assert "glpat-CANARY-refused-31" not in out


def test_progress_hears_of_every_selected_project_once(fake: FakeGitLab) -> None:
    from runner_ext.config import load_config
    from runner_ext.gitlab.auth import resolve_credentials
    from runner_ext.group.migrate import GroupMigration, GroupProgress, migrate_group

    totals: list[int] = []
    done: list[str] = []
    result = migrate_group(
        GroupMigration(credentials=resolve_credentials(fake.url, TOKEN), group="acme",
                       config=load_config(None), dry_run=True, limit=1, workers=3),
        GroupProgress(start=totals.append, done=lambda row: done.append(row.project)))
    assert totals == [7]
    assert sorted(done) == sorted(r.project for r in result.rows)
    assert [r.status for r in result.rows].count("would-open") == 1
    assert fake.writes() == []


def test_progress_bar_on_request(fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = migrate_group(fake, capsys, "acme", "--dry-run", "--progress")
    assert code == 0 and "7 of 7 project(s) selected" in out


def test_kaniko_projects_are_adopted_unless_kept(fake: FakeGitLab,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A hand-written Kaniko build gets its merge request; --keep-daemonless skips it."""
    fake.add_project("acme/kaniko", {
        ".gitlab-ci.yml": ("build:\n  image: gcr.io/kaniko-project/executor:debug\n"
                           "  script: [/kaniko/executor --context . --destination "
                           "$CI_REGISTRY_IMAGE]\n"),
        "Dockerfile": "FROM busybox:1.36\n"})
    found = {}
    for flag in ([], ["--keep-daemonless"]):
        code, out = migrate_group(fake, capsys, "acme", "--class", "kaniko", *flag,
                                  "--dry-run", "--output", "json")
        assert code == 0, out
        found[bool(flag)] = rows(out)["acme/kaniko"]
    assert found[False]["status"] == "would-open"
    assert found[True]["status"] == "skipped"
    assert "already build daemonless" in found[True]["reason"]
    assert fake.writes() == []
