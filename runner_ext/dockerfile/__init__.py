"""Dockerfile analysis: a rule catalog on BuildKit's own parser, with a safe cache fix.

>>> report = analyze_dockerfile("Dockerfile", "FROM alpine\\nRUN apk add curl\\n")
>>> [f.rule_id for f in report.findings]
['RXD109', 'RXD103']
"""

from __future__ import annotations

from collections.abc import Sequence

from runner_ext.dockerfile.context import BuildContext, ReadFile
from runner_ext.dockerfile.model import Dockerfile, Subject
from runner_ext.dockerfile.report import DockerfileReport, apply_safe_fixes
from runner_ext.dockerfile.rules import RULES
from runner_ext.dockerfile.source import decode_dockerfile, parse_dockerfile
from runner_ext.engines import ENGINES
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.rules.base import Finding

__all__ = ["ENGINES", "RULES", "DockerfileReport", "analyze_dockerfile", "decode_dockerfile"]


def analyze_dockerfile(
    path: str,
    text: str,
    *,
    engine: str = "kaniko",
    context_files: Sequence[str] | None = None,
    has_dockerignore: bool | None = None,
    read_file: ReadFile | None = None,
) -> DockerfileReport:
    """Check a Dockerfile against every rule and apply the safe fixes.

    ``context_files`` lists the build context's files (relative to the context) and
    ``read_file(path)`` returns one of them (bytes or text, ``None`` when missing); both are
    needed for the cache fix, which reads the manifests and ``.dockerignore`` before moving
    anything. ``has_dockerignore=False`` says the context has no ``.dockerignore``.
    Raises :class:`RunnerExtError` (``Category.INPUT``) for text Docker would not accept.
    """
    if engine not in ENGINES:
        raise RunnerExtError(Category.USAGE, Problem(
            f"unknown build engine {engine!r}", key="engine",
            hint=f"use one of {', '.join(ENGINES)}"))
    dockerfile = parse_dockerfile(path, text)
    context = BuildContext.create(context_files, has_dockerignore, read_file)
    subject = Subject(dockerfile, engine, context)
    findings = sorted((f for rule in RULES for f in rule.check(subject)), key=_order)
    fixed = apply_safe_fixes(text, findings)
    if fixed != text:
        _check_fixed(path, fixed)
    return DockerfileReport(path, text, engine, findings, fixed)


def _order(finding: Finding) -> tuple[int, str]:
    return finding.line or 0, finding.rule_id


def _check_fixed(path: str, fixed: str) -> Dockerfile:
    """Re-parse the fixed text: a fix that breaks the file is a bug, never written out."""
    try:
        return parse_dockerfile(path, fixed)
    except RunnerExtError as error:
        raise RunnerExtError(Category.TEMPLATE, Problem(
            f"runner-ext's own fix produced an invalid Dockerfile: {error}", file=path,
            hint="please report this; run with --dockerfile-fixes none meanwhile")) from error
