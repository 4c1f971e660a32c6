"""A stateful fake of GitLab's REST API v4 on 127.0.0.1, for driving the real python-gitlab client.

It answers the endpoints runner-ext uses with GitLab's documented payload shapes: groups
(``/groups/:id``, ``/subgroups``, ``/descendant_groups``, ``/projects?include_subgroups=true``),
project, repository tree, raw files, branches, compare, commits, project CI lint (``dry_run``),
merge requests. Lists use offset pagination (``X-Page``/``X-Next-Page``/``X-Total``/``Link``).
Groups and projects are found by numeric id or URL-encoded full path. Tokens come in
``PRIVATE-TOKEN`` (or ``Authorization: Bearer``); a wrong one gets 401, a ``read_api`` token
writing gets 403 ``insufficient_scope``, an unknown project or group 404, a project whose code
the token may not read 403 on its repository endpoints. :meth:`FakeGitLab.fail` injects faults
(429 with ``Retry-After``, 5xx, ...) in front of everything, like a proxy or rate limiter would;
``rate_limit`` makes every answer carry ``RateLimit-*`` headers and answers 429 with
``Retry-After`` past the limit; ``latency`` delays every answer (outside the fake's lock, so
concurrent clients overlap as they would against a server); :meth:`FakeGitLab.before` runs a
hook before a request (to simulate a race). Every request is recorded.

One project always exists, ``group/app`` (id 42), whose repository is :attr:`FakeGitLab.repo`:
the single-project tests use it through :meth:`FakeGitLab.seed`. More projects and groups::

    fake.add_project("acme/web/shop", {".gitlab-ci.yml": "..."}, ci_config_path="ci/main.yml")
    fake.add_group("acme/empty")          # ancestors ("acme") are created as needed
    fake.add_project("acme/void")         # no files: an empty repository

``add_project`` creates the project's groups. To answer a new endpoint, write a handler
``(self, project_or_group, query, body, *path_groups) -> Answer`` and add a line to
``_PROJECT_ROUTES`` or ``_GROUP_ROUTES`` (paths relative to ``/projects/:id`` or ``/groups/:id``).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from runner_ext.lab.fake_gitlab_jobs import ROUTES as HISTORY_ROUTES
from runner_ext.lab.fake_gitlab_jobs import FakeHistory
from runner_ext.lab.fake_gitlab_repo import (
    ApiError,
    FakeCommit,
    FakeGroup,
    FakeMergeRequest,
    FakeProject,
    FakeRepo,
    diffs,
    tree_entries,
)

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any
    times: int | None
    lost_answer: bool = False
    hits: int = 0


@dataclass
class FakeGitLab:
    token: str
    scopes: tuple[str, ...] = ("api",)
    project_path: str = "group/app"
    project_id: int = 42
    repo: FakeRepo = field(default_factory=FakeRepo)
    requests: list[Recorded] = field(default_factory=list)
    lint_errors: Callable[[str], list[str]] | None = None
    url: str = ""
    latency: float = 0.0
    rate_limit: tuple[int, float] | None = None
    projects: dict[int, FakeProject] = field(default_factory=dict)
    groups: dict[int, FakeGroup] = field(default_factory=dict)
    history: FakeHistory = field(default_factory=FakeHistory)  # jobs, merged MRs: see module
    _faults: list[Fault] = field(default_factory=list)
    _hooks: list[tuple[str, re.Pattern[str], Callable[[], None]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _window: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def __post_init__(self) -> None:
        self.projects[self.project_id] = FakeProject(self.project_id, self.project_path,
                                                     self.repo)

    # --- test-side helpers ----------------------------------------------------------------
    @property
    def project(self) -> FakeProject:
        """The default project (``group/app``)."""
        return self.projects[self.project_id]

    def seed(self, files: dict[str, str | bytes], branch: str | None = None) -> FakeCommit:
        """Commit ``files`` on ``branch`` of the default project (see :meth:`FakeProject.seed`)."""
        return self.project.seed(files, branch)

    def add_group(self, full_path: str, *, visible: bool = True) -> FakeGroup:
        """The group at ``full_path``, created with its ancestors if new."""
        found = self._group_by_path(full_path)
        if found is not None:
            return found
        if "/" in full_path:
            self.add_group(full_path.rsplit("/", 1)[0])
        group = FakeGroup(next(self._ids), full_path, visible)
        self.groups[group.id] = group
        return group

    def add_project(self, path: str, files: dict[str, str | bytes] | None = None, *,
                    ci_config_path: str | None = None, archived: bool = False,
                    repository_access: bool = True, visible: bool = True,
                    default_branch: str = "main") -> FakeProject:
        """A project in ``path``'s group (created if new); ``files=None``: an empty repository."""
        self.add_group(path.rsplit("/", 1)[0])
        project = FakeProject(next(self._ids), path, FakeRepo(default_branch=default_branch),
                              ci_config_path, archived, repository_access, visible)
        if files is not None:
            project.seed(files)
        self.projects[project.id] = project
        return project

    def project_by_path(self, path: str) -> FakeProject:
        """The project at ``path`` (KeyError when there is none)."""
        found = next((p for p in self.projects.values() if p.path == path), None)
        if found is None:
            raise KeyError(path)
        return found

    def fail(self, method: str, path_regex: str, status: int, *, times: int | None = 1,
             headers: dict[str, str] | None = None, body: Any = None,
             lost_answer: bool = False) -> None:
        """Answer matching requests with ``status`` (``times=None``: always).

        ``lost_answer``: GitLab carries the request out, but a proxy answers ``status``.
        ``body`` is sent as JSON, or as it is when it is ``bytes``.
        """
        default = {"message": f"{status} fault"}
        self._faults.append(Fault(method, re.compile(path_regex), status, headers or {},
                                  default if body is None else body, times, lost_answer))

    def before(self, method: str, path_regex: str, hook: Callable[[], None]) -> None:
        """Run ``hook`` once before the first matching request is handled."""
        self._hooks.append((method, re.compile(path_regex), hook))

    def calls(self, method: str | None = None, path_regex: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method)
                and re.search(path_regex, r.path)]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def open_mrs(self) -> list[FakeMergeRequest]:
        return [mr for mr in self.repo.merge_requests if mr.state == "opened"]

    def tree(self, ref: str) -> dict[str, bytes]:
        commit = self.repo.resolve(ref)
        assert commit is not None, ref
        return commit.tree

    # --- the HTTP side --------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Answer:
        if self.latency:
            time.sleep(self.latency)
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        data = json.loads(body) if body and "json" in headers.get("content-type", "") else None
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, data, headers))
            self._run_hooks(method, parts.path)
            limited = self._rate_headers()
            if limited.get("Retry-After"):
                return _json(429, {"message": "429 Too Many Requests"}, limited)
            fault = self._fault(method, parts.path)
            if fault is not None and not fault.lost_answer:
                return _json(fault.status, fault.body, {**limited, **fault.headers})
            try:
                self._authorize(method, headers)
                status, out, payload = self._route(method, parts.path, query, data or {})
            except ApiError as exc:
                status, out, payload = _json(exc.status, exc.body)
            if fault is not None:
                return _json(fault.status, fault.body, {**limited, **fault.headers})
            return status, {**out, **limited}, payload

    def _rate_headers(self) -> dict[str, str]:
        """``RateLimit-*`` headers for this request; ``Retry-After`` too when over the limit."""
        if self.rate_limit is None:
            return {}
        limit, window = self.rate_limit
        now = time.time()
        if now >= self._window[0] + window:
            self._window[:] = [now, 0.0]
        self._window[1] += 1
        reset = self._window[0] + window
        headers = {"RateLimit-Limit": str(limit), "RateLimit-Observed": str(int(self._window[1])),
                   "RateLimit-Remaining": str(max(0, limit - int(self._window[1]))),
                   "RateLimit-Reset": str(math.ceil(reset))}
        if self._window[1] > limit:
            headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
        return headers

    def _run_hooks(self, method: str, path: str) -> None:
        for hook in [h for h in self._hooks if h[0] == method and h[1].search(path)]:
            self._hooks.remove(hook)
            hook[2]()

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.method in (method, "*") and fault.pattern.search(path) and (
                    fault.times is None or fault.hits < fault.times):
                fault.hits += 1
                return fault
        return None

    def _authorize(self, method: str, headers: dict[str, str]) -> None:
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if self.token not in (headers.get("private-token"), bearer):
            raise ApiError(401, {"message": "401 Unauthorized"})
        if method != "GET" and "api" not in self.scopes:
            raise ApiError(403, {
                "error": "insufficient_scope", "scope": "api",
                "error_description": "The request requires higher privileges than provided "
                                     "by the access token."})

    def _route(self, method: str, path: str, query: dict[str, str],
               body: dict[str, Any]) -> Answer:
        match = re.fullmatch(r"/api/v4/(projects|groups)/([^/]+)(/.*)?", path)
        if not match:
            raise ApiError(404, {"error": "404 Not Found"})
        kind, key, rest = match.group(1), unquote(match.group(2)), match.group(3) or ""
        owner: FakeProject | FakeGroup = self._find_project(key) if kind == "projects" \
            else self._find_group(key)
        if kind == "projects" and rest.startswith(("/repository", "/ci/")) and not getattr(
                owner, "repository_access", True):
            raise ApiError(403, {"message": "403 Forbidden"})
        for verb, pattern, handler in _PROJECT_ROUTES if kind == "projects" else _GROUP_ROUTES:
            found = re.fullmatch(pattern, rest)
            if found and verb == method:
                args = [unquote(g) for g in found.groups()]
                result: Answer = handler(self, owner, query, body, *args)
                return result
        raise ApiError(404, {"error": "404 Not Found"})

    def _find_project(self, key: str) -> FakeProject:
        project = self.projects.get(int(key)) if key.isdigit() else next(
            (p for p in self.projects.values() if p.path == key), None)
        if project is None or not project.visible:
            raise ApiError(404, {"message": "404 Project Not Found"})
        return project

    def _find_group(self, key: str) -> FakeGroup:
        group = self.groups.get(int(key)) if key.isdigit() else self._group_by_path(key)
        if group is None or not group.visible:
            raise ApiError(404, {"message": "404 Group Not Found"})
        return group

    def _group_by_path(self, full_path: str) -> FakeGroup | None:
        return next((g for g in self.groups.values() if g.full_path == full_path), None)

    # --- group endpoints ----------------------------------------------------------------------
    def _group(self, group: FakeGroup, query: dict[str, str], body: dict[str, Any]) -> Answer:
        return _json(200, self._group_json(group))

    def _subgroups(self, group: FakeGroup, query: dict[str, str],
                   body: dict[str, Any], nested: bool = False) -> Answer:
        found = [self._group_json(g) for g in sorted(self.groups.values(), key=lambda g: g.id)
                 if g.visible and group.holds(g.full_path, nested=nested)]
        kind = "descendant_groups" if nested else "subgroups"
        return self._page(found, query, f"/api/v4/groups/{group.id}/{kind}")

    def _descendants(self, group: FakeGroup, query: dict[str, str],
                     body: dict[str, Any]) -> Answer:
        return self._subgroups(group, query, body, nested=True)

    def _group_projects(self, group: FakeGroup, query: dict[str, str],
                        body: dict[str, Any]) -> Answer:
        nested = query.get("include_subgroups", "").lower() == "true"
        archived = query.get("archived", "").lower()
        found = [p for p in sorted(self.projects.values(), key=lambda p: p.id)
                 if p.visible and group.holds(p.path, nested=nested)
                 and (not archived or p.archived == (archived == "true"))]
        if query.get("sort") == "desc":
            found.reverse()
        return self._page(found, query, f"/api/v4/groups/{group.id}/projects",
                          self._project_json)

    # --- project endpoints --------------------------------------------------------------------
    def _project(self, project: FakeProject, query: dict[str, str],
                 body: dict[str, Any]) -> Answer:
        return _json(200, self._project_json(project))

    def _tree(self, project: FakeProject, query: dict[str, str], body: dict[str, Any]) -> Answer:
        repo = project.repo
        commit = repo.resolve(query.get("ref") or repo.default_branch)
        if commit is None:
            raise ApiError(404, {"message": "404 Tree Not Found"})
        entries = tree_entries(commit.tree, query.get("path", ""),
                                query.get("recursive", "").lower() == "true")
        return self._page(entries, query, f"/api/v4/projects/{project.id}/repository/tree")

    def _raw(self, project: FakeProject, query: dict[str, str], body: dict[str, Any],
             path: str) -> Answer:
        commit = project.repo.resolve(query.get("ref") or project.repo.default_branch)
        if commit is None or path not in commit.tree:
            raise ApiError(404, {"message": "404 File Not Found"})
        return 200, {"Content-Type": "text/plain; charset=utf-8",
                     "X-Gitlab-File-Path": path}, commit.tree[path]

    def _branch(self, project: FakeProject, query: dict[str, str], body: dict[str, Any],
                name: str) -> Answer:
        repo = project.repo
        if name not in repo.branches:
            raise ApiError(404, {"message": "404 Branch Not Found"})
        commit = repo.commits[repo.branches[name]]
        return _json(200, {"name": name, "merged": False, "protected": False,
                           "default": name == repo.default_branch, "can_push": True,
                           "developers_can_push": False, "developers_can_merge": False,
                           "web_url": f"{self.url}/{project.path}/-/tree/{name}",
                           "commit": self._commit_json(project, commit)})

    def _delete_branch(self, project: FakeProject, query: dict[str, str], body: dict[str, Any],
                       name: str) -> Answer:
        project.repo.delete_branch(name)
        return 204, {}, b""

    def _compare(self, project: FakeProject, query: dict[str, str],
                 body: dict[str, Any]) -> Answer:
        repo = project.repo
        base, head = repo.resolve(query.get("from", "")), repo.resolve(query.get("to", ""))
        if base is None or head is None:
            raise ApiError(404, {"message": "404 Ref Not Found"})
        straight = query.get("straight", "").lower() == "true"
        start_sha = base.sha if straight else repo.merge_base(base.sha, head.sha)
        start = repo.commits[start_sha] if start_sha else None
        known = set(repo.ancestors(start.sha)) if start else set()
        new = [repo.commits[s] for s in repo.ancestors(head.sha) if s not in known]
        new.sort(key=lambda c: c.created_at)
        return _json(200, {
            "commit": self._commit_json(project, new[-1]) if new else None,
            "commits": [self._commit_json(project, c) for c in new],
            "diffs": diffs(start.tree if start else {}, head.tree),
            "compare_timeout": False, "compare_same_ref": base.sha == head.sha,
            "web_url": f"{self.url}/{project.path}/-/compare/{base.sha}...{head.sha}"})

    def _commit(self, project: FakeProject, query: dict[str, str],
                body: dict[str, Any]) -> Answer:
        return _json(201, self._commit_json(project, project.repo.create_commit(body)))

    def _lint(self, project: FakeProject, query: dict[str, str], body: dict[str, Any]) -> Answer:
        content = body.get("content")
        if not isinstance(content, str):
            raise ApiError(400, {"error": "content is missing"})
        errors = _yaml_errors(content)
        ref = body.get("ref") or project.repo.default_branch
        if body.get("dry_run") and ref not in project.repo.branches:
            errors.append(f"Reference not found: {ref}")
        if not errors and self.lint_errors is not None:
            errors = self.lint_errors(content)
        return _json(200, {"valid": not errors, "errors": errors, "warnings": [],
                           "merged_yaml": content if not errors else None, "includes": []})

    def _list_mrs(self, project: FakeProject, query: dict[str, str],
                  body: dict[str, Any]) -> Answer:
        wanted = {k: query[k] for k in ("state", "source_branch", "target_branch") if k in query}
        found = [self._mr_json(project, mr) for mr in project.repo.merge_requests
                 if all(getattr(mr, k) == v for k, v in wanted.items() if v != "all")]
        return self._page(found[::-1], query, f"/api/v4/projects/{project.id}/merge_requests")

    def _create_mr(self, project: FakeProject, query: dict[str, str],
                   body: dict[str, Any]) -> Answer:
        return _json(201, self._mr_json(project, project.repo.create_mr(body)))

    def _get_mr(self, project: FakeProject, query: dict[str, str], body: dict[str, Any],
                iid: str) -> Answer:
        return _json(200, self._mr_json(project, _find_mr(project, int(iid))))

    def _update_mr(self, project: FakeProject, query: dict[str, str], body: dict[str, Any],
                   iid: str) -> Answer:
        mr = _find_mr(project, int(iid))
        for key in ("title", "description"):
            if key in body:
                setattr(mr, key, str(body[key]))
        mr.updated += 1
        return _json(200, self._mr_json(project, mr))

    # --- payloads ----------------------------------------------------------------------------
    def _group_json(self, group: FakeGroup) -> dict[str, Any]:
        parent = self._group_by_path(group.parent_path) if group.parent_path else None
        return {"id": group.id, "name": group.full_path.rsplit("/", 1)[-1],
                "path": group.full_path.rsplit("/", 1)[-1], "full_path": group.full_path,
                "full_name": group.full_path.replace("/", " / "), "visibility": "private",
                "parent_id": parent.id if parent else None,
                "web_url": f"{self.url}/groups/{group.full_path}"}

    def _project_json(self, project: FakeProject) -> dict[str, Any]:
        repo, namespace = project.repo, project.path.rsplit("/", 1)[0]
        group = self._group_by_path(namespace)
        return {"id": project.id, "path_with_namespace": project.path,
                "name": project.path.rsplit("/", 1)[-1], "path": project.path.rsplit("/", 1)[-1],
                "namespace": {"id": group.id if group else 0, "full_path": namespace,
                              "kind": "group"},
                "default_branch": repo.default_branch if repo.branches else None,
                "web_url": f"{self.url}/{project.path}", "ci_config_path": project.ci_config_path,
                "visibility": "private", "empty_repo": not repo.branches,
                "archived": project.archived}

    def _commit_json(self, project: FakeProject, commit: FakeCommit) -> dict[str, Any]:
        return {"id": commit.sha, "short_id": commit.sha[:8],
                "title": commit.message.split("\n", 1)[0], "message": commit.message,
                "parent_ids": list(commit.parent_ids), "author_name": commit.author_name,
                "author_email": commit.author_email, "authored_date": commit.created_at,
                "committer_name": commit.author_name, "committer_email": commit.author_email,
                "committed_date": commit.created_at, "created_at": commit.created_at,
                "web_url": f"{self.url}/{project.path}/-/commit/{commit.sha}"}

    def _mr_json(self, project: FakeProject, mr: FakeMergeRequest) -> dict[str, Any]:
        return {"id": 1000 + mr.iid, "iid": mr.iid, "project_id": project.id,
                "title": mr.title, "description": mr.description, "state": mr.state,
                "source_branch": mr.source_branch, "target_branch": mr.target_branch,
                "source_project_id": project.id, "target_project_id": project.id,
                "draft": False, "merge_status": "can_be_merged", "labels": [],
                "sha": project.repo.branches.get(mr.source_branch),
                "force_remove_source_branch": mr.remove_source_branch,
                "web_url": f"{self.url}/{project.path}/-/merge_requests/{mr.iid}"}

    def _page(self, items: list[Any], query: dict[str, str], path: str,
              payload: Callable[[Any], dict[str, Any]] | None = None) -> Answer:
        """One page of ``items`` (turned into JSON by ``payload``, page entries only)."""
        per_page = max(1, min(int(query.get("per_page") or 20), 100))
        page = max(1, int(query.get("page") or 1))
        pages = max(1, math.ceil(len(items) / per_page))
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
                   "X-Total-Pages": str(pages),
                   "X-Next-Page": str(page + 1) if page < pages else "",
                   "X-Prev-Page": str(page - 1) if page > 1 else ""}
        links = {"first": 1, "last": pages, "next": page + 1 if page < pages else None,
                 "prev": page - 1 if page > 1 else None}
        headers["Link"] = ", ".join(
            f'<{self.url}{path}?{urlencode({**query, "page": n, "per_page": per_page})}>; '
            f'rel="{rel}"' for rel, n in links.items() if n)
        shown = items[(page - 1) * per_page: page * per_page]
        return _json(200, [payload(i) for i in shown] if payload else shown, headers)


