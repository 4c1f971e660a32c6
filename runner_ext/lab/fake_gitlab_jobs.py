"""The fake GitLab's CI history: jobs, merged merge requests, and merge request filters.

Plugged into :class:`runner_ext.lab.fake_gitlab.FakeGitLab` as its ``history`` and a few
project routes. It answers as GitLab documents:

* ``GET /projects/:id/jobs``: jobs newest first (descending id), ``scope``/``scope[]``
  filters by status; ``pagination=keyset`` (GitLab 15.9+) pages with an opaque ``cursor`` in
  the ``Link: <...>; rel="next"`` header and no ``X-Total*`` headers; without it, offset
  pagination as every list. ``keyset=False`` plays a GitLab without keyset pagination for
  jobs, which answers 405 "Keyset pagination is not yet available for this type of request".
* ``GET /projects/:id/merge_requests``: ``state`` (``opened``, ``merged``, ``closed``,
  ``all``), ``source_branch``, ``target_branch`` and ``labels`` (comma-separated, all must be
  present) filters, newest first; merged ones carry ``merged_at``.

Test side::

    fake.history.add_jobs(project, "build-image", [100, 110, 120], start="2026-01-01T10:00:00Z")
    fake.history.merged_mr(project, source_branch="runner-ext/migrate", merged_at="...")
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from runner_ext.lab.fake_gitlab_repo import ApiError, FakeMergeRequest, FakeProject

if TYPE_CHECKING:
    from runner_ext.lab.fake_gitlab import Answer, FakeGitLab

NO_KEYSET = "Keyset pagination is not yet available for this type of request"


@dataclass
class FakeJob:
    """One CI job as the jobs API shows it."""

    id: int
    name: str
    status: str
    ref: str
    duration: float | None
    created_at: datetime
    pipeline_id: int
    stage: str = "build"

    def to_json(self, project: FakeProject, url: str) -> dict[str, Any]:
        started = self.created_at + timedelta(seconds=3)
        finished = None if self.duration is None else started + timedelta(seconds=self.duration)
        return {
            "id": self.id, "name": self.name, "status": self.status, "stage": self.stage,
            "ref": self.ref, "tag": False, "coverage": None, "allow_failure": False,
            "created_at": _iso(self.created_at), "started_at": _iso(started),
            "finished_at": _iso(finished) if finished else None, "erased_at": None,
            "duration": self.duration, "queued_duration": 3.0,
            "user": {"id": 1, "username": "fake", "name": "Fake User"},
            "commit": {"id": f"{self.pipeline_id:040x}", "short_id": f"{self.pipeline_id:08x}",
                       "title": "Fake commit"},
            "pipeline": {"id": self.pipeline_id, "project_id": project.id, "ref": self.ref,
                         "sha": f"{self.pipeline_id:040x}", "status": self.status},
            "web_url": f"{url}/{project.path}/-/jobs/{self.id}",
            "artifacts": [], "runner": None, "tag_list": [],
            "project": {"ci_job_token_scope_enabled": False}}


@dataclass
class FakeHistory:
    """Jobs per project, and what the merge requests have beyond the repository's fields."""

    keyset: bool = True
    jobs: dict[int, list[FakeJob]] = field(default_factory=dict)
    merged_at: dict[tuple[int, int], datetime] = field(default_factory=dict)
    labels: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def add_jobs(self, project: FakeProject, name: str, durations: Iterable[float | None], *,
                 start: str | datetime, every: timedelta = timedelta(hours=1),
                 ref: str = "main", status: str = "success") -> list[FakeJob]:
        """One job run per duration, the first created at ``start``, then one ``every``.

        Ids grow with creation time, as GitLab's do (it numbers jobs as they are created), so
        jobs added in any order list newest first.
        """
        when = _parse(start) if isinstance(start, str) else start
        added = []
        for duration in durations:
            number = int(when.timestamp()) * 1000 + next(self._ids) % 1000
            added.append(FakeJob(number, name, status, ref, duration, when, number // 1000))
            when += every
        self.jobs.setdefault(project.id, []).extend(added)
        return added

    def merged_mr(self, project: FakeProject, *, merged_at: str | datetime,
                  source_branch: str = "runner-ext/migrate", target_branch: str = "main",
                  title: str = "Move image builds to daemonless kaniko builds (runner-ext)",
                  description: str = "", labels: tuple[str, ...] = ()) -> FakeMergeRequest:
        """A merge request that was merged at ``merged_at``."""
        repo = project.repo
        mr = FakeMergeRequest(len(repo.merge_requests) + 1, source_branch, target_branch, title,
                              description, state="merged")
        repo.merge_requests.append(mr)
        self.merged_at[(project.id, mr.iid)] = \
            _parse(merged_at) if isinstance(merged_at, str) else merged_at
        self.labels[(project.id, mr.iid)] = labels
        return mr

    def label(self, project: FakeProject, mr: FakeMergeRequest, *labels: str) -> None:
        """Put ``labels`` on a merge request."""
        self.labels[(project.id, mr.iid)] = labels


def list_jobs(fake: FakeGitLab, project: FakeProject, query: dict[str, str],
              body: dict[str, Any]) -> Answer:
    """``GET /projects/:id/jobs``."""
    from runner_ext.lab.fake_gitlab import _json

    scope = query.get("scope[]") or query.get("scope")
    jobs = sorted((j for j in fake.history.jobs.get(project.id, [])
                   if scope is None or j.status == scope), key=lambda j: -j.id)
    path = f"/api/v4/projects/{project.id}/jobs"
    if query.get("pagination") != "keyset":
        return fake._page([j.to_json(project, fake.url) for j in jobs], query, path)
    if not fake.history.keyset:
        raise ApiError(405, {"error": NO_KEYSET})
    per_page = max(1, min(int(query.get("per_page") or 20), 100))
    before = _cursor_id(query.get("cursor"))
    page = [j for j in jobs if before is None or j.id < before][:per_page]
    more = bool(page) and any(j.id < page[-1].id for j in jobs)
    headers = {}
    if more:
        cursor = base64.urlsafe_b64encode(json.dumps(
            {"id": str(page[-1].id), "_kd": "n"}).encode()).decode()
        rest = {k: v for k, v in query.items() if k != "cursor"}
        headers["Link"] = f'<{fake.url}{path}?{urlencode({**rest, "cursor": cursor})}>; ' \
                          'rel="next"'
    return _json(200, [j.to_json(project, fake.url) for j in page], headers)


def list_merge_requests(fake: FakeGitLab, project: FakeProject, query: dict[str, str],
                        body: dict[str, Any]) -> Answer:
    """``GET /projects/:id/merge_requests`` with the state, branch and label filters."""
    wanted = {k: query[k] for k in ("state", "source_branch", "target_branch")
              if query.get(k) and query[k] != "all"}
    labels = {name for name in query.get("labels", "").split(",") if name}
    found = [mr_json(fake, project, mr) for mr in project.repo.merge_requests
             if all(getattr(mr, k) == v for k, v in wanted.items())
             and labels <= set(fake.history.labels.get((project.id, mr.iid), ()))]
    return fake._page(found[::-1], query, f"/api/v4/projects/{project.id}/merge_requests")


def mr_json(fake: FakeGitLab, project: FakeProject, mr: FakeMergeRequest) -> dict[str, Any]:
    """The repository's merge request payload, with ``merged_at`` and ``labels``."""
    merged = fake.history.merged_at.get((project.id, mr.iid))
    return {**fake._mr_json(project, mr), "merged_at": _iso(merged) if merged else None,
            "labels": list(fake.history.labels.get((project.id, mr.iid), ()))}


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/jobs", list_jobs),
    ("GET", "/merge_requests", list_merge_requests),
]


def _cursor_id(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["id"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, {"error": "cursor is invalid"}) from None


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")
