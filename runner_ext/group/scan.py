"""Scan a GitLab group: every project of it and its subgroups, classified, in a bounded pool.

Each project costs the files it reads: its CI file, its local includes and the Dockerfiles its
build jobs name (the group listing already gave its settings; files of shared template
projects are read once for the whole scan). A failure that survives the client's retries
(429 as ``Retry-After`` says, 5xx with growing pauses) becomes that project's ``error`` row.
Rows go to the state file as they finish, so an interrupted scan resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner_ext.dockerfile import ENGINES, analyze_dockerfile, decode_dockerfile
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.group import NoAccess, ProjectInfo, RestGroup
from runner_ext.group.ciread import ReadShared, SharedFiles, load_ci
from runner_ext.group.classify import analyse
from runner_ext.group.inventory import DockerfileRow, ProjectRow, counts, project_class
from runner_ext.group.state import StateFile
from runner_ext.migrate.report.masking import dockerfile_secrets, mask_data

DEFAULT_WORKERS = 16


@dataclass
class ScanRequest:
    """What to scan and how."""

    credentials: Credentials
    group: str
    state_file: Path
    resume: bool = False
    workers: int = DEFAULT_WORKERS
    engine: str = "kaniko"
    max_retries: int = 3


@dataclass
class ScanResult:
    """Every project's row (in the group listing's order) and how the scan went."""

    gitlab_url: str
    group: str
    rows: list[ProjectRow]
    resumed: int = 0
    seconds: float = 0.0
    calls: int = 0

    def counts(self) -> dict[str, int]:
        """Projects per class."""
        return counts(self.rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: summary and rows."""
        return {"gitlab_url": self.gitlab_url, "group": self.group,
                "projects": len(self.rows), "counts": self.counts(),
                "errors": sum(r.kind == "error" for r in self.rows),
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class ScanProgress:
    """Callbacks for a progress display; ``done`` may raise (KeyboardInterrupt) to stop."""

    start: Callable[[int, int], None] = lambda total, already: None
    done: Callable[[ProjectRow], None] = lambda row: None


def scan_group(request: ScanRequest, progress: ScanProgress | None = None) -> ScanResult:
    """Scan the group; ``KeyboardInterrupt`` stops it after the projects in flight are
    recorded (resume with ``resume=True``)."""
    progress = progress or ScanProgress()
    if request.engine not in ENGINES:
        raise RunnerExtError(Category.USAGE, Problem(
            "unknown build engine", key="--engine", value=request.engine,
            hint=f"use one of {', '.join(ENGINES)}"))
    started = time.monotonic()
    group = RestGroup(request.credentials, request.group, workers=request.workers,
                      max_retries=request.max_retries)
    projects = group.projects()
    if not projects:
        raise RunnerExtError(Category.USAGE, Problem(
            "the group has no projects the token can see", key="GROUP", value=group.full_path,
            hint="check the group path; the token's user must be a member of its projects"))
    state = StateFile(request.state_file, gitlab_url=request.credentials.url,
                      group=group.full_path, resume=request.resume)
    rows = dict(state.done)
    todo = [p for p in projects if p.id not in rows]
    progress.start(len(projects), len(projects) - len(todo))
    shared = SharedFiles(lambda project, path, ref: _read_shared(group, project, path, ref))
    try:
        _run(todo, lambda p: _scan_and_record(group, shared, p, request.engine, state),
             request.workers, rows, progress)
    finally:
        state.close()
    ordered = [rows[p.id] for p in projects if p.id in rows]
    return ScanResult(request.credentials.url, group.full_path, ordered,
                      resumed=len(state.done), seconds=time.monotonic() - started,
                      calls=sum(r.calls for r in ordered))


def _run(todo: list[ProjectInfo], work: Callable[[ProjectInfo], ProjectRow], workers: int,
         rows: dict[int, ProjectRow], progress: ScanProgress) -> None:
    """Scan in a bounded pool; on an interrupt, finish and keep what is in flight, start
    nothing new, and re-raise."""
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="scan")
    pending: set[Future[ProjectRow]] = set()
    queue = iter(todo)
    try:
        for project in queue:
            pending.add(pool.submit(work, project))
            if len(pending) >= workers * 2:
                _collect(pending, rows, progress)
        while pending:
            _collect(pending, rows, progress)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        for future in pending:
            if future.done() and not future.cancelled() and future.exception() is None:
                rows[future.result().id] = future.result()
        raise
    pool.shutdown(wait=True)


