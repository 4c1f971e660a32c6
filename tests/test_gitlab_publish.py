"""Proposing changes as one commit, one lint and one MR, against a fake GitLab API.

These drive :func:`runner_ext.gitlab.publish.publish` with plain data (new file texts and a
Markdown report) through the real python-gitlab client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from runner_ext.errors import Category, RunnerExtError
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.branch import TRAILER
from runner_ext.gitlab.client import RestProject, connect
from runner_ext.gitlab.publish import ChangeSet, PublishOutcome, publish
from runner_ext.lab.fake_gitlab import FakeGitLab, serving
from runner_ext.lab.samples import DIND_CI, TOKEN

BRANCH = "runner-ext/migrate"

AFTER_CI = """\
stages: [build]

include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@1.0.0
    inputs:
      job_name: build-image
      stage: build
      image: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA
"""
BEFORE_DOCKERFILE = """\
FROM node:20-alpine
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "server.js"]
"""
AFTER_DOCKERFILE = """\
FROM node:20-alpine
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
"""
DOCKERIGNORE = "node_modules\n.git\n"
CHANGES = {".gitlab-ci.yml": AFTER_CI, "Dockerfile": AFTER_DOCKERFILE,
           ".dockerignore": DOCKERIGNORE}
TITLE = "Move image builds to daemonless kaniko builds (runner-ext)"
REPORT = "## runner-ext migration\n\n- `build-image`: migrated\n"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with serving({".gitlab-ci.yml": DIND_CI, "Dockerfile": BEFORE_DOCKERFILE,
                  "package.json": '{"name": "app"}\n', "package-lock.json": "{}\n",
                  "server.js": "console.log('up')\n"}, token=TOKEN) as gitlab:
        yield gitlab


def run(fake: FakeGitLab, changes: dict[str, str] | None = None, *, report: str = REPORT,
        dry_run: bool = False, max_retries: int = 2) -> PublishOutcome:
    project: RestProject = connect(Credentials(url=fake.url, token=TOKEN), "group/app",
                                   max_retries=max_retries)
    target_sha = project.branch_sha("main")
    assert target_sha is not None
    change = ChangeSet(CHANGES if changes is None else changes, title=TITLE, description=report)
    return publish(project, change, branch=BRANCH, target_branch="main", target_sha=target_sha,
                   dry_run=dry_run)


def writes(fake: FakeGitLab) -> list[tuple[str, str]]:
    return [(r.method, r.path.removeprefix("/api/v4/projects/42")) for r in fake.writes()]


def head(fake: FakeGitLab, branch: str = BRANCH) -> str:
    return fake.repo.branches[branch]


def test_first_run_makes_one_commit_lints_it_and_opens_one_mr(fake: FakeGitLab) -> None:
    main_sha = head(fake, "main")

    outcome = run(fake)

    assert writes(fake) == [("POST", "/repository/commits"), ("POST", "/ci/lint"),
                            ("POST", "/merge_requests")]
    commit_call, lint_call, mr_call = fake.writes()
    assert commit_call.body == {
        "branch": BRANCH, "start_sha": main_sha,
        "commit_message": f"{TITLE}\n\n- create .dockerignore\n- update .gitlab-ci.yml\n"
                          f"- update Dockerfile\n\n{TRAILER}\n",
        "actions": [
            {"action": "create", "file_path": ".dockerignore", "content": DOCKERIGNORE},
            {"action": "update", "file_path": ".gitlab-ci.yml", "content": AFTER_CI},
            {"action": "update", "file_path": "Dockerfile", "content": AFTER_DOCKERFILE}]}
    assert lint_call.body == {"content": AFTER_CI, "dry_run": True, "ref": BRANCH}
    assert mr_call.body == {"source_branch": BRANCH, "target_branch": "main", "title": TITLE,
                            "description": REPORT, "remove_source_branch": True}

    commit = fake.repo.commits[head(fake)]
    assert commit.parent_ids == [main_sha]
    assert commit.tree == {**fake.tree("main"), **{p: t.encode() for p, t in CHANGES.items()}}
    assert [(mr.iid, mr.source_branch, mr.description) for mr in fake.open_mrs()] == [
        (1, BRANCH, REPORT)]
    assert (outcome.created, outcome.branch_action, outcome.mr_action) == (True, "create",
                                                                           "create")
    assert outcome.commit_sha == commit.sha and outcome.mr is not None
    assert outcome.mr.web_url.endswith("/group/app/-/merge_requests/1")
    assert outcome.lint is not None and outcome.lint.valid


def test_a_rerun_without_new_changes_commits_nothing_and_keeps_the_mr(fake: FakeGitLab) -> None:
    run(fake)
    first_head, before = head(fake), len(fake.writes())

    outcome = run(fake)

    assert head(fake) == first_head
    assert writes(fake)[before:] == [("POST", "/ci/lint")]
    assert (outcome.branch_action, outcome.mr_action, outcome.created) == ("none", "none",
                                                                           False)
    assert outcome.commit_sha is None and outcome.mr is not None and outcome.mr.iid == 1
    assert len(fake.repo.merge_requests) == 1


def test_a_rerun_with_new_changes_resets_the_branch_and_updates_the_same_mr(
        fake: FakeGitLab) -> None:
    run(fake)
    before = len(fake.writes())
    changes = {**CHANGES, "Dockerfile": AFTER_DOCKERFILE.replace("20-alpine", "22-alpine")}

    outcome = run(fake, changes, report=REPORT + "- Dockerfile: base image bumped\n")

    scratch = f"{BRANCH}-lint"
    new = fake.writes()[before:]
    assert writes(fake)[before:] == [
        ("POST", "/repository/commits"), ("POST", "/ci/lint"),
        ("DELETE", "/repository/branches/runner-ext%2Fmigrate-lint"),
        ("POST", "/repository/commits"), ("PUT", "/merge_requests/1")]
    assert new[0].body["branch"] == scratch and new[0].body["force"] is True
    assert "[skip ci]" in new[0].body["commit_message"]
    assert new[1].body["ref"] == scratch
    assert new[3].body["branch"] == BRANCH and new[3].body["force"] is True
    assert new[3].body["start_sha"] == head(fake, "main")
    assert "[skip ci]" not in new[3].body["commit_message"]

    commit = fake.repo.commits[head(fake)]
    assert commit.parent_ids == [head(fake, "main")]
    assert commit.tree["Dockerfile"] == changes["Dockerfile"].encode()
    assert set(fake.repo.branches) == {"main", BRANCH}
    assert [mr.iid for mr in fake.open_mrs()] == [1]
    assert fake.open_mrs()[0].description.endswith("base image bumped\n")
    assert (outcome.branch_action, outcome.mr_action) == ("update", "update")


def test_a_rerun_after_the_target_moved_rebuilds_the_commit_on_the_new_head(
        fake: FakeGitLab) -> None:
    run(fake)
    fake.seed({"server.js": "console.log('v2')\n"})

    outcome = run(fake)

    commit = fake.repo.commits[head(fake)]
    assert commit.parent_ids == [head(fake, "main")]
    assert commit.tree["server.js"] == b"console.log('v2')\n"
    assert outcome.branch_action == "update" and outcome.mr_action == "none"
    assert len(fake.repo.merge_requests) == 1


def test_an_mr_opened_meanwhile_is_adopted_after_the_409(fake: FakeGitLab) -> None:
    def another_run_opens_one() -> None:
        fake.repo.create_mr({"source_branch": BRANCH, "target_branch": "main",
                             "title": "Draft: migrate", "description": "older report"})

    fake.before("POST", "/merge_requests$", another_run_opens_one)

    outcome = run(fake)

    conflict = fake.calls("POST", "/merge_requests$")
    assert len(conflict) == 1 and fake.repo.merge_requests[0].iid == 1
    assert writes(fake)[-1] == ("PUT", "/merge_requests/1")
    assert [(mr.title, mr.description) for mr in fake.open_mrs()] == [(TITLE, REPORT)]
    assert outcome.mr_action == "adopt" and outcome.mr is not None and outcome.mr.iid == 1


def test_a_lint_failure_deletes_the_new_branch_and_opens_no_mr(fake: FakeGitLab) -> None:
    fake.lint_errors = lambda content: [
        "jobs:build-image config contains unknown keys: inputs"]

    with pytest.raises(RunnerExtError) as excinfo:
        run(fake)

    text = str(excinfo.value)
    assert excinfo.value.category is Category.GITLAB
    assert "GitLab's CI lint rejects the migrated CI configuration" in text
    assert ".gitlab-ci.yml: jobs:build-image config contains unknown keys: inputs" in text
    assert f"branch '{BRANCH}', created by this run, was deleted again" in text
    assert set(fake.repo.branches) == {"main"}
    assert not fake.calls("POST", "/merge_requests$") and not fake.repo.merge_requests


def test_a_lint_failure_on_a_rerun_leaves_branch_and_mr_as_they_were(fake: FakeGitLab) -> None:
    run(fake)
    kept_head = head(fake)
    fake.lint_errors = lambda content: ["jobs:build-image:script config should be a list"]

    with pytest.raises(RunnerExtError) as excinfo:
        run(fake, {**CHANGES, ".gitlab-ci.yml": AFTER_CI + "# changed\n"}, report="new report")

    assert "left as they were" in str(excinfo.value)
    assert head(fake) == kept_head
    assert set(fake.repo.branches) == {"main", BRANCH}
    assert [mr.description for mr in fake.open_mrs()] == [REPORT]


@pytest.mark.parametrize(("status", "hint"), [
    (401, "GITLAB_TOKEN"), (403, "Developer role"), (404, "--project")])
@pytest.mark.parametrize("step", ["/ci/lint$", "/merge_requests$"])
def test_a_failure_after_the_commit_deletes_the_new_branch(
        fake: FakeGitLab, status: int, hint: str, step: str) -> None:
    fake.fail("POST", step, status, body={"message": f"{status} refused"})

    with pytest.raises(RunnerExtError) as excinfo:
        run(fake)

    text = str(excinfo.value)
    assert f"answered HTTP {status}: {status} refused" in text and hint in text
    assert "was deleted again" in text and TOKEN not in text
    assert set(fake.repo.branches) == {"main"}
    assert not fake.repo.merge_requests


def test_a_commit_that_keeps_failing_leaves_nothing_behind(fake: FakeGitLab) -> None:
    fake.fail("POST", "/repository/commits$", 500, times=None)

    with pytest.raises(RunnerExtError) as excinfo:
        run(fake, max_retries=1)

    assert "answered HTTP 500" in str(excinfo.value) and "retried 1 times" in str(excinfo.value)
    assert len(fake.calls("POST", "/repository/commits$")) == 2
    assert set(fake.repo.branches) == {"main"}


def test_a_commit_whose_answer_was_lost_is_recognised_and_used(fake: FakeGitLab) -> None:
    # GitLab made the commit, a proxy answered 502; the retry is refused as the branch exists.
    fake.fail("POST", "/repository/commits$", 502, lost_answer=True)

    outcome = run(fake)

    assert len(fake.calls("POST", "/repository/commits$")) == 2
    assert outcome.commit_sha == head(fake) and outcome.created
    assert "answer was lost" in outcome.notes[0]
    assert [mr.source_branch for mr in fake.open_mrs()] == [BRANCH]


def test_a_lost_commit_that_is_not_ours_is_left_alone(fake: FakeGitLab) -> None:
    # Someone else's commit lands on the branch name while our request fails.
    def someone_else_pushes() -> None:
        fake.repo.create_commit({"branch": BRANCH, "start_sha": head(fake, "main"),
                                 "commit_message": "WIP", "actions": [
                                     {"action": "create", "file_path": "x", "content": "x"}]})

    fake.before("POST", "/repository/commits$", someone_else_pushes)
    theirs_before = len(fake.repo.commits)

    with pytest.raises(RunnerExtError) as excinfo:
        run(fake)

    assert "A branch called 'runner-ext/migrate' already exists" in str(excinfo.value)
    assert "was not cleaned up" in str(excinfo.value)
    assert fake.repo.commits[head(fake)].message == "WIP"
    assert len(fake.repo.commits) == theirs_before + 1


def test_an_mr_whose_answer_was_lost_is_adopted_not_duplicated(fake: FakeGitLab) -> None:
    fake.fail("POST", "/merge_requests$", 502, lost_answer=True)

    outcome = run(fake)

    assert len(fake.calls("POST", "/merge_requests$")) == 2
    assert len(fake.repo.merge_requests) == 1
    assert outcome.mr_action == "adopt" and outcome.mr is not None and outcome.mr.iid == 1


def test_commits_someone_else_pushed_to_the_branch_are_never_discarded(
        fake: FakeGitLab) -> None:
    run(fake)
    fake.repo.create_commit({"branch": BRANCH, "commit_message": "Use our own base image",
                             "actions": [{"action": "update", "file_path": "Dockerfile",
                                          "content": "FROM registry.example/node:20\n"}]})
    theirs = head(fake)
    before = len(fake.writes())

    with pytest.raises(RunnerExtError) as excinfo:
        run(fake)

    assert theirs[:12] in str(excinfo.value) and "would discard them" in str(excinfo.value)
    assert head(fake) == theirs and len(fake.writes()) == before


def test_dry_run_only_reads(fake: FakeGitLab) -> None:
    outcome = run(fake, dry_run=True)

    assert fake.writes() == []
    assert (outcome.branch_action, outcome.mr_action, outcome.created) == ("create", "create",
                                                                           False)
    assert [(f.action, f.path) for f in outcome.files] == [
        ("create", ".dockerignore"), ("update", ".gitlab-ci.yml"), ("update", "Dockerfile")]


def test_dry_run_of_a_rerun_says_what_would_change_and_only_reads(fake: FakeGitLab) -> None:
    run(fake)
    before = len(fake.writes())

    outcome = run(fake, {**CHANGES, ".dockerignore": DOCKERIGNORE + "dist\n"},
                  report="newer", dry_run=True)

    assert len(fake.writes()) == before
    assert (outcome.branch_action, outcome.mr_action) == ("update", "update")
    assert outcome.to_dict()["merge_request"] == {
        "action": "update", "iid": 1, "url": f"{fake.url}/group/app/-/merge_requests/1"}


def test_the_token_never_leaks(fake: FakeGitLab, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    outcome = run(fake)
    fake.lint_errors = lambda content: [f"broken near {content[:10]}"]
    with pytest.raises(RunnerExtError) as lint_failure:
        run(fake, {**CHANGES, "Dockerfile": "FROM alpine\n"})
    fake.lint_errors = None
    fake.fail("PUT", "/merge_requests/1$", 403)
    with pytest.raises(RunnerExtError) as forbidden:
        run(fake, {**CHANGES, "Dockerfile": "FROM alpine\n"}, report="other")
    errors = [str(lint_failure.value), str(forbidden.value)]
    assert "HTTP 403" in errors[1]

    assert all(r.headers.get("private-token") == TOKEN for r in fake.requests)
    sent = json.dumps([r.body for r in fake.requests]) + json.dumps(
        [mr.description + mr.title for mr in fake.repo.merge_requests])
    for text in (sent, json.dumps(outcome.to_dict()), *errors, caplog.text):
        assert TOKEN not in text
    assert caplog.text  # the flow did log (python-gitlab's and urllib3's debug lines too)
