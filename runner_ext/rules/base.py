"""Rule, finding and fix: what every rule in every catalog is made of.

A rule lives in its own module with a stable ``ID`` (e.g. ``RXD101``), a docstring that is
its documentation (what it does, why it matters, an example, what to do instead), a default
severity and a ``check()`` that yields findings. A finding may carry a fix: text splices on
the original file, marked safe (applied automatically) or unsafe (shown only).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar


class Severity(str, enum.Enum):
    """How much a finding matters."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` (character offsets into the original) by ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """An edit that resolves a finding; ``safe`` fixes may be applied without review."""

    description: str
    splices: tuple[Splice, ...]
    safe: bool


@dataclass(frozen=True)
class Finding:
    """One problem a rule found, located in a file."""

    rule_id: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    fix: Fix | None = None
    details: dict[str, str] = field(default_factory=dict)

    def location(self) -> str:
        """``file:line`` (or just the file)."""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data; a fix appears as its description and safety flag."""
        data: dict[str, Any] = {
            "rule": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }
        if self.fix is not None:
            data["fix"] = {"description": self.fix.description, "safe": self.fix.safe}
        if self.details:
            data["details"] = dict(sorted(self.details.items()))
        return data


SubjectT = TypeVar("SubjectT", contravariant=True)


class Rule(Protocol, Generic[SubjectT]):
    """What a rule module exposes (as module attributes or a class)."""

    ID: str
    NAME: str
    SEVERITY: Severity

    def check(self, subject: SubjectT) -> Iterator[Finding]:
        """Yield every finding for the subject (a parsed Dockerfile, a CI file, …)."""
        ...


def apply_splices(text: str, splices: list[Splice]) -> str:
    """Apply non-overlapping splices, last first, so earlier offsets stay valid."""
    ordered = sorted(splices, key=lambda s: (s.start, s.end), reverse=True)
    for previous, current in itertools.pairwise(ordered):
        if current.end > previous.start:
            raise ValueError(f"overlapping edits at offsets {current.start}-{previous.end}")
    for splice in ordered:
        text = text[: splice.start] + splice.replacement + text[splice.end:]
    return text
