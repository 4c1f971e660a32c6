"""One exception type for everything a user can act on, and the exit codes it maps to.

Exit codes (documented in docs/exit-codes.md):

| code | meaning |
|------|---------|
| 0    | success, nothing to report |
| 1    | findings, a failed check or a failed operation |
| 2    | usage or configuration error; nothing was written |
| 3    | a bug in runner-ext |
| 130  | interrupted |
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Process exit codes shared by every command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    BUG = 3
    INTERRUPTED = 130


class Category(enum.Enum):
    """What kind of thing went wrong; decides the exit code."""

    CONFIG = "config"
    USAGE = "usage"
    TEMPLATE = "template"
    PLAN = "plan"
    INPUT = "input"
    GITLAB = "gitlab"
    KUBERNETES = "kubernetes"
    BUILD = "build"


_EXIT_BY_CATEGORY = {
    Category.CONFIG: ExitCode.USAGE,
    Category.USAGE: ExitCode.USAGE,
    Category.PLAN: ExitCode.USAGE,
    Category.INPUT: ExitCode.USAGE,
    Category.TEMPLATE: ExitCode.BUG,
    Category.GITLAB: ExitCode.FINDINGS,
    Category.KUBERNETES: ExitCode.FINDINGS,
    Category.BUILD: ExitCode.FINDINGS,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as precisely as we know."""

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    value: str | None = None
    hint: str | None = None

    def render(self) -> str:
        """Format as ``file:line: key: message (got value) — hint``."""
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        parts = [f"{where}: " if where else ""]
        if self.key:
            parts.append(f"{self.key}: ")
        parts.append(self.message)
        if self.value is not None:
            parts.append(f" (got {self.value})")
        if self.hint:
            parts.append(f"; {self.hint}")
        return "".join(parts)


class RunnerExtError(Exception):
    """An error a person can act on: carries its category and located problems."""

    def __init__(self, category: Category, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = Problem(problems)
        if isinstance(problems, Problem):
            problems = [problems]
        self.category = category
        self.problems = problems
        super().__init__("\n".join(p.render() for p in problems))

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code for this error."""
        return _EXIT_BY_CATEGORY[self.category]


def config_error(message: str, **where: str | int | None) -> RunnerExtError:
    """Shorthand for a single configuration problem."""
    return RunnerExtError(Category.CONFIG, Problem(message, **where))  # type: ignore[arg-type]


def plan_error(
    message: str, *, hint: str | None = None, value: str | None = None
) -> RunnerExtError:
    """Shorthand for a build spec the planner refuses."""
    return RunnerExtError(Category.PLAN, Problem(message, hint=hint, value=value))
