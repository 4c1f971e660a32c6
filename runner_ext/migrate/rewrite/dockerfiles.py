"""The Dockerfiles of migrated jobs: findings, and the safe cache fixes applied to them."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from runner_ext.dockerfile import analyze_dockerfile, decode_dockerfile
from runner_ext.dockerfile.report import apply_safe_fixes
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.migrate.report.result import DockerfileOutcome
from runner_ext.rules.base import Finding, Severity

# The Dockerfile rule that compares a Dockerfile's features with the engine's.
ENGINE_GAP_RULE = "RXD110"


@dataclass
class DockerfileWork:
    """One Dockerfile to look at, with the context it is built in and the jobs using it."""

    path: str
    context: str
    jobs: list[str] = field(default_factory=list)


def _read(path: str, raw: bytes | None) -> str:
    if raw is None:
        raise RunnerExtError(Category.INPUT, Problem("Dockerfile not found", file=path))
    return decode_dockerfile(path, raw)


def context_files(files: list[str], context: str) -> list[str]:
    """Project files inside a build context, relative to it."""
    if not context:
        return list(files)
    prefix = context.rstrip("/") + "/"
    return [f[len(prefix):] for f in files if f.startswith(prefix)]


def _in_context(read: Callable[[str], bytes | None], context: str
                ) -> Callable[[str], bytes | None]:
    def read_file(path: str) -> bytes | None:
        return read(posixpath.join(context, path))

    return read_file


def applied_fixes(text: str, findings: list[Finding]) -> tuple[str, ...]:
    """Descriptions of the safe fixes that really went in (overlapping ones are skipped)."""
    applied: list[str] = []
    taken: list[Finding] = []
    current = text
    for finding in findings:
        if finding.fix is None or not finding.fix.safe:
            continue
        after = apply_safe_fixes(text, [*taken, finding])
        if after != current:
            applied.append(finding.fix.description)
            taken.append(finding)
            current = after
    return tuple(applied)


@dataclass
class Analysis:
    """One Dockerfile's text, findings and text with the safe fixes applied."""

    path: str
    text: str
    findings: list[Finding]
    fixed_text: str

    def engine_gaps(self) -> tuple[list[Finding], list[Finding]]:
        """Features the engine lacks (``RXD110`` warnings and errors) and ones it has only in
        some versions (``RXD110`` infos)."""
        gaps = [f for f in self.findings if f.rule_id == ENGINE_GAP_RULE]
        return ([f for f in gaps if f.severity is not Severity.INFO],
                [f for f in gaps if f.severity is Severity.INFO])


def analyze(work: DockerfileWork, *, read: Callable[[str], bytes | None], files: list[str],
            engine: Engine) -> Analysis:
    """Run the Dockerfile rules on one Dockerfile in its build context."""
    text = _read(work.path, read(work.path))
    ignore = posixpath.join(work.context, ".dockerignore")
    report = analyze_dockerfile(
        work.path, text, engine=engine, context_files=context_files(files, work.context),
        has_dockerignore=ignore in files or f"{work.path}.dockerignore" in files,
        read_file=_in_context(read, work.context))
    return Analysis(work.path, text, list(report.findings), report.fixed_text)


def outcome(analysis: Analysis, jobs: list[str], fixes: str) -> DockerfileOutcome:
    """The report entry of an analysed Dockerfile (fixes applied only with ``safe``)."""
    applied: tuple[str, ...] = ()
    if fixes == "safe" and analysis.fixed_text != analysis.text:
        applied = applied_fixes(analysis.text, analysis.findings)
    return DockerfileOutcome(analysis.path, tuple(analysis.findings), applied, tuple(jobs))