def _collect(pending: set[Future[ProjectRow]], rows: dict[int, ProjectRow],
             progress: ScanProgress) -> None:
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    for future in done:
        pending.discard(future)
        row = future.result()
        rows[row.id] = row
        progress.done(row)


def _read_shared(group: RestGroup, project: str, path: str, ref: str | None) -> bytes | None:
    """A file of an included project; one the token may not read counts as missing (the
    projects including it still get scanned, with a note)."""
    try:
        return group.read(project, path, ref)
    except NoAccess:
        return None


def _scan_and_record(group: RestGroup, shared: SharedFiles, project: ProjectInfo,
                     engine: str, state: StateFile) -> ProjectRow:
    row = scan_project(group, shared, project, engine)
    state.record(row)
    return row


def scan_project(group: RestGroup, shared: SharedFiles, project: ProjectInfo,
                 engine: str) -> ProjectRow:
    """One project's row; GitLab failures become an ``error`` row, never an exception."""
    row = ProjectRow(project.id, project.path, project.web_url, "no-image-build")
    calls = [0]

    def read_own(path: str) -> bytes | None:
        calls[0] += 1
        return group.read(project.id, path, project.default_branch)

    def count() -> None:
        calls[0] += 1

    def read_shared(other: str, ref: str | None, path: str) -> bytes | None:
        return shared.get(other, ref, path, on_fetch=count)

    secrets: frozenset[str] = frozenset()
    try:
        if project.archived or project.empty:
            row.kind = "archived" if project.archived else "empty"
            return row
        secrets = _classify(row, project, read_own, read_shared, engine)
    except NoAccess:
        row.kind = "no-access"
    except RunnerExtError as exc:
        row.kind, row.error = "error", str(exc).splitlines()[0]
    except Exception as exc:  # a bug on one project's input must not end a group's scan
        row.kind, row.error = "error", (f"runner-ext failed on this project (a bug, please "
                                        f"report it): {type(exc).__name__}")
    else:
        if secrets:
            row = ProjectRow.from_dict(mask_data(row.to_dict(), secrets))
    row.calls = calls[0]
    return row


def _classify(row: ProjectRow, project: ProjectInfo, read_own: Callable[[str], bytes | None],
              shared: ReadShared, engine: str) -> frozenset[str]:
    config = load_ci(project.ci_config_path, read_own, shared)
    if config is None:
        row.kind = "no-ci"
        return frozenset()
    row.ci_file, row.notes = config.root, list(config.notes)
    result = analyse(config.files)
    row.jobs, row.risks, row.kind = result.jobs, result.risks, project_class(result.jobs)
    row.notes.extend(result.notes)
    secrets = set(result.secrets)
    for path, jobs in result.dockerfiles.items():
        dockerfile, found = _dockerfile(path, jobs, read_own, engine)
        row.dockerfiles.append(dockerfile)
        secrets |= found
    return frozenset(s for s in secrets if s)


def _dockerfile(path: str, jobs: list[str], read_own: Callable[[str], bytes | None],
                engine: str) -> tuple[DockerfileRow, set[str]]:
    row = DockerfileRow(path, sorted(set(jobs)))
    raw = read_own(path)
    if raw is None:
        row.error = "not found on the default branch"
        return row, set()
    try:
        text = decode_dockerfile(path, raw)
        report = analyze_dockerfile(path, text, engine=engine)
    except RunnerExtError as exc:
        row.error = str(exc).splitlines()[0]
        return row, set()
    row.findings = [{"rule": f.rule_id, "severity": f.severity.value, "line": f.line,
                     "message": f.message} for f in report.findings]
    return row, dockerfile_secrets(text)
