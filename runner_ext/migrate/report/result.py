"""What a migration found and did: the engine-independent result model.

A :class:`MigrationResult` is plain data: the new text of every file that changes, the
original text of those files, one :class:`JobOutcome` per CI job that builds, pushes or
otherwise talks to Docker, and one :class:`DockerfileOutcome` per Dockerfile those jobs use.
Local and GitLab mode both produce it; the CLI and the merge request only render it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from runner_ext.rules.base import Finding

JobStatus = Literal["migrated", "left", "already-daemonless"]
JOB_STATUSES: tuple[JobStatus, ...] = ("migrated", "left", "already-daemonless")


@dataclass(frozen=True)
class JobOutcome:
    """One CI job the migration looked at, and what became of it."""

    name: str
    file: str
    line: int
    status: JobStatus
    reason: str = ""
    suggestion: str = ""
    findings: tuple[Finding, ...] = ()
    changes: tuple[str, ...] = ()
    attention: tuple[str, ...] = ()
    dockerfile: str | None = None
    strategy: str = ""  # of a migrated job: "declarative" or "shim"

    def location(self) -> str:
        """``file:line`` of the job's key."""
        return f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "status": self.status,
            "strategy": self.strategy,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "changes": list(self.changes),
            "attention": list(self.attention),
            "dockerfile": self.dockerfile,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class DockerfileOutcome:
    """One Dockerfile used by a build job: its findings and the fixes applied to it."""

    path: str
    findings: tuple[Finding, ...] = ()
    applied_fixes: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when at least one fix was applied."""
        return bool(self.applied_fixes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "path": self.path,
            "jobs": list(self.jobs),
            "changed": self.changed,
            "applied_fixes": list(self.applied_fixes),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class MigrationResult:
    """Everything one migration run produced; nothing has been written yet."""

    engine: str
    include_mode: str
    changes: dict[str, str] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    jobs: list[JobOutcome] = field(default_factory=list)
    dockerfiles: list[DockerfileOutcome] = field(default_factory=list)
    ci_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Credentials found in the project: masked in every report, never shown.
    secrets: frozenset[str] = field(default_factory=frozenset, repr=False)

    @property
    def has_changes(self) -> bool:
        """True when at least one file would change."""
        return bool(self.changes)

    def jobs_with(self, status: JobStatus) -> list[JobOutcome]:
        """The jobs that ended with one status, in file order."""
        return [j for j in self.jobs if j.status == status]

    def counts(self) -> dict[str, int]:
        """Jobs per status, plus Dockerfiles changed."""
        counts: dict[str, int] = {s: len(self.jobs_with(s)) for s in JOB_STATUSES}
        counts["dockerfiles_changed"] = sum(1 for d in self.dockerfiles if d.changed)
        counts["files_changed"] = len(self.changes)
        return counts

    def diff(self) -> str:
        """A unified diff of every change (``a/`` and ``b/`` prefixes, like git), masked."""
        from runner_ext.migrate.report.masking import mask_lines

        chunks = []
        for path in sorted(self.changes):
            before = self.originals.get(path, "")
            chunks.append("".join(difflib.unified_diff(
                before.splitlines(keepends=True), self.changes[path].splitlines(keepends=True),
                fromfile=f"a/{path}", tofile=f"b/{path}",
            )))
        return mask_lines("".join(chunks), self.secrets)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (file contents are not included; see ``changed_files``), masked."""
        from runner_ext.migrate.report.masking import mask_data

        return cast(dict[str, Any], mask_data({
            "engine": self.engine,
            "include_mode": self.include_mode,
            "ci_files": list(self.ci_files),
            "changed_files": sorted(self.changes),
            "summary": self.counts(),
            "jobs": [j.to_dict() for j in self.jobs],
            "dockerfiles": [d.to_dict() for d in self.dockerfiles],
            "notes": list(self.notes),
        }, self.secrets))

    def to_markdown(self) -> str:
        """The migration report in Markdown (also the merge request description)."""
        from runner_ext.migrate.report.masking import in_markdown, mask
        from runner_ext.migrate.report.report import render_markdown

        return mask(render_markdown(self), in_markdown(self.secrets))

    def to_text(self) -> str:
        """The migration report for a terminal."""
        from runner_ext.migrate.report.masking import mask
        from runner_ext.migrate.report.report import render_text

        return mask(render_text(self), self.secrets)
