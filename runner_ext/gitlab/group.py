"""A GitLab group through python-gitlab: its projects (subgroups included) and their files.

One listing call per 100 projects gives each project's settings (``ci_config_path``,
``archived``, ``empty_repo``, default branch), so scanning a project costs only the files it
reads. Rate limits: python-gitlab sleeps on a 429 as ``Retry-After`` says; besides, when an
answer says ``RateLimit-Remaining: 0``, every thread waits until ``RateLimit-Reset`` before its
next request, so a pool of workers does not run into the limit all at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from gitlab.utils import EncodedId

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.answers import Answer
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.client import (
    MAX_RETRIES,
    PER_PAGE,
    RestApi,
    open_client,
    settle_environment,
)
from runner_ext.gitlab.errors import (
    HINTS,
    endpoint,
)

# Never wait longer than this on a RateLimit-Reset (a clock-skewed server must not stall us).
MAX_PAUSE = 60.0


class NoAccess(Exception):
    """The token may see the project but not read its repository (403)."""


@dataclass(frozen=True)
class ProjectInfo:
    """One project as the group's project listing shows it."""

    id: int
    path: str
    web_url: str
    default_branch: str | None
    ci_config_path: str | None
    archived: bool
    empty: bool


class _Throttle:
    """Shared by every thread: after ``RateLimit-Remaining: 0``, wait for the reset."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        remaining, reset = (response.headers.get(k, "") for k in (
            "RateLimit-Remaining", "RateLimit-Reset"))
        if remaining.strip() == "0" and reset.strip().isdigit():
            with self._lock:
                self._until = max(self._until, min(float(reset), time.time() + MAX_PAUSE))

    def wait(self) -> None:
        pause = self._until - time.time()
        if pause > 0:
            time.sleep(pause)


class RestGroup(RestApi):
    """A group and the files of its projects."""

    def __init__(self, credentials: Credentials, group: str, *, workers: int = 1,
                 max_retries: int = MAX_RETRIES) -> None:
        if not group.strip("/") or group != group.strip("/ "):
            raise RunnerExtError(Category.USAGE, Problem(
                "not a group path", key="GROUP", value=repr(group),
                hint="give the group's full path as in its URL, e.g. platform/services"))
        client = open_client(credentials, max_retries=max_retries, pool_size=workers + 2)
        settle_environment(client)
        super().__init__(client, secret=credentials.token)
        self._throttle = _Throttle()
        client.session.hooks["response"].append(self._throttle.hook)
        answer = self._group(group)
        self.id = answer.number("id")
        self.full_path = answer.optional_text("full_path") or group

    def _group(self, group: str) -> Answer:
        """``GET /groups/:id``; an unknown group or a refused token is bad input (exit 2)."""
        api = f"/groups/{EncodedId(group)}"
        refused = RunnerExtError(Category.USAGE, Problem(
            f"GitLab refused the token (HTTP 401) at {endpoint('GET', api)}",
            key="GITLAB_TOKEN", hint=HINTS[401]))
        unknown = RunnerExtError(Category.USAGE, Problem(
            "no such group, or the token cannot see it", key="GROUP", value=group,
            hint="give the group's full path as in its URL; the token's user must "
                 "be a member (Reporter or more to read files)"))
        return self._object("GET", api, raises={401: refused, 403: unknown, 404: unknown})

    def projects(self) -> list[ProjectInfo]:
        """Every project of the group and its subgroups, all pages, in id order."""
        entries = self._list(f"/groups/{self.id}/projects", query={
            "include_subgroups": True, "with_shared": False, "per_page": PER_PAGE,
            "order_by": "id", "sort": "asc"})
        return [_project(e) for e in entries]

    def read(self, project: int | str, path: str, ref: str | None) -> bytes | None:
        """A file's bytes (``ref`` ``None``: the default branch); ``None`` when missing.

        Raises :class:`NoAccess` on 403, ``RunnerExtError`` on other failures.
        """
        api = f"/projects/{EncodedId(project)}/repository/files/{EncodedId(path)}/raw"
        self._throttle.wait()
        response = self._request("RAW", api, query={"ref": ref} if ref else {},
                                 missing_ok=True, raises={403: NoAccess(path)})
        return None if response is None else bytes(response.content)


def _project(entry: Answer) -> ProjectInfo:
    return ProjectInfo(
        id=entry.number("id"), path=entry.text("path_with_namespace"),
        web_url=entry.optional_text("web_url") or "",
        default_branch=entry.optional_text("default_branch"),
        ci_config_path=entry.optional_text("ci_config_path"),
        archived=entry.data.get("archived") is True, empty=entry.data.get("empty_repo") is True)