def _find_mr(project: FakeProject, iid: int) -> FakeMergeRequest:
    for mr in project.repo.merge_requests:
        if mr.iid == iid:
            return mr
    raise ApiError(404, {"message": "404 Not found"})


_PROJECT_ROUTES: list[tuple[str, str, Callable[..., Answer]]] = [
    *HISTORY_ROUTES,  # first: its merge request listing has more filters
    ("GET", "", FakeGitLab._project),
    ("GET", "/repository/tree", FakeGitLab._tree),
    ("GET", "/repository/files/([^/]+)/raw", FakeGitLab._raw),
    ("GET", "/repository/branches/([^/]+)", FakeGitLab._branch),
    ("DELETE", "/repository/branches/([^/]+)", FakeGitLab._delete_branch),
    ("GET", "/repository/compare", FakeGitLab._compare),
    ("POST", "/repository/commits", FakeGitLab._commit),
    ("POST", "/ci/lint", FakeGitLab._lint),
    ("GET", "/merge_requests", FakeGitLab._list_mrs),
    ("POST", "/merge_requests", FakeGitLab._create_mr),
    ("GET", r"/merge_requests/(\d+)", FakeGitLab._get_mr),
    ("PUT", r"/merge_requests/(\d+)", FakeGitLab._update_mr),
]

