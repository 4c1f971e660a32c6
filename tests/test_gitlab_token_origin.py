"""The GitLab token is sent to the configured origin only, and never over plain HTTP to a remote.

The fake GitLab runs on 127.0.0.1; the "other host" is a pytest-httpserver on ``localhost`` and
another port (another host and port), recording every request it gets. Everything goes through
the real python-gitlab client and requests.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from test_gitlab_remote import FILES, migrate

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.errors import Category, ExitCode, RunnerExtError
from runner_ext.gitlab.auth import Credentials, resolve_credentials
from runner_ext.gitlab.client import connect
from runner_ext.lab.fake_gitlab import FakeGitLab, serving

TOKEN = "glpat-CANARY-origin-71c0d4"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with serving(FILES, token=TOKEN) as gitlab:
        yield gitlab


@pytest.fixture
def other(httpserver: HTTPServer) -> HTTPServer:
    """Another host: answers every request like GitLab would, and records it."""
    httpserver.expect_request(re.compile(".*")).respond_with_json(
        {"id": 42, "path_with_namespace": "group/app"})
    return httpserver


def refused(call: Callable[[], Any], configured: str, other: HTTPServer) -> str:
    """Run ``call``: the other host must have received nothing (above all not the token), and
    the call must fail with a one-line GitLab error naming both origins."""
    try:
        call()
    except Exception as exc:  # checked below, after what matters most
        error: Exception | None = exc
    else:
        error = None
    received = [dict(request.headers) for request, _ in other.log]
    assert not [h for h in received if TOKEN in h.values()], "the token went to the other host"
    assert received == []
    assert isinstance(error, RunnerExtError) and error.category is Category.GITLAB
    assert error.exit_code == ExitCode.FINDINGS
    text = str(error)
    assert "\n" not in text and TOKEN not in text
    assert f"to {other.url_for('/').rstrip('/')};" in text
    assert f"configured GitLab {configured};" in text
    return text


def test_a_redirect_to_another_host_is_refused_before_the_token_goes_there(
        fake: FakeGitLab, other: HTTPServer) -> None:
    fake.fail("GET", "/projects/group%2Fapp$", 302,
              headers={"Location": other.url_for("/api/v4/projects/group%2Fapp")})

    text = refused(lambda: connect(Credentials(url=fake.url, token=TOKEN), "group/app",
                                   max_retries=1), fake.url, other)

    assert text.startswith("GET /api/v4/projects/group%2Fapp: refused to follow a redirect to ")


def test_a_redirect_in_the_middle_of_a_run_stops_it_and_writes_nothing(
        fake: FakeGitLab, other: HTTPServer) -> None:
    """A 307 keeps the method, so a redirected read would even replay to the other host."""
    fake.fail("GET", "/repository/files/Dockerfile/raw$", 307,
              headers={"Location": other.url_for("/steal")})

    text = refused(lambda: migrate(fake, token=TOKEN), fake.url, other)

    assert "GET /api/v4/projects/42/repository/files/Dockerfile/raw: refused" in text
    assert fake.writes() == []


@pytest.mark.filterwarnings("ignore:The base URL in the server response differs")
def test_a_next_page_link_to_another_host_is_refused(fake: FakeGitLab, other: HTTPServer) -> None:
    """A GitLab whose external_url names another host: its Link headers point there.

    python-gitlab only warns and follows such a link (warnings are not errors in the CLI, so
    they are not here either)."""
    fake.seed({f"src/mod{i}.py": "x = 1\n" for i in range(150)})
    configured = fake.url
    project = connect(Credentials(url=configured, token=TOKEN), "group/app", max_retries=1)
    fake.url = other.url_for("/").rstrip("/")

    text = refused(lambda: project.list_files("main"), configured, other)

    assert "GET /api/v4/projects/42/repository/tree: refused to follow a next-page link" in text


def test_redirects_and_next_links_within_the_configured_server_are_followed(
        fake: FakeGitLab) -> None:
    fake.seed({f"src/mod{i}.py": "x = 1\n" for i in range(150)})
    fake.fail("GET", "/repository/branches/main$", 302,
              headers={"Location": "/api/v4/projects/42/repository/branches/main"})
    project = connect(Credentials(url=fake.url, token=TOKEN), "group/app", max_retries=1)

    assert project.branch_sha("main") == fake.repo.branches["main"]
    assert len(project.list_files("main")) == len(FILES) + 150
    assert [c.query.get("page") for c in fake.calls("GET", "/repository/tree$")] == [None, "2"]


# --- plain HTTP -----------------------------------------------------------------------------

def test_plain_http_to_a_remote_host_is_refused_before_any_request(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)

    code = run(["--gitlab-url", "http://gitlab.invalid", "--project", "group/app"],
               prog="migrate-project", command=migrate_cli.app)

    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert "--gitlab-url: plain http:// would send the GitLab token unencrypted" in err
    assert "--allow-insecure" in err and TOKEN not in err


def test_allow_insecure_lets_plain_http_through_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    credentials = resolve_credentials("http://gitlab.invalid", TOKEN, allow_insecure=True)

    with caplog.at_level(logging.WARNING), pytest.raises(RunnerExtError) as excinfo:
        connect(credentials, "group/app", max_retries=0)

    assert "http://gitlab.invalid is plain HTTP" in caplog.text
    assert "allowed: --allow-insecure" in caplog.text
    assert "cannot reach http://gitlab.invalid" in str(excinfo.value)  # past the check


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_plain_http_to_loopback_is_allowed_with_a_warning(
        fake: FakeGitLab, host: str, caplog: pytest.LogCaptureFixture) -> None:
    url = fake.url.replace("127.0.0.1", host)

    with caplog.at_level(logging.WARNING):
        project = connect(resolve_credentials(url, TOKEN), "group/app")

    assert project.default_branch == "main"
    assert f"{url} is plain HTTP" in caplog.text and "allowed: a loopback address" in caplog.text


@pytest.mark.parametrize("url", ["http://127.0.0.1.invalid", "http://localhost.invalid"])
def test_names_that_only_look_local_are_not_loopback(url: str) -> None:
    with pytest.raises(RunnerExtError) as excinfo:
        connect(resolve_credentials(url, TOKEN), "group/app", max_retries=0)
    assert excinfo.value.exit_code == ExitCode.USAGE
    assert "plain http://" in str(excinfo.value)


def test_the_cli_with_allow_insecure_runs_against_the_fake(
        fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)

    code = run(["--gitlab-url", fake.url, "--project", "group/app", "--dry-run",
                "--allow-insecure"], prog="migrate-project", command=migrate_cli.app)

    assert code == ExitCode.OK, capsys.readouterr().err
    assert fake.writes() == []
