"""Turn python-gitlab and requests failures into errors a person can act on.

Messages name the request (method and API path), GitLab's status and answer, and the fix.
They never contain the token: it is masked wherever it could appear.
"""

from __future__ import annotations

import requests
from gitlab import exceptions as gl_exc

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.origin import ForeignUrl

API_PREFIX = "/api/v4"
MASK = "[masked]"

HINTS = {
    400: "GitLab refused the request as sent; its answer above says which field",
    401: "the token is missing, expired, revoked or not valid for this server; create an "
         "access token with the 'api' scope and export it as GITLAB_TOKEN",
    403: "the token lacks permission: writing needs the 'api' scope and at least the "
         "Developer role on the project ('read_api' can only read, e.g. for --dry-run); "
         "a protected branch or a push rule can also refuse",
    404: "check --project (GROUP/NAME as in the project's URL) and --gitlab-url; GitLab also "
         "answers 404 when the token cannot see a private project",
    409: "another change happened at the same time; run the command again",
    422: "GitLab could not process the request; its answer above says why",
    429: "GitLab's rate limit was hit and the retries (which wait as Retry-After says) "
         "ran out; try again later",
}
_SERVER_HINT = ("GitLab failed; the request was retried {retries} times with growing pauses. "
                "Try again later, or ask the GitLab admins")


class GitLabApiError(RunnerExtError):
    """A failed GitLab request: its HTTP ``method`` and ``status`` (``None`` when GitLab gave
    none)."""

    def __init__(self, problem: Problem, status: int | None, method: str) -> None:
        super().__init__(Category.GITLAB, problem)
        self.status = status
        self.method = method


def mask(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced."""
    return text.replace(secret, MASK) if secret else text


def endpoint(method: str, path: str) -> str:
    """How errors name a request: ``GET /api/v4/projects/42``."""
    return f"{method} {API_PREFIX}{path}"


def gitlab_message(exc: gl_exc.GitlabError) -> str:
    """GitLab's own explanation: its ``message`` or ``error`` field, flattened to one line."""
    raw = exc.error_message
    if isinstance(raw, (list, tuple)):
        return "; ".join(str(item) for item in raw)
    if isinstance(raw, dict):
        return "; ".join(f"{key}: {value}" for key, value in raw.items())
    return " ".join(str(raw).split())[:500]


def api_error(exc: gl_exc.GitlabError, method: str, path: str, *, secret: str | None,
              retries: int) -> GitLabApiError:
    """A GitLab HTTP failure as a ``RunnerExtError(Category.GITLAB)``."""
    status = exc.response_code
    where = endpoint(method, path)
    if isinstance(exc, gl_exc.GitlabParsingError):
        problem = Problem(f"{where}: the answer is not GitLab API JSON",
                          hint="check that --gitlab-url is the GitLab server's base URL")
    elif status is None:
        problem = Problem(f"{where}: {gitlab_message(exc)}",
                          hint="check --gitlab-url (use https:// if the server redirects to it)")
    else:
        hint = _SERVER_HINT.format(retries=retries) if status >= 500 else HINTS.get(status)
        problem = Problem(f"{where} answered HTTP {status}: {gitlab_message(exc)}", hint=hint)
    return GitLabApiError(_masked(problem, secret).problems[0], status, method)


def connection_error(exc: requests.RequestException, base_url: str, method: str, path: str,
                     *, secret: str | None, retries: int) -> RunnerExtError:
    """A network failure (refused, timed out, TLS) as a ``RunnerExtError(Category.GITLAB)``."""
    if isinstance(exc, requests.exceptions.SSLError):
        hint = ("the server's TLS certificate was not accepted; point REQUESTS_CA_BUNDLE at "
                "your CA file or set ssl_verify in the python-gitlab config section")
    else:
        hint = (f"check --gitlab-url and the network; retried {retries} times "
                "before giving up")
    problem = Problem(f"{endpoint(method, path)}: cannot reach {base_url} "
                      f"({type(exc).__name__})", hint=hint)
    return _masked(problem, secret)


def foreign_url_error(exc: ForeignUrl, method: str, path: str) -> RunnerExtError:
    """GitLab pointed elsewhere (a redirect or next-page link); nothing was sent there."""
    return RunnerExtError(Category.GITLAB, Problem(
        f"{endpoint(method, path)}: refused to follow {exc.kind} to {exc.refused}; the token is "
        f"only sent to the configured GitLab {exc.configured}",
        hint="if GitLab moved, pass its new address as --gitlab-url; otherwise fix the "
             "server's external_url or the proxy in front of it"))


def _masked(problem: Problem, secret: str | None) -> RunnerExtError:
    return RunnerExtError(Category.GITLAB, Problem(
        mask(problem.message, secret), hint=mask(problem.hint, secret) if problem.hint else None))
