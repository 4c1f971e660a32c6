"""Helpers shared by the CI rules."""

from __future__ import annotations

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.rules.base import Finding, Severity


def finding(rule_id: str, severity: Severity, facts: JobFacts, message: str,
            **details: str) -> Finding:
    """A finding on a job, located at the job's key."""
    return Finding(rule_id, severity, message, facts.file, facts.line,
                   details={"job": facts.name, **details})


def shown(text: str, limit: int = 70) -> str:
    """A command shortened for a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
