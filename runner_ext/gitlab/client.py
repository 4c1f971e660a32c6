"""The python-gitlab adapter: the ``GitLabProject`` protocol over GitLab's REST API v4.

Retries, as python-gitlab 8 does them: a 429 is retried when ``obey_rate_limit`` is on (the
default), sleeping ``Retry-After`` seconds (or until ``RateLimit-Reset``); 500/502/503/504/52x,
connection errors and timeouts are retried with 0.1 s, 0.2 s, 0.4 s... pauses only when
``retry_transient_errors`` is on. Both count against ``max_retries``, which python-gitlab takes
per request (default 10) and has no client-wide setting for, so :class:`_BoundedGitlab` sets it
on every request.

The token goes to the configured origin only (:mod:`runner_ext.gitlab.origin`), and every answer
is checked for its shape as it is read (:mod:`runner_ext.gitlab.answers`).
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import gitlab
import requests
from gitlab import exceptions as gl_exc
from gitlab.utils import EncodedId

from runner_ext import __version__
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.answers import Answer, items, unexpected
from runner_ext.gitlab.api import (
    Commit,
    Comparison,
    FileAction,
    LintResult,
    MergeRequest,
    MergeRequestConflict,
)
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.errors import api_error, connection_error, endpoint, foreign_url_error
from runner_ext.gitlab.jobs import JobRun, MergedRequest, merged_request, runs_since
from runner_ext.gitlab.origin import ForeignUrl, check_transport, guard

MAX_RETRIES = 5
PER_PAGE = 100

log = logging.getLogger(__name__)


class _BoundedGitlab(gitlab.Gitlab):
    """A python-gitlab client whose every request gives up after ``max_retries`` retries."""

    def __init__(self, *args: Any, max_retries: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retries = max_retries

    def http_request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("max_retries", self.max_retries)
        return super().http_request(*args, **kwargs)


def _retry_after_in_seconds(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """HTTP allows ``Retry-After`` as a date; python-gitlab reads only seconds, so convert."""
    value = response.headers.get("Retry-After", "")
    if not value or value.strip().isdigit():
        return
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        del response.headers["Retry-After"]  # unreadable: fall back to the usual back-off
        return
    wait = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    response.headers["Retry-After"] = str(max(0, math.ceil(wait)))


def connect(credentials: Credentials, project: str, *,
            max_retries: int = MAX_RETRIES) -> RestProject:
    """Open ``project`` (``group/name`` or numeric id) on the server ``credentials`` name."""
    if not project.strip("/") or project != project.strip("/ "):
        raise RunnerExtError(Category.USAGE, Problem(
            "not a project path", key="--project", value=repr(project),
            hint="give GROUP/NAME as in the project's URL, e.g. platform/app"))
    return RestProject(open_client(credentials, max_retries=max_retries), project,
                       secret=credentials.token)


def open_client(credentials: Credentials, *, max_retries: int = MAX_RETRIES,
                pool_size: int = 10) -> _BoundedGitlab:
    """A python-gitlab client that sends the token to the configured origin only.

    ``pool_size``: connections kept open to the server, one per thread that uses the client.
    """
    check_transport(credentials.url, allow_insecure=credentials.allow_insecure)
    token = {"private_token" if credentials.kind == "private" else "oauth_token":
             credentials.token}
    client = _BoundedGitlab(
        credentials.url, **token, ssl_verify=credentials.ssl_verify,
        timeout=credentials.timeout, retry_transient_errors=True, max_retries=max_retries,
        user_agent=f"runner-ext/{__version__}")
    client.session.hooks["response"][:0] = [guard(credentials.url), _retry_after_in_seconds]
    if pool_size > 10:
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool_size)
        client.session.mount("http://", adapter)
        client.session.mount("https://", adapter)
    return client


def settle_environment(client: _BoundedGitlab) -> None:
    """Read the proxy and CA-bundle variables once instead of on every request.

    requests looks them up (and walks ``no_proxy``) for each request, about a millisecond:
    at a scan's thousands of requests that is most of the client's time. The values are
    those requests would use for the configured server, the only one the token goes to.
    """
    session = client.session
    found = session.merge_environment_settings(client.url, {}, None, client.ssl_verify, None)
    session.proxies.update(found["proxies"])
    client.ssl_verify = True if found["verify"] is None else found["verify"]
    session.trust_env = False


class RestApi:
    """GitLab's REST API through python-gitlab's HTTP layer (auth, retries, pagination);
    every failure is converted at this boundary."""

    def __init__(self, client: _BoundedGitlab, *, secret: str) -> None:
        self._gl = client
        self._secret = secret

    def _object(self, method: str, path: str, **options: Any) -> Answer:
        """One request whose answer is a JSON object."""
        return Answer(self._request(method, path, **options), endpoint(method, path))

    def _list(self, path: str, query: dict[str, Any]) -> list[Answer]:
        """A list endpoint, every page, each entry a JSON object."""
        return items(self._request("LIST", path, query=query), endpoint("GET", path))

    def _request(self, method: str, path: str, *, query: dict[str, Any] | None = None,
                 body: dict[str, Any] | None = None, missing_ok: bool = False,
                 conflict_is_mr: bool = False,
                 raises: Mapping[int, Exception] | None = None) -> Any:
        """Send one request; convert every failure at this boundary.

        ``missing_ok``: a 404 answers ``None``; ``raises``: the exception to raise for a
        status the caller gives a meaning of its own (e.g. 403 on a file: no access).
        """
        verb = {"LIST": "GET", "RAW": "GET"}.get(method, method)
        try:
            return self._send(method, path, query or {}, body)
        except ForeignUrl as exc:
            raise foreign_url_error(exc, verb, path) from None
        except gl_exc.GitlabError as exc:
            code = exc.response_code
            if raises and code is not None and code in raises:
                raise raises[code] from None
            if missing_ok and exc.response_code == 404:
                return None
            if conflict_is_mr and exc.response_code == 409:
                raise MergeRequestConflict(_mr_iid(exc)) from exc
            raise api_error(exc, verb, path, secret=self._secret,
                            retries=self._gl.max_retries) from exc
        except requests.RequestException as exc:
            raise connection_error(exc, self._gl.url, verb, path, secret=self._secret,
                                   retries=self._gl.max_retries) from exc

    def _send(self, method: str, path: str, query: dict[str, Any],
              body: dict[str, Any] | None) -> Any:
        gl = self._gl
        if method == "LIST":
            try:
                return gl.http_list(path, query_data=query, get_all=True)
            except (KeyError, TypeError):  # python-gitlab indexing an answer that is no list
                raise unexpected(endpoint("GET", path), "the answer should be a list") from None
        if method == "RAW":
            return gl.http_get(path, query_data=query, raw=True)
        if method == "GET":
            return gl.http_get(path, query_data=query)
        if method == "POST":
            return gl.http_post(path, query_data=query, post_data=body)
        if method == "PUT":
            return gl.http_put(path, query_data=query, post_data=body)
        return gl.http_delete(path)


class RestProject(RestApi):
    """One project, reached through python-gitlab's HTTP layer (auth, retries, pagination)."""

    def __init__(self, client: _BoundedGitlab, project: str, *, secret: str) -> None:
        super().__init__(client, secret=secret)
        data = self._object("GET", f"/projects/{EncodedId(project)}")
        self._id = data.number("id")
        self._path = data.optional_text("path_with_namespace") or project
        self._default_branch = data.optional_text("default_branch") or None
        self._ci_config_path = data.optional_text("ci_config_path") or ".gitlab-ci.yml"
        self.web_url = data.optional_text("web_url") or ""

    @property
    def path(self) -> str:
        """``group/name``."""
        return self._path

    @property
    def default_branch(self) -> str | None:
        """The default branch, ``None`` for an empty repository."""
        return self._default_branch

    @property
    def ci_config_path(self) -> str:
        """The project's CI file path."""
        return self._ci_config_path

    def list_files(self, ref: str) -> list[str]:
        """Every blob at ``ref`` from the recursive tree API, all pages."""
        entries = self._list(f"{self._base}/repository/tree",
                             query={"ref": ref, "recursive": True, "per_page": PER_PAGE})
        return sorted(e.text("path") for e in entries if e.text("type") == "blob")

    def read(self, path: str, ref: str) -> bytes | None:
        """Raw file bytes at ``ref`` from the files API, ``None`` on 404."""
        response = self._request("RAW", f"{self._base}/repository/files/{EncodedId(path)}/raw",
                                 query={"ref": ref}, missing_ok=True)
        return None if response is None else bytes(response.content)

    def branch_sha(self, name: str) -> str | None:
        """The branch's head commit, ``None`` on 404."""
        path = f"{self._base}/repository/branches/{EncodedId(name)}"
        data = self._request("GET", path, missing_ok=True)
        return None if data is None else Answer(data, endpoint("GET", path)).child(
            "commit").text("id")

    def compare(self, base: str, head: str) -> Comparison:
        """``GET /repository/compare`` from the merge base of ``base`` and ``head``."""
        data = self._object("GET", f"{self._base}/repository/compare",
                            query={"from": base, "to": head, "straight": False})
        paths = {d.text(key) for d in data.children("diffs") for key in ("old_path", "new_path")}
        return Comparison(tuple(_commit(c) for c in data.children("commits")), frozenset(paths))

    def commit(self, branch: str, *, start_sha: str, message: str,
               actions: list[FileAction], force: bool = False) -> Commit:
        """``POST /repository/commits``: all actions as one commit."""
        body: dict[str, Any] = {
            "branch": branch, "start_sha": start_sha, "commit_message": message,
            "actions": [{"action": a.action, "file_path": a.path, "content": a.content}
                        for a in actions]}
        if force:
            body["force"] = True
        log.info("committing %d file(s) on %s", len(actions), branch)
        return _commit(self._object("POST", f"{self._base}/repository/commits", body=body))

    def delete_branch(self, name: str) -> None:
        """``DELETE /repository/branches/:name``."""
        log.info("deleting branch %s", name)
        self._request("DELETE", f"{self._base}/repository/branches/{EncodedId(name)}")

    def lint(self, content: str, *, ref: str) -> LintResult:
        """``POST /ci/lint`` with ``dry_run``: a simulated pipeline creation on ``ref``."""
        data = self._object("POST", f"{self._base}/ci/lint",
                            body={"content": content, "dry_run": True, "ref": ref})
        return LintResult(data.flag("valid"), data.strings("errors"), data.strings("warnings"))

    def find_open_mr(self, source_branch: str, target_branch: str) -> MergeRequest | None:
        """The first open MR between the two branches."""
        found = self._list(f"{self._base}/merge_requests", query={
            "state": "opened", "source_branch": source_branch, "target_branch": target_branch})
        return _merge_request(found[0]) if found else None

    def get_mr(self, iid: int) -> MergeRequest:
        """``GET /merge_requests/:iid``."""
        return _merge_request(self._object("GET", f"{self._base}/merge_requests/{iid}"))

    def create_mr(self, *, source_branch: str, target_branch: str, title: str,
                  description: str) -> MergeRequest:
        """``POST /merge_requests``; a 409 becomes :class:`MergeRequestConflict`."""
        body = {"source_branch": source_branch, "target_branch": target_branch, "title": title,
                "description": description, "remove_source_branch": True}
        log.info("opening a merge request from %s into %s", source_branch, target_branch)
        return _merge_request(self._object("POST", f"{self._base}/merge_requests", body=body,
                                           conflict_is_mr=True))

    def update_mr(self, iid: int, *, title: str, description: str) -> MergeRequest:
        """``PUT /merge_requests/:iid``."""
        log.info("updating merge request !%d", iid)
        return _merge_request(self._object("PUT", f"{self._base}/merge_requests/{iid}",
                                           body={"title": title, "description": description}))

    def jobs(self, *, since: datetime.datetime | None = None) -> Iterator[JobRun]:
        """Successful jobs newest first, page by page as consumed, down to ``since``."""
        path = f"{self._base}/jobs"
        return runs_since(self._pages(path, {"scope[]": "success", "per_page": PER_PAGE},
                                      keyset=True), since)

    def merge_requests(self, *, state: str, source_branch: str | None = None,
                       labels: tuple[str, ...] = ()) -> list[MergedRequest]:
        """``GET /merge_requests`` filtered by state, source branch and labels."""
        query: dict[str, Any] = {"state": state, "per_page": PER_PAGE}
        if source_branch:
            query["source_branch"] = source_branch
        if labels:
            query["labels"] = ",".join(labels)
        return [merged_request(e) for e in self._list(f"{self._base}/merge_requests", query)]

    @property
    def _base(self) -> str:
        return f"/projects/{self._id}"

    def _pages(self, path: str, query: dict[str, Any], *, keyset: bool) -> Iterator[Answer]:
        """A list endpoint's entries, each page fetched when the previous one is used up.

        ``keyset``: ask for keyset pagination (GitLab 15.9+ for jobs); a GitLab that answers
        that it has none for this request is asked again with offset pagination.
        """
        where = endpoint("GET", path)
        try:
            if keyset:
                try:
                    listing = self._gl.http_list(path, query_data={**query,
                                                                   "pagination": "keyset"},
                                                 iterator=True)
                except gl_exc.GitlabHttpError as exc:
                    if exc.response_code not in (400, 405) or \
                            "keyset" not in str(exc.error_message).lower():
                        raise
                    log.info("%s: no keyset pagination here; using offset pagination", where)
                    listing = self._gl.http_list(path, query_data=query, iterator=True)
            else:
                listing = self._gl.http_list(path, query_data=query, iterator=True)
            for entry in listing:
                if not isinstance(entry, dict):
                    raise unexpected(where, "the answer should be a list of objects")
                yield Answer(entry, where)
        except ForeignUrl as exc:
            raise foreign_url_error(exc, "GET", path) from None
        except gl_exc.GitlabError as exc:
            raise api_error(exc, "GET", path, secret=self._secret,
                            retries=self._gl.max_retries) from exc
        except requests.RequestException as exc:
            raise connection_error(exc, self._gl.url, "GET", path, secret=self._secret,
                                   retries=self._gl.max_retries) from exc

def _commit(data: Answer) -> Commit:
    return Commit(data.text("id"), data.strings("parent_ids"), data.optional_text("message") or "")


def _merge_request(data: Answer) -> MergeRequest:
    return MergeRequest(data.number("iid"), data.optional_text("web_url") or "",
                        data.optional_text("title") or "", data.optional_text("description") or "")


def _mr_iid(exc: gl_exc.GitlabError) -> int | None:
    match = re.search(r"!(\d+)", str(exc.error_message))
    return int(match.group(1)) if match else None
