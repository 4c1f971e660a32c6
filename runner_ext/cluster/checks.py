"""What a doctor check reports: ok, warn or fail, with a one-line fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.Enum):
    """How bad a check's finding is; ``fail`` means builds will not run."""

    ok = "ok"
    warn = "warn"
    fail = "fail"

    @property
    def rank(self) -> int:
        """Order for the worst of several results."""
        return ("ok", "warn", "fail").index(self.value)


@dataclass(frozen=True)
class Check:
    """One check's result."""

    id: str
    status: Status
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"id": self.id, "status": self.status.value, "message": self.message,
                "fix": self.fix}


def ok(check_id: str, message: str) -> Check:
    """A passing check."""
    return Check(check_id, Status.ok, message)


def warn(check_id: str, message: str, fix: str) -> Check:
    """A check that does not stop builds but deserves attention."""
    return Check(check_id, Status.warn, message, fix)


def fail(check_id: str, message: str, fix: str) -> Check:
    """A check that will stop builds."""
    return Check(check_id, Status.fail, message, fix)


def worst(checks: list[Check]) -> Status:
    """The worst status among ``checks`` (ok when there are none)."""
    return max((c.status for c in checks), key=lambda s: s.rank, default=Status.ok)
