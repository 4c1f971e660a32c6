"""A project's job history and merged merge requests, as plain data behind a small protocol.

:mod:`runner_ext.gitlab.client` reads them (the jobs API newest first, keyset pagination where
GitLab has it); this module turns GitLab's JSON into :class:`JobRun` and :class:`MergedRequest`
and stops reading at ``since``, so a report over the last weeks does not page through years.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from runner_ext.gitlab.answers import Answer, unexpected


@dataclass(frozen=True)
class JobRun:
    """One finished job, as the jobs API lists it."""

    id: int
    name: str
    status: str
    ref: str
    duration: float | None
    created_at: datetime
    finished_at: datetime | None
    pipeline_id: int | None


@dataclass(frozen=True)
class MergedRequest:
    """A merge request with what the history report needs from it."""

    iid: int
    title: str
    description: str
    source_branch: str
    target_branch: str
    state: str
    merged_at: datetime | None
    web_url: str


class JobHistory(Protocol):
    """The reads the history report makes on one project."""

    @property
    def path(self) -> str:
        """``group/name``."""
        ...

    def jobs(self, *, since: datetime | None = None) -> Iterator[JobRun]:
        """Successful jobs, newest first, down to ``since`` (all when ``None``)."""
        ...

    def merge_requests(self, *, state: str, source_branch: str | None = None,
                       labels: tuple[str, ...] = ()) -> list[MergedRequest]:
        """The project's merge requests in ``state`` (``opened``, ``merged``, ...)."""
        ...


def parse_time(value: str, where: str, field: str) -> datetime:
    """An ISO 8601 time from GitLab (``2026-01-05T09:00:00.000Z``), timezone-aware."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise unexpected(where, f"field {field!r} is not a time") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def job_run(data: Answer) -> JobRun:
    """A jobs API entry as a :class:`JobRun`."""
    finished = data.optional_text("finished_at")
    pipeline = data.data.get("pipeline")
    pipeline_id = Answer(pipeline, data.where).number("id") if isinstance(pipeline, dict) \
        else None
    return JobRun(
        id=data.number("id"), name=data.text("name"), status=data.text("status"),
        ref=data.optional_text("ref") or "",
        duration=data.optional_real("duration"),
        created_at=parse_time(data.text("created_at"), data.where, "created_at"),
        finished_at=parse_time(finished, data.where, "finished_at") if finished else None,
        pipeline_id=pipeline_id)


def merged_request(data: Answer) -> MergedRequest:
    """A merge requests API entry as a :class:`MergedRequest`."""
    merged = data.optional_text("merged_at")
    return MergedRequest(
        iid=data.number("iid"), title=data.optional_text("title") or "",
        description=data.optional_text("description") or "",
        source_branch=data.optional_text("source_branch") or "",
        target_branch=data.optional_text("target_branch") or "",
        state=data.optional_text("state") or "",
        merged_at=parse_time(merged, data.where, "merged_at") if merged else None,
        web_url=data.optional_text("web_url") or "")


def runs_since(entries: Iterable[Answer], since: datetime | None) -> Iterator[JobRun]:
    """The jobs of a newest-first listing until the first one created before ``since``.

    Consuming lazily is what stops the paging: no page after that job is requested.
    """
    for entry in entries:
        run = job_run(entry)
        if since is not None and run.created_at < since:
            return
        yield run
