"""``migrate-group``: one merge request per eligible project of a group, by ``migrate-project``'s
GitLab mode (:func:`runner_ext.migrate.remote.migrate_gitlab_project`).

Three steps, so that the outcome does not depend on which worker finishes first:

1. select: the group's projects matching ``--include``/``--exclude`` (globs on the full path)
   and, with ``--class``, whose scan class is one of those given;
2. check, in a bounded pool: archived, empty, no access to the code, an open runner-ext merge
   request already -> skipped, each with its reason; the first ``--limit`` projects left, in
   the group listing's order, go on (the rest: skipped, "over --limit");
3. migrate, in the pool: opened (or, with ``dry_run``, would open), nothing to migrate
   (skipped), or failed with the reason. One project failing never stops the others.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.client import RestProject, connect
from runner_ext.gitlab.errors import GitLabApiError
from runner_ext.gitlab.group import NoAccess, ProjectInfo, RestGroup
from runner_ext.group.ciread import SharedFiles
from runner_ext.group.inventory import CLASSES
from runner_ext.group.pool import in_order
from runner_ext.group.scan import scan_project
from runner_ext.group.sources import open_group
from runner_ext.migrate.parse.cifiles import NO_CI_CONFIGURATION
from runner_ext.migrate.remote import (
    DEFAULT_BRANCH,
    OUTSIDE_CI_CONFIGURATION,
    RemoteOutcome,
    migrate_gitlab_project,
)
from runner_ext.migrate.report.masking import mask
from runner_ext.migrate.report.result import MigrationResult
from runner_ext.migrate.shim.strategy import Strategy

log = logging.getLogger(__name__)

Status = Literal["opened", "updated", "would-open", "skipped", "failed"]
DEFAULT_WORKERS = 4
NO_ACCESS = "no access to the repository (the token's user needs Developer or more)"


@dataclass(frozen=True)
class GroupMigration:
    """What to migrate and how (the per-project options are ``migrate-project``'s)."""

    credentials: Credentials
    group: str
    config: OrgConfig
    engine: Engine | None = None
    strategy: Strategy = "auto"
    keep_daemonless: bool = False  # leave hand-written Kaniko jobs as they are
    dockerfile_fixes: str = "safe"
    branch: str = DEFAULT_BRANCH
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    limit: int | None = None
    dry_run: bool = False
    workers: int = DEFAULT_WORKERS
    max_retries: int = 3


@dataclass
class ProjectOutcome:
    """What became of one project."""

    project: str
    status: Status
    reason: str = ""
    mr_url: str | None = None
    files: list[str] = field(default_factory=list)
    migrated_jobs: int = 0
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"project": self.project, "status": self.status, "reason": self.reason,
                "merge_request": self.mr_url, "files": self.files,
                "migrated_jobs": self.migrated_jobs, "class": self.kind}


