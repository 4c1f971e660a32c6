"""The python-gitlab adapter against a fake GitLab API: pagination, retries, errors, credentials."""

from __future__ import annotations

import datetime
import email.utils
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner_ext.errors import Category, ExitCode, RunnerExtError
from runner_ext.gitlab.api import FileAction, MergeRequestConflict
from runner_ext.gitlab.auth import Credentials, resolve_credentials
from runner_ext.gitlab.client import RestProject, connect
from runner_ext.gitlab.source import GitLabSource
from runner_ext.lab.fake_gitlab import FakeGitLab, serve

TOKEN = "glpat-CANARY-client-5f1e9a"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    gitlab = FakeGitLab(token=TOKEN)
    gitlab.seed({".gitlab-ci.yml": "build:\n  script: [docker build .]\n",
                 "Dockerfile": "FROM alpine:3.20\n", "src/app/main.py": "print('hi')\n"})
    with serve(gitlab):
        yield gitlab


def open_project(fake: FakeGitLab, *, token: str = TOKEN, project: str = "group/app",
                 max_retries: int = 2) -> RestProject:
    return connect(Credentials(url=fake.url, token=token), project, max_retries=max_retries)


def error_of(excinfo: pytest.ExceptionInfo[RunnerExtError]) -> str:
    exc = excinfo.value
    assert exc.category is Category.GITLAB
    assert exc.exit_code == ExitCode.FINDINGS
    text = str(exc)
    assert TOKEN not in text
    return text


def test_list_files_follows_every_page_and_keeps_only_files(fake: FakeGitLab) -> None:
    many = {f"src/pkg{i // 50}/mod{i}.py": f"x = {i}\n" for i in range(230)}
    fake.seed(many)
    project = open_project(fake)

    files = project.list_files("main")

    assert files == sorted([".gitlab-ci.yml", "Dockerfile", "src/app/main.py", *many])
    pages = fake.calls("GET", "/repository/tree$")
    # 230 + 3 files + 7 directories = 240 entries: three pages of 100, the next two by `Link`.
    assert [c.query.get("page") for c in pages] == [None, "2", "3"]
    assert {c.query["per_page"] for c in pages} == {"100"}
    assert all(c.query["recursive"].lower() == "true" for c in pages)


def test_read_returns_bytes_and_none_for_a_missing_file(fake: FakeGitLab) -> None:
    project = open_project(fake)
    sha = project.branch_sha("main")
    assert sha is not None

    assert project.read("src/app/main.py", sha) == b"print('hi')\n"
    assert project.read("nope.txt", sha) is None
    assert fake.calls("GET", "/repository/files/src%2Fapp%2Fmain.py/raw$")[0].query == {
        "ref": sha}


def test_source_lists_once_and_reads_only_listed_files(fake: FakeGitLab) -> None:
    project = open_project(fake)
    source = GitLabSource(project, "main")

    assert source.read("missing/Dockerfile") is None
    assert source.read("Dockerfile") == b"FROM alpine:3.20\n"
    assert source.read("Dockerfile") == b"FROM alpine:3.20\n"
    assert source.exists(".gitlab-ci.yml")

    assert len(fake.calls("GET", "/repository/tree$")) == 1
    assert [c.path.rsplit("/", 2)[-2] for c in fake.calls("GET", "/raw$")] == ["Dockerfile"]


def test_branch_sha_is_none_for_a_missing_branch(fake: FakeGitLab) -> None:
    project = open_project(fake)
    assert project.branch_sha("runner-ext/migrate") is None
    assert fake.calls("GET", "/repository/branches/runner-ext%2Fmigrate$")


def test_429_is_retried_after_the_retry_after_delay(fake: FakeGitLab) -> None:
    fake.fail("GET", "/repository/tree$", 429, headers={"Retry-After": "1"},
              body={"message": "429 Too Many Requests"})
    project = open_project(fake)

    assert "Dockerfile" in project.list_files("main")
    assert len(fake.calls("GET", "/repository/tree$")) == 2


@pytest.mark.parametrize("retry_after", ["date", "garbage"])
def test_429_with_a_retry_after_date_is_retried(fake: FakeGitLab, retry_after: str) -> None:
    """HTTP allows a date in Retry-After; an unreadable value falls back to the back-off."""
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    value = email.utils.format_datetime(soon, usegmt=True) if retry_after == "date" else "soon"
    fake.fail("GET", "/repository/tree$", 429, headers={"Retry-After": value},
              body={"message": "429 Too Many Requests"})
    project = open_project(fake)

    assert "Dockerfile" in project.list_files("main")
    assert len(fake.calls("GET", "/repository/tree$")) == 2


def test_429_that_persists_gives_up_after_the_retry_bound(fake: FakeGitLab) -> None:
    fake.fail("GET", "/repository/tree$", 429, times=None, headers={"Retry-After": "0"},
              body={"message": "429 Too Many Requests"})
    project = open_project(fake, max_retries=2)

    with pytest.raises(RunnerExtError) as excinfo:
        project.list_files("main")

    text = error_of(excinfo)
    assert "GET /api/v4/projects/42/repository/tree answered HTTP 429" in text
    assert "Retry-After" in text
    assert len(fake.calls("GET", "/repository/tree$")) == 3


def test_server_errors_are_retried_a_bounded_number_of_times(fake: FakeGitLab) -> None:
    fake.fail("GET", "/repository/branches/main$", 503, times=None,
              body={"message": "503 Service Unavailable"})
    project = open_project(fake, max_retries=3)

    with pytest.raises(RunnerExtError) as excinfo:
        project.branch_sha("main")

    text = error_of(excinfo)
    assert "GET /api/v4/projects/42/repository/branches/main answered HTTP 503" in text
    assert "retried 3 times" in text
    assert len(fake.calls("GET", "/repository/branches/main$")) == 4


