"""Build-job durations before and after a project's migration: the statistics and the split.

Pure functions on plain data (:class:`~runner_ext.gitlab.jobs.JobRun`,
:class:`~runner_ext.gitlab.jobs.MergedRequest`): which merge request was the migration, which
jobs are the image builds, which runs came before its merge and which after, and each side's
median, 90th percentile and count.

Percentiles use the nearest-rank method: p90 of ``n`` sorted values is the value at rank
``ceil(0.9 * n)``, a duration that really occurred. The median of an even count is the mean
of the two middle values.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runner_ext.gitlab.jobs import JobRun, MergedRequest
from runner_ext.migrate.remote import DEFAULT_BRANCH

MIN_SAMPLES = 5
MIGRATION_BRANCH = DEFAULT_BRANCH
# A row of the report's summary table: | job | where | migrated (strategy) |
_MIGRATED_ROW = re.compile(r"^\|\s*(?P<job>(?:[^|\\]|\\.)+?)\s*\|[^|]*\|\s*migrated\b")
_ESCAPED = re.compile(r"\\(.)")


def median(values: Sequence[float]) -> float:
    """The middle value; the mean of the two middle values for an even count."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile {q} is not in (0, 100]")
    ordered = sorted(values)
    return ordered[math.ceil(q / 100 * len(ordered)) - 1]


@dataclass(frozen=True)
class Summary:
    """One side of the split: how many runs, their median and p90 (seconds)."""

    n: int
    median: float | None
    p90: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, durations in seconds."""
        return {"n": self.n, "median_seconds": self.median, "p90_seconds": self.p90}


def summarize(durations: Sequence[float]) -> Summary:
    """The count, median and p90 of ``durations`` (``None`` for no values)."""
    if not durations:
        return Summary(0, None, None)
    return Summary(len(durations), median(durations), percentile(durations, 90))


@dataclass(frozen=True)
class Migration:
    """The merged migration merge request: when it landed, where, and the jobs it moved."""

    iid: int
    merged_at: datetime
    target_branch: str
    web_url: str
    jobs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"iid": self.iid, "merged_at": self.merged_at.isoformat(),
                "target_branch": self.target_branch, "url": self.web_url,
                "jobs": list(self.jobs)}


def migrated_jobs(description: str) -> tuple[str, ...]:
    """The jobs the migration report (the merge request's description) lists as migrated.

    The migration keeps a job's name, so these names hold before and after the merge.
    """
    names = []
    for line in description.splitlines():
        found = _MIGRATED_ROW.match(line.strip())
        if found:
            names.append(_ESCAPED.sub(r"\1", found.group("job")))
    return tuple(dict.fromkeys(names))


def find_migration(mrs: Iterable[MergedRequest], branch: str = MIGRATION_BRANCH,
                   ) -> Migration | None:
    """The earliest merged merge request from the migration ``branch``: the moment the builds
    moved."""
    merged = sorted((mr for mr in mrs if mr.state == "merged" and mr.merged_at is not None
                     and mr.source_branch == branch), key=lambda mr: mr.merged_at or 0)
    if not merged:
        return None
    first = merged[0]
    assert first.merged_at is not None
    return Migration(first.iid, first.merged_at, first.target_branch, first.web_url,
                     migrated_jobs(first.description))


def is_build_job(name: str, names: Iterable[str], globs: Iterable[str]) -> bool:
    """A job named in ``names`` (as the migration recorded them) or matching a glob."""
    return name in set(names) or any(fnmatch.fnmatchcase(name, g) for g in globs)


@dataclass
class ProjectHistory:
    """Before/after statistics of one project's build jobs."""

    project: str
    before: Summary = field(default_factory=lambda: Summary(0, None, None))
    after: Summary = field(default_factory=lambda: Summary(0, None, None))
    migration: Migration | None = None
    jobs: tuple[str, ...] = ()
    min_samples: int = MIN_SAMPLES
    error: str | None = None

    @property
    def enough_data(self) -> bool:
        """Both sides hold at least ``min_samples`` runs."""
        return min(self.before.n, self.after.n) >= self.min_samples

    @property
    def ratio(self) -> float | None:
        """Median before / median after (2.0: builds take half the time); ``None`` when
        either side has too few runs."""
        if not self.enough_data or not self.after.median or self.before.median is None:
            return None
        return self.before.median / self.after.median

    def verdict(self) -> str:
        """The ratio, or why there is none."""
        if self.error:
            return f"error: {self.error}"
        if self.migration is None:
            return "not migrated (no merged runner-ext merge request)"
        if not self.jobs:
            return "build jobs unknown (pass --job-name)"
        if not self.enough_data:
            return (f"not enough data (before {self.before.n}, after {self.after.n} runs; "
                    f"need {self.min_samples} each)")
        return f"{self.ratio:.2f}x"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, durations in seconds."""
        return {"project": self.project, "jobs": list(self.jobs),
                "migration": self.migration.to_dict() if self.migration else None,
                "before": self.before.to_dict(), "after": self.after.to_dict(),
                "min_samples": self.min_samples, "enough_data": self.enough_data,
                "ratio": self.ratio, "verdict": self.verdict(), "error": self.error}


def project_history(project: str, runs: Iterable[JobRun], migration: Migration | None, *,
                    job_globs: Sequence[str] = (), ref: str | None = None,
                    min_samples: int = MIN_SAMPLES) -> ProjectHistory:
    """Split ``project``'s build-job runs at the migration's merge and summarize each side.

    Build jobs are the ones the migration recorded as migrated, plus those matching
    ``job_globs``. Only runs on ``ref`` count (the migration's target branch when known): runs
    of the migration branch itself, before the merge, already build the new way. Runs without
    a duration (erased, or still running when listed) are left out.
    """
    names = migration.jobs if migration else ()
    branch = migration.target_branch if migration else ref
    matched = [r for r in runs if r.duration is not None and (branch is None or r.ref == branch)
               and is_build_job(r.name, names, job_globs)]
    history = ProjectHistory(project, migration=migration, min_samples=min_samples,
                             jobs=tuple(sorted({r.name for r in matched} | set(names))))
    if migration is None:
        history.before = summarize([r.duration for r in matched if r.duration is not None])
        return history
    history.before = summarize([r.duration for r in matched
                                if r.duration is not None and r.created_at < migration.merged_at])
    history.after = summarize([r.duration for r in matched
                               if r.duration is not None and r.created_at >= migration.merged_at])
    return history
