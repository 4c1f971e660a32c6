"""The result of analysing one Dockerfile: findings and the text with every safe fix applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner_ext.rules.base import Finding, Splice, apply_splices


@dataclass(frozen=True)
class DockerfileReport:
    """Findings for one Dockerfile and ``fixed_text`` (``== text`` when nothing was fixed)."""

    path: str
    text: str
    engine: str
    findings: list[Finding] = field(default_factory=list)
    fixed_text: str = ""

    @property
    def changed(self) -> bool:
        """True when safe fixes changed the text."""
        return self.fixed_text != self.text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the texts themselves are left out)."""
        return {
            "path": self.path,
            "engine": self.engine,
            "changed": self.changed,
            "findings": [f.to_dict() for f in self.findings],
        }


def apply_safe_fixes(text: str, findings: list[Finding]) -> str:
    """``text`` with every safe fix applied; a fix overlapping an earlier one is skipped."""
    chosen: list[Splice] = []
    for finding in findings:
        if finding.fix is None or not finding.fix.safe:
            continue
        candidate = [*chosen, *finding.fix.splices]
        try:
            apply_splices(text, candidate)
        except ValueError:
            continue
        chosen = candidate
    return apply_splices(text, chosen)
