"""``migrate_remote``: GitLab mode end to end, through python-gitlab, against a fake GitLab API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner_ext.config import load_config
from runner_ext.errors import Category, ExitCode, RunnerExtError
from runner_ext.lab.fake_gitlab import FakeGitLab, serve, serving
from runner_ext.migrate.remote import RemoteOutcome, migrate_remote

TOKEN = "glpat-CANARY-remote-3b8e41"
BRANCH = "runner-ext/migrate"

DIND_CI = """\
# Build and push the image on the shared Docker runner.
stages: [test, build]

variables:
  IMAGE: $CI_REGISTRY_IMAGE

unit:
  stage: test
  image: python:3.12
  script: [pytest -q]

build-image:
  stage: build
  image: docker:27
  services:
    - docker:27-dind
  variables:
    DOCKER_HOST: tcp://docker:2376
    DOCKER_TLS_CERTDIR: /certs
  tags: [docker]
  before_script:
    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"
  script:
    - docker build -t "$IMAGE:$CI_COMMIT_SHORT_SHA" .
    - docker push "$IMAGE:$CI_COMMIT_SHORT_SHA"
"""
DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "-m", "app"]
"""
FILES = {".gitlab-ci.yml": DIND_CI, "Dockerfile": DOCKERFILE,
         "requirements.txt": "flask==3.0.3\n", "app/__main__.py": "print('up')\n",
         "app/__init__.py": ""}
EXAMPLES = Path(__file__).resolve().parent.parent / "ci-examples"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with serving(FILES, token=TOKEN) as gitlab:
        yield gitlab


def migrate(fake: FakeGitLab, **overrides: Any) -> RemoteOutcome:
    arguments: dict[str, Any] = {
        "gitlab_url": fake.url, "project": "group/app", "token": TOKEN,
        "config": load_config(None), "engine": None, "dockerfile_fixes": "safe",
        "branch": BRANCH, "target_branch": None, "dry_run": False,
        "gitlab_config_section": None, **overrides}
    return migrate_remote(**arguments)


def needs_migration_core() -> None:
    import runner_ext.migrate as package

    if not hasattr(package, "migrate_project"):
        pytest.fail("runner_ext.migrate.migrate_project is missing")


# --- before the migration runs ------------------------------------------------------------

def test_a_missing_target_branch_is_a_clear_error(fake: FakeGitLab) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake, target_branch="release/9")

    assert excinfo.value.category is Category.GITLAB
    assert "branch 'release/9' does not exist in group/app" in str(excinfo.value)
    assert fake.writes() == []


def test_an_empty_repository_is_a_clear_error(fake: FakeGitLab) -> None:
    fake.repo.branches.clear()

    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake)

    assert "group/app has no default branch" in str(excinfo.value)


def test_the_migration_branch_cannot_be_the_target(fake: FakeGitLab) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake, branch="main")

    assert excinfo.value.exit_code == ExitCode.USAGE
    assert fake.writes() == []


def test_a_bad_token_stops_before_anything_is_read(fake: FakeGitLab) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake, token="glpat-not-valid")

    assert "HTTP 401" in str(excinfo.value) and "glpat-not-valid" not in str(excinfo.value)
    assert [r.path for r in fake.requests] == ["/api/v4/projects/group%2Fapp"]


# --- end to end ---------------------------------------------------------------------------

def test_first_run_proposes_the_migration_as_one_commit_and_one_mr(fake: FakeGitLab) -> None:
    needs_migration_core()
    main_sha = fake.repo.branches["main"]

    outcome = migrate(fake)

    result = outcome.result
    assert result.has_changes and ".gitlab-ci.yml" in result.changes
    [commit_call] = fake.calls("POST", "/repository/commits$")
    assert commit_call.body["start_sha"] == main_sha and commit_call.body["branch"] == BRANCH
    assert {a["file_path"]: a["content"] for a in commit_call.body["actions"]} == result.changes
    assert {a["action"] for a in commit_call.body["actions"]} <= {"create", "update"}
    [lint_call] = fake.calls("POST", "/ci/lint$")
    assert lint_call.body == {"content": result.changes[".gitlab-ci.yml"], "dry_run": True,
                              "ref": BRANCH}
    [mr] = fake.open_mrs()
    assert mr.description == result.to_markdown() and mr.source_branch == BRANCH
    assert outcome.created and outcome.mr_iid == mr.iid
    assert outcome.mr_url == f"{fake.url}/group/app/-/merge_requests/{mr.iid}"
    assert fake.tree(BRANCH) == {**fake.tree("main"),
                                 **{p: t.encode() for p, t in result.changes.items()}}


