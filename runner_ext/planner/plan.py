"""What the planner returns: the commands to run, their environment and the files they read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runner_ext.errors import plan_error
from runner_ext.planner.words import (
    ITEM,
    Arg,
    Each,
    Flag,
    Items,
    Joined,
    Text,
    Var,
    When,
    Word,
    word,
)


@dataclass(frozen=True)
class Step:
    """One command; with ``repeat`` it runs once per line of that variable (``ITEM``);
    with ``only`` it runs only when that variable is ``true``."""

    argv: tuple[Arg, ...]
    repeat: Var | None = None
    only: Var | None = None


@dataclass(frozen=True)
class PlanFile:
    """A file the engine reads: ``content`` (may refer to job variables), or a copy of a file."""

    path: Word
    content: Word | None = None
    copy_from: Word | None = None


@dataclass(frozen=True)
class DigestOutput:
    """Where the engine leaves the pushed image's digest, and in which format."""

    path: Word
    format: str  # "plain" (sha256:…) or "buildkit-metadata" (JSON, containerimage.digest)


@dataclass(frozen=True)
class Check:
    """A job variable checked before any command runs: each item (``lines``) or the value,
    when not empty, must be a ``kind`` of :mod:`runner_ext.planner.references` (or, for
    ``operand``, must not start with ``-``)."""

    var: Var
    kind: str
    lines: bool = False


@dataclass(frozen=True)
class BuildPlan:
    """An engine's complete plan for one build spec."""

    engine: str
    steps: tuple[Step, ...]
    env: tuple[tuple[str, Word], ...]
    files: tuple[PlanFile, ...]
    auth_file: Word
    digest: DigestOutput | None
    checks: tuple[Check, ...] = ()

    def argv(self) -> list[list[str]]:
        """The commands as plain argv lists; only for plans of concrete specs."""
        return [[_literal(a) for a in step.argv] for step in self.steps]

    def environment(self) -> dict[str, str]:
        """The environment as plain strings; only for plans of concrete specs."""
        return {name: _literal(value) for name, value in self.env}

    def file_contents(self) -> dict[str, str]:
        """Files with literal content, path → text; only for plans of concrete specs."""
        return {_literal(f.path): _literal(f.content) for f in self.files if f.content}

    def file_copies(self) -> dict[str, str]:
        """Files copied from elsewhere, path → source path; only for concrete plans."""
        return {_literal(f.path): _literal(f.copy_from) for f in self.files if f.copy_from}


def steps_for_each(items: Items, build: Callable[[Text], list[Arg]],
                   only: Flag = True) -> list[Step]:
    """One step per item: expanded now for a tuple, a repeated step for a variable; none
    when ``only`` is false (now), or each run only when it is ``true`` (a variable)."""
    if only is False:
        return []
    guard = only if isinstance(only, Var) else None
    if isinstance(items, Var):
        return [Step(tuple(build(ITEM)), repeat=items, only=guard)]
    return [Step(tuple(build(item)), only=guard) for item in items]


def _literal(arg: Arg) -> str:
    if isinstance(arg, Word) and arg.literal is not None:
        return arg.literal
    kind = type(arg).__name__ if isinstance(arg, (Each, When, Joined)) else "variable"
    raise plan_error(f"the plan refers to a job {kind}; render it as shell instead",
                     value=repr(arg))


__all__ = ["BuildPlan", "Check", "DigestOutput", "PlanFile", "Step", "steps_for_each", "word"]