def test_a_transient_server_error_is_retried_until_it_passes(fake: FakeGitLab) -> None:
    fake.fail("GET", "/repository/branches/main$", 502, times=2)
    project = open_project(fake, max_retries=3)

    assert project.branch_sha("main") == fake.repo.branches["main"]
    assert len(fake.calls("GET", "/repository/branches/main$")) == 3


def test_a_bad_token_is_a_clear_401(fake: FakeGitLab) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        open_project(fake, token="glpat-wrong")

    text = error_of(excinfo)
    assert "GET /api/v4/projects/group%2Fapp answered HTTP 401: 401 Unauthorized" in text
    assert "'api' scope" in text and "GITLAB_TOKEN" in text
    assert "glpat-wrong" not in text


def test_a_read_only_token_writing_is_a_clear_403(fake: FakeGitLab) -> None:
    fake.scopes = ("read_api",)
    project = open_project(fake)
    sha = project.branch_sha("main")
    assert sha is not None

    with pytest.raises(RunnerExtError) as excinfo:
        project.commit("runner-ext/migrate", start_sha=sha, message="m",
                       actions=[FileAction("update", "Dockerfile", "FROM alpine:3.21\n")])

    text = error_of(excinfo)
    assert "POST /api/v4/projects/42/repository/commits answered HTTP 403" in text
    assert "insufficient_scope" in text and "'api' scope" in text
    assert set(fake.repo.branches) == {"main"}


def test_an_unknown_project_is_a_clear_404(fake: FakeGitLab) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        open_project(fake, project="group/other")

    text = error_of(excinfo)
    assert "GET /api/v4/projects/group%2Fother answered HTTP 404: 404 Project Not Found" in text
    assert "--project" in text


def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RunnerExtError) as excinfo:
        connect(Credentials(url=f"http://127.0.0.1:{port}", token=TOKEN), "group/app",
                max_retries=1)

    text = error_of(excinfo)
    assert f"cannot reach http://127.0.0.1:{port}" in text and "ConnectionError" in text


def test_a_second_open_mr_is_reported_as_a_conflict_with_its_number(fake: FakeGitLab) -> None:
    fake.seed({"README.md": "x\n"}, branch="feature")
    project = open_project(fake)
    first = project.create_mr(source_branch="feature", target_branch="main", title="t",
                              description="d")

    with pytest.raises(MergeRequestConflict) as excinfo:
        project.create_mr(source_branch="feature", target_branch="main", title="t",
                          description="d")

    assert excinfo.value.iid == first.iid


def test_lint_sends_content_dry_run_and_ref(fake: FakeGitLab) -> None:
    project = open_project(fake)

    good = project.lint("build:\n  script: [echo]\n", ref="main")
    bad = project.lint("build: [\n", ref="main")

    assert good.valid and not good.errors
    assert not bad.valid and bad.errors
    assert fake.calls("POST", "/ci/lint$")[0].body == {
        "content": "build:\n  script: [echo]\n", "dry_run": True, "ref": "main"}


# --- credentials ----------------------------------------------------------------------------

def write_config(tmp_path: Path, url: str, token: str) -> Path:
    path = tmp_path / "python-gitlab.cfg"
    path.write_text(f"[global]\ndefault = work\n\n[work]\nurl = {url}\nprivate_token = {token}\n"
                    "timeout = 7\n")
    return path


def test_the_token_argument_wins_then_gitlab_token() -> None:
    assert resolve_credentials("https://gl.example", "a", environ={"GITLAB_TOKEN": "b"}).token \
        == "a"
    assert resolve_credentials("https://gl.example", None, environ={"GITLAB_TOKEN": "b"}).token \
        == "b"


def test_a_config_file_section_supplies_the_token(fake: FakeGitLab, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(write_config(tmp_path, fake.url, TOKEN)))

    credentials = resolve_credentials(fake.url, None, "work", environ={})
    project = connect(credentials, "group/app")

    assert project.default_branch == "main"
    assert credentials.timeout == 7.0 and TOKEN not in repr(credentials)
    assert fake.requests[0].headers["private-token"] == TOKEN


def test_a_config_token_is_never_sent_to_another_server(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_GITLAB_CFG",
                       str(write_config(tmp_path, "https://gitlab.example.com", TOKEN)))

    with pytest.raises(RunnerExtError) as excinfo:
        resolve_credentials("https://other.example.org", None, None, environ={})

    assert excinfo.value.category is Category.CONFIG
    assert "is for https://gitlab.example.com, not https://other.example.org" in str(
        excinfo.value)
    assert TOKEN not in str(excinfo.value)


def test_no_token_anywhere_is_a_usage_error_with_the_fix(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.cfg"
    empty.write_text("")
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(empty))

    with pytest.raises(RunnerExtError) as excinfo:
        resolve_credentials("https://gitlab.example.com", None, None, environ={})

    assert excinfo.value.exit_code == ExitCode.USAGE
    assert "GITLAB_TOKEN" in str(excinfo.value) and "'api' scope" in str(excinfo.value)


@pytest.mark.parametrize("url", ["gitlab.example.com", "ftp://gitlab.example.com",
                                 "https://user:secret@gitlab.example.com"])
def test_a_bad_gitlab_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        resolve_credentials(url, "t")
    assert excinfo.value.exit_code == ExitCode.USAGE
    assert "secret" not in str(excinfo.value)
