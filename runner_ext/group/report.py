"""``report``: read build-job durations and the migration merge request, then split and sum up.

The reads go through :class:`runner_ext.gitlab.jobs.JobHistory` (the jobs API newest first,
stopping at ``since``; the merged merge requests of the migration branch); the statistics are
:mod:`runner_ext.group.history`'s pure functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from runner_ext.errors import RunnerExtError
from runner_ext.gitlab.jobs import JobHistory
from runner_ext.group.history import (
    MIGRATION_BRANCH,
    MIN_SAMPLES,
    ProjectHistory,
    find_migration,
    project_history,
)
from runner_ext.group.pool import in_order


@dataclass(frozen=True)
class ReportOptions:
    """What to read and how to judge it."""

    since: datetime | None = None
    job_globs: tuple[str, ...] = ()
    branch: str = MIGRATION_BRANCH
    min_samples: int = MIN_SAMPLES
    ref: str | None = None


def report_project(project: JobHistory, options: ReportOptions) -> ProjectHistory:
    """One project's before/after statistics; GitLab errors propagate."""
    merged = project.merge_requests(state="merged", source_branch=options.branch)
    migration = find_migration(merged, options.branch)
    runs = list(project.jobs(since=options.since))
    return project_history(project.path, runs, migration, job_globs=options.job_globs,
                           ref=options.ref, min_samples=options.min_samples)


def report_many(projects: Sequence[tuple[str, Callable[[], JobHistory]]],
                options: ReportOptions, *, workers: int = 1) -> list[ProjectHistory]:
    """Every project's statistics, ``workers`` projects at a time, in the order given; a
    project that cannot be opened or read gets an error row."""
    def one(item: tuple[str, Callable[[], JobHistory]]) -> ProjectHistory:
        path, open_project = item
        try:
            return report_project(open_project(), options)
        except RunnerExtError as exc:
            return ProjectHistory(path, error=_one_line(exc))

    return in_order(projects, one, workers, name="report")


def _one_line(exc: RunnerExtError) -> str:
    return exc.problems[0].render() if exc.problems else str(exc)