def test_a_rerun_keeps_the_branch_commit_and_mr(fake: FakeGitLab) -> None:
    needs_migration_core()
    first = migrate(fake)
    head = fake.repo.branches[BRANCH]

    again = migrate(fake)

    assert fake.repo.branches[BRANCH] == head
    assert len(fake.calls("POST", "/repository/commits$")) == 1
    assert len(fake.calls("POST", "/merge_requests$")) == 1
    assert not fake.calls("PUT", "/merge_requests")
    assert again.mr_iid == first.mr_iid and not again.created
    assert again.to_dict()["gitlab"]["branch_action"] == "none"


def test_gitlab_mode_reads_the_same_project_as_local_mode(fake: FakeGitLab,
                                                          tmp_path: Path) -> None:
    needs_migration_core()
    from runner_ext.migrate import migrate_project
    from runner_ext.migrate.parse.source import LocalSource

    for path, text in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    local = migrate_project(LocalSource(tmp_path), config=load_config(None), engine=None,
                            dockerfile_fixes="safe")

    remote = migrate(fake, dry_run=True)

    assert remote.result.changes == local.changes
    assert remote.result.to_markdown() == local.to_markdown()


def test_dry_run_only_reads_and_says_what_would_happen(fake: FakeGitLab) -> None:
    needs_migration_core()

    outcome = migrate(fake, dry_run=True)

    assert fake.writes() == []
    data = outcome.to_dict()
    assert data["dry_run"] and data["gitlab"]["branch_action"] == "create"
    assert data["gitlab"]["merge_request"] == {"action": "create"}
    assert "would create" in outcome.to_text()


def test_nothing_to_change_writes_nothing(fake: FakeGitLab) -> None:
    needs_migration_core()
    fake.seed({".gitlab-ci.yml": "unit:\n  image: python:3.12\n  script: [pytest -q]\n"})

    outcome = migrate(fake)

    assert not outcome.result.has_changes and outcome.mr_url is None
    assert fake.writes() == []
    assert "nothing to change" in outcome.to_text()


def test_the_token_stays_out_of_everything(fake: FakeGitLab,
                                           caplog: pytest.LogCaptureFixture) -> None:
    needs_migration_core()
    caplog.set_level("DEBUG")

    outcome = migrate(fake)

    sent = json.dumps([r.body for r in fake.requests])
    for text in (sent, json.dumps(outcome.to_dict()), outcome.to_text(),
                 outcome.result.to_markdown(), caplog.text):
        assert TOKEN not in text


def test_the_token_can_come_from_a_python_gitlab_config_section(
        fake: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    needs_migration_core()
    config = tmp_path / "python-gitlab.cfg"
    config.write_text(f"[ops]\nurl = {fake.url}/\nprivate_token = {TOKEN}\n")
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(config))
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-from-env-not-used")

    outcome = migrate(fake, token=None, gitlab_config_section="ops", dry_run=True)

    assert outcome.result.has_changes
    assert {r.headers["private-token"] for r in fake.requests} == {TOKEN}


@pytest.mark.parametrize("name", ["dotnet", "node", "python"])
def test_a_bundled_example_migrates_through_the_api_as_it_does_locally(name: str) -> None:
    needs_migration_core()
    from runner_ext.migrate import LocalSource, migrate_project

    root = EXAMPLES / name
    assert (root / ".gitlab-ci.yml").is_file(), f"ci-examples/{name} is missing"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
             if p.is_file()}
    local = migrate_project(LocalSource(root), config=load_config(None), engine=None,
                            dockerfile_fixes="safe")
    gitlab = FakeGitLab(token=TOKEN)
    gitlab.seed(dict(files))
    with serve(gitlab):
        outcome = migrate(gitlab)

    assert outcome.result.has_changes and outcome.mr_iid == 1
    assert outcome.result.changes == local.changes
    assert gitlab.open_mrs()[0].description == local.to_markdown()
    assert gitlab.tree(BRANCH) == {**files, **{p: t.encode()
                                               for p, t in local.changes.items()}}


# --- through the command line ---------------------------------------------------------------

def test_the_command_opens_the_mr_and_prints_json(fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    needs_migration_core()
    from runner_ext.cli.main import run

    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)

    code = run(["migrate-project", "--gitlab-url", fake.url, "--project", "group/app",
                "--output", "json"])

    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == ExitCode.OK
    assert data["gitlab"]["merge_request"]["iid"] == 1 and data["gitlab"]["created"]
    assert TOKEN not in out + err


def test_the_command_exits_1_on_a_gitlab_refusal_and_2_without_a_token(
        fake: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from runner_ext.cli.main import run

    argv = ["migrate-project", "--gitlab-url", fake.url, "--project", "group/app"]
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-revoked")
    assert run(argv) == ExitCode.FINDINGS
    refused = capsys.readouterr().err

    monkeypatch.delenv("GITLAB_TOKEN")
    empty = tmp_path / "empty.cfg"
    empty.write_text("")
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(empty))
    assert run(argv) == ExitCode.USAGE
    missing = capsys.readouterr().err

    assert "HTTP 401" in refused and "glpat-revoked" not in refused
    assert "no GitLab token" in missing
    assert fake.writes() == []
