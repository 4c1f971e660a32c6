"""Helpers the Dockerfile rules share (not a rule)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from runner_ext.dockerfile.model import Instruction, Stage, Subject
from runner_ext.dockerfile.shell import SimpleCommand, run_commands
from runner_ext.rules.base import Finding, Fix, Severity


def finding(
    rule_id: str,
    severity: Severity,
    subject: Subject,
    line: int | None,
    message: str,
    fix: Fix | None = None,
    **details: str,
) -> Finding:
    """A finding in the subject's Dockerfile."""
    return Finding(rule_id, severity, message, subject.dockerfile.path, line, fix, dict(details))


def runs(subject: Subject) -> Iterator[tuple[Stage, Instruction, list[SimpleCommand]]]:
    """Every ``RUN`` with its simple commands (those whose shell text cannot be split skipped)."""
    for stage in subject.dockerfile.stages():
        for instruction in stage.instructions:
            if instruction.cmd != "RUN":
                continue
            commands = run_commands(instruction)
            if commands is not None:
                yield stage, instruction, commands


def shown(text: str, limit: int = 60) -> str:
    """``text`` shortened for a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def offending_runs(subject: Subject, offends: Callable[[SimpleCommand], bool],
                   ) -> Iterator[tuple[Instruction, str]]:
    """Every ``RUN`` with the commands ``offends`` picks in it, shown for a message: each in
    backticks, shortened, separated by commas."""
    for _stage, instruction, commands in runs(subject):
        picked = [f"`{shown(' '.join(c.words), 40)}`" for c in commands if offends(c)]
        if picked:
            yield instruction, ", ".join(picked)