@dataclass
class GroupMigrationResult:
    """Every selected project's outcome, in the group listing's order."""

    group: str
    dry_run: bool
    projects_in_group: int
    rows: list[ProjectOutcome]

    def counts(self) -> dict[str, int]:
        """Projects per status."""
        found = {s: 0 for s in ("opened", "updated", "would-open", "skipped", "failed")}
        for row in self.rows:
            found[row.status] += 1
        return found

    @property
    def failed(self) -> bool:
        """True when any project failed."""
        return any(r.status == "failed" for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the summary and every row."""
        return {"group": self.group, "dry_run": self.dry_run,
                "projects_in_group": self.projects_in_group, "selected": len(self.rows),
                "counts": self.counts(), "projects": [r.to_dict() for r in self.rows]}


def check_classes(classes: Sequence[str]) -> None:
    """Refuse a ``--class`` the scan does not know."""
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        raise RunnerExtError(Category.USAGE, Problem(
            "unknown project class", key="--class", value=unknown[0],
            hint=f"use one of {', '.join(CLASSES)} (the classes `runner-ext scan` reports)"))


def selected(path: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether ``path`` matches an ``include`` glob (any, when none given) and no ``exclude``."""
    return (not include or any(fnmatch.fnmatchcase(path, g) for g in include)) and \
        not any(fnmatch.fnmatchcase(path, g) for g in exclude)


@dataclass
class GroupProgress:
    """Callbacks for a progress display: the number of selected projects, then each one
    as its outcome is known."""

    start: Callable[[int], None] = lambda total: None
    done: Callable[[ProjectOutcome], None] = lambda row: None


def migrate_group(request: GroupMigration,
                  progress: GroupProgress | None = None) -> GroupMigrationResult:
    """Run the three steps; bad input (group, token, no projects) raises, nothing else does."""
    progress = progress or GroupProgress()
    check_classes(request.classes)
    group, listed = open_group(request.credentials, request.group, workers=request.workers,
                               max_retries=request.max_retries)
    chosen = [p for p in listed if selected(p.path, request.include, request.exclude)]
    progress.start(len(chosen))
    shared = SharedFiles(lambda project, path, ref: group.read(project, path, ref))

    def check(project: ProjectInfo) -> tuple[ProjectOutcome | None, RestProject | None]:
        outcome, remote = _check(project, request, group, shared)
        if remote is None:
            progress.done(outcome or ProjectOutcome(project.path, "skipped"))
        return outcome, remote

    def migrate(remote: RestProject) -> ProjectOutcome:
        outcome = _migrate(remote, request)
        progress.done(outcome)
        return outcome

    checked = in_order(chosen, check, request.workers, name="migrate-group")
    rows, ready = _within_limit(checked, request.limit, progress)
    done = in_order([remote for _, remote in ready], migrate, request.workers,
                    name="migrate-group")
    for (index, _), finished in zip(ready, done, strict=True):
        finished.kind = rows[index].kind
        rows[index] = finished
    return GroupMigrationResult(group.full_path, request.dry_run, len(listed), rows)


def _within_limit(checked: list[tuple[ProjectOutcome | None, RestProject | None]],
                  limit: int | None, progress: GroupProgress,
                  ) -> tuple[list[ProjectOutcome], list[tuple[int, RestProject]]]:
    """The rows of the projects of the classes asked for, and the first ``limit`` projects
    to migrate (with their row's index); the others are skipped as over the limit."""
    rows: list[ProjectOutcome] = []
    ready: list[tuple[int, RestProject]] = []
    for outcome, remote in checked:
        if outcome is None:
            continue  # not of a --class asked for
        rows.append(outcome)
        if remote is None:
            continue
        if limit is not None and len(ready) >= limit:
            outcome.status, outcome.reason = "skipped", f"over --limit {limit}"
            progress.done(outcome)
        else:
            ready.append((len(rows) - 1, remote))
    return rows, ready


def _check(project: ProjectInfo, request: GroupMigration, group: RestGroup,
           shared: SharedFiles) -> tuple[ProjectOutcome | None, RestProject | None]:
    """Why ``project`` is skipped, or the opened project to migrate; ``None`` when its class
    is not among ``--class``."""
    row = ProjectOutcome(project.path, "skipped")
    if project.archived or project.empty:
        row.reason = "archived" if project.archived else "empty repository"
        row.kind = "archived" if project.archived else "empty"
        return (row if _wanted(row.kind, request) else None), None
    try:
        if request.classes:
            row.kind = scan_project(group, shared, project, request.engine or "kaniko").kind
            if not _wanted(row.kind, request):
                return None, None
            if row.kind == "no-access":
                row.reason = NO_ACCESS
                return row, None
        remote = connect(request.credentials, str(project.id), max_retries=request.max_retries)
        open_mrs = remote.merge_requests(state="opened", source_branch=request.branch)
    except NoAccess:
        row.reason = NO_ACCESS
        return row, None
    except RunnerExtError as exc:
        row.status, row.reason = "failed", _reason(exc)
        return row, None
    except Exception as exc:  # one project's bug must not stop the group
        log.exception("checking %s", project.path)
        row.status, row.reason = "failed", _internal(exc)
        return row, None
    if open_mrs:
        row.reason = f"open runner-ext merge request !{open_mrs[0].iid}"
        row.mr_url = open_mrs[0].web_url or None
        return row, None
    return row, remote


def _wanted(kind: str | None, request: GroupMigration) -> bool:
    return not request.classes or kind in request.classes


def _migrate(remote: RestProject, request: GroupMigration) -> ProjectOutcome:
    row = ProjectOutcome(remote.path, "failed")
    try:
        outcome = migrate_gitlab_project(
            remote, gitlab_url=request.credentials.url, config=request.config,
            engine=request.engine, dockerfile_fixes=request.dockerfile_fixes,
            branch=request.branch, target_branch=None, dry_run=request.dry_run,
            strategy=request.strategy, keep_daemonless=request.keep_daemonless)
    except GitLabApiError as exc:
        row.reason = _reason(exc)
        if exc.status == 403 and exc.method == "GET":
            row.status, row.reason = "skipped", NO_ACCESS
        return row
    except RunnerExtError as exc:
        row.reason = _reason(exc)
        if exc.category is Category.INPUT and exc.problems[0].message in _NOT_MIGRATABLE:
            row.status = "skipped"
        return row
    except Exception as exc:  # one project's bug must not stop the group
        log.exception("migrating %s", remote.path)
        row.reason = _internal(exc)
        return row
    return _describe(row, outcome, request.dry_run)


_NOT_MIGRATABLE = frozenset({NO_CI_CONFIGURATION, OUTSIDE_CI_CONFIGURATION})


def _describe(row: ProjectOutcome, outcome: RemoteOutcome, dry_run: bool) -> ProjectOutcome:
    result = outcome.result
    row.migrated_jobs = result.counts()["migrated"]
    published = outcome.published
    if published is None:
        row.status, row.reason = "skipped", _nothing_to_migrate(result)
        return row
    row.files = [a.path for a in published.files]
    row.mr_url = outcome.mr_url
    if dry_run:
        row.status = "would-open"
        row.reason = f"branch {outcome.branch} into {outcome.target_branch}"
    elif published.mr_action == "create":
        row.status = "opened"
    else:
        row.status = "updated"
        row.reason = f"merge request {published.mr_action}"
    return row


def _nothing_to_migrate(result: MigrationResult) -> str:
    """Why a project's migration changes nothing: no build job, or the first job left and why."""
    left = [j for j in result.jobs if j.status == "left"]
    already = [j for j in result.jobs if j.status == "already-daemonless"]
    if left:
        more = f" (and {len(left) - 1} more job(s))" if len(left) > 1 else ""
        return mask(f"nothing to migrate: job {left[0].name} left as is: {left[0].reason}{more}",
                    result.secrets)
    if already:
        return f"nothing to migrate: {len(already)} job(s) already build daemonless"
    return "nothing to migrate: no job builds an image"


def _internal(exc: Exception) -> str:
    return f"internal error (a bug in runner-ext, please report it): {type(exc).__name__}"


def _reason(exc: RunnerExtError) -> str:
    """Every problem of the error on one line (the first says what failed, the others what
    was left behind)."""
    return " | ".join(p.render() for p in exc.problems) if exc.problems else str(exc)
