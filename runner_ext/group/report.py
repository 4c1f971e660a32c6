"""``report``: read build-job durations and the migration merge request, then split and sum up.

The reads go through :class:`runner_ext.gitlab.jobs.JobHistory` (the jobs API newest first,
stopping at ``since``; the merged merge requests of the migration branch); the statistics are
:mod:`runner_ext.group.history`'s pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def report_many(projects: Sequence[tuple[str, JobHistory | RunnerExtError]],
                options: ReportOptions) -> list[ProjectHistory]:
    """Every project's statistics; a project that cannot be read gets an error row."""
    out = []
    for path, project in projects:
        if isinstance(project, RunnerExtError):
            out.append(ProjectHistory(path, error=_one_line(project)))
            continue
        try:
            out.append(report_project(project, options))
        except RunnerExtError as exc:
            out.append(ProjectHistory(path, error=_one_line(exc)))
    return out


def _one_line(exc: RunnerExtError) -> str:
    return exc.problems[0].render() if exc.problems else str(exc)
