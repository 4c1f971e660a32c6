"""GitLab answers of the wrong shape end in a one-line error naming the request, never a traceback.

Each case makes the fake GitLab answer one endpoint that migrate-project uses with a body of the
wrong shape (a list for an object, an object for a list, a missing or mistyped field, a page
that is not JSON), driven through the real python-gitlab client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_gitlab_remote import BRANCH, FILES, migrate

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.errors import Category, ExitCode, RunnerExtError
from runner_ext.lab.fake_gitlab import FakeGitLab, serving

TOKEN = "glpat-CANARY-answers-0e93b7"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PROJECT = "GET /api/v4/projects/group%2Fapp"
BASE = "/api/v4/projects/42"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with serving(FILES, token=TOKEN) as gitlab:
        yield gitlab


def one_line_error(fake: FakeGitLab) -> str:
    """Run the migration; it must fail with a GitLab error whose first line says it all."""
    with pytest.raises(RunnerExtError) as excinfo:
        migrate(fake, token=TOKEN)
    error = excinfo.value
    assert error.category is Category.GITLAB and error.exit_code == ExitCode.FINDINGS
    assert TOKEN not in str(error)
    return error.problems[0].render()


def case(name: str, method: str, path: str, body: Any, what: str, *,
         headers: dict[str, str] | None = None, endpoint: str | None = None) -> Any:
    """One wrong answer: the fault, and what the error must say after naming the request."""
    where = endpoint or f"{method} {BASE}{path.rstrip('$')}"
    return pytest.param(method, path, body, headers or {}, f"{where}: {what}", id=name)


def odd(what: str) -> str:
    return f"unexpected answer from GitLab: {what}"


PROJECT_PATH = "/projects/group%2Fapp$"
FIRST_RUN = [
    case("project-is-a-list", "GET", PROJECT_PATH, [], odd("expected an object, got a list"),
         endpoint=PROJECT),
    case("project-without-id", "GET", PROJECT_PATH, {"name": "app"},
         odd("field 'id' should be a number, it is missing"), endpoint=PROJECT),
    case("project-id-a-string", "GET", PROJECT_PATH, {"id": "42"},
         odd("field 'id' should be a number, got a string"), endpoint=PROJECT),
    case("project-is-html", "GET", PROJECT_PATH, b"<html>Sign in</html>",
         odd("expected an object, got a non-JSON answer (text/html)"), headers=HTML,
         endpoint=PROJECT),
    case("project-not-json", "GET", PROJECT_PATH, b"{not json",
         "the answer is not GitLab API JSON", endpoint=PROJECT),
    case("branch-without-commit", "GET", "/repository/branches/main$", {"name": "main"},
         odd("field 'commit' should be an object, it is missing")),
    case("branch-commit-id-null", "GET", "/repository/branches/main$", {"commit": {"id": None}},
         odd("field 'id' should be a string, got null")),
    case("tree-is-an-object", "GET", "/repository/tree$", {"message": "moved"},
         odd("the answer should be a list")),
    case("tree-is-a-number", "GET", "/repository/tree$", 7, odd("the answer should be a list")),
    case("tree-of-strings", "GET", "/repository/tree$", ["Dockerfile"],
         odd("the answer should be a list of objects, holds a string")),
    case("tree-entry-without-type", "GET", "/repository/tree$", [{"path": "Dockerfile"}],
         odd("field 'type' should be a string, it is missing")),
    case("mr-list-is-an-object", "GET", "/merge_requests$", {"iid": 1},
         odd("the answer should be a list")),
    case("commit-is-a-list", "POST", "/repository/commits$", [],
         odd("expected an object, got a list")),
    case("lint-valid-a-string", "POST", "/ci/lint$", {"valid": "true", "errors": []},
         odd("field 'valid' should be a boolean, got a string")),
    case("lint-errors-a-string", "POST", "/ci/lint$", {"valid": False, "errors": "bad"},
         odd("field 'errors' should be a list of strings, got a string")),
    case("mr-iid-a-string", "POST", "/merge_requests$", {"iid": "7"},
         odd("field 'iid' should be a number, got a string")),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "expected"), FIRST_RUN)
def test_a_wrong_answer_on_a_first_run_is_one_line_and_leaves_nothing(
        fake: FakeGitLab, method: str, path: str, body: Any, headers: dict[str, str],
        expected: str) -> None:
    fake.fail(method, path, 201 if method == "POST" else 200, body=body, headers=headers)

    first = one_line_error(fake)

    assert first.startswith(expected), first
    assert "\n" not in first
    assert fake.calls(method, path)
    assert set(fake.repo.branches) == {"main"} and fake.open_mrs() == []


RERUN = [
    case("compare-commits-an-object", "GET", "/repository/compare$",
         {"commits": {"id": "x"}, "diffs": []},
         odd("field 'commits' should be a list, got an object")),
    case("compare-diff-without-old-path", "GET", "/repository/compare$",
         {"commits": [], "diffs": [{"new_path": 3}]},
         odd("field 'old_path' should be a string, it is missing")),
    case("mr-update-is-a-list", "PUT", r"/merge_requests/\d+$", [{"iid": 1}],
         odd("expected an object, got a list"), endpoint=f"PUT {BASE}/merge_requests/1"),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "expected"), RERUN)
def test_a_wrong_answer_on_a_rerun_is_one_line_and_keeps_the_branch(
        fake: FakeGitLab, method: str, path: str, body: Any, headers: dict[str, str],
        expected: str) -> None:
    migrate(fake, token=TOKEN)
    [mr] = fake.open_mrs()
    mr.description = "edited by hand"  # so the re-run updates the MR
    head = fake.repo.branches[BRANCH]
    fake.fail(method, path, 200, body=body, headers=headers)

    first = one_line_error(fake)

    assert first.startswith(expected), first
    assert fake.repo.branches[BRANCH] == head


def test_the_command_exits_1_with_one_line_and_no_traceback(
        fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    fake.fail("GET", "/repository/branches/main$", 200, body=[{"name": "main"}])

    code = run(["--gitlab-url", fake.url, "--project", "group/app"], prog="migrate-project",
               command=migrate_cli.app)

    err = capsys.readouterr().err
    assert code == ExitCode.FINDINGS
    assert "Traceback" not in err and "internal error" not in err
    assert err.splitlines()[0] == (
        f"migrate-project: error: GET {BASE}/repository/branches/main: unexpected answer from "
        "GitLab: expected an object, got a list; check that --gitlab-url is the GitLab "
        "server's base URL and not a proxy, a login page or another service; if it is GitLab, "
        "report this with its version")