_GROUP_ROUTES: list[tuple[str, str, Callable[..., Answer]]] = [
    ("GET", "", FakeGitLab._group),
    ("GET", "/subgroups", FakeGitLab._subgroups),
    ("GET", "/descendant_groups", FakeGitLab._descendants),
    ("GET", "/projects", FakeGitLab._group_projects),
]


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json", **(headers or {})}, \
        data if isinstance(data, bytes) else json.dumps(data).encode()


def _yaml_errors(content: str) -> list[str]:
    try:
        data = YAML(typ="safe", pure=True).load(content)
    except YAMLError as exc:
        return [f"(<unknown>): {' '.join(str(exc).split())}"]
    if not isinstance(data, dict):
        return ["Invalid configuration format"]
    return []


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as GitLab answers
    disable_nagle_algorithm = True  # headers and body leave at once

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, payload = self.server.fake.handle(
            self.command, self.path, headers, body)
        self.send_response(status)
        for key, value in out_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake records requests itself."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeGitLab) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


@contextmanager
def serve(fake: FakeGitLab) -> Iterator[FakeGitLab]:
    """Serve ``fake`` on a free 127.0.0.1 port for the duration of the block."""
    server = _Server(fake)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serving(files: dict[str, str | bytes], *, token: str) -> Iterator[FakeGitLab]:
    """A fake whose default branch holds ``files``, served for the duration of the block."""
    gitlab = FakeGitLab(token=token)
    gitlab.seed(files)
    with serve(gitlab):
        yield gitlab
