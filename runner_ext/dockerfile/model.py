"""The parsed Dockerfile as rules see it: instructions with exact line spans, stages, text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from runner_ext.dockerfile.context import BuildContext
from runner_ext.variables import NAME

# A Dockerfile variable: $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:+alt} ...
_VARIABLE = re.compile(rf"\$(?:\{{({NAME})(?::?([-+])([^}}]*))?\}}|({NAME}))")


@dataclass(frozen=True)
class Instruction:
    """One instruction, as BuildKit's parser reads it, located by 1-based line numbers."""

    cmd: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    original: str
    start_line: int
    end_line: int
    json: bool = False
    heredocs: tuple[str, ...] = ()
    sub_cmd: str | None = None

    @classmethod
    def from_command(cls, command: Any) -> Instruction:
        """Convert a ``dockerfile.Command`` (the Go parser's output)."""
        return cls(
            cmd=command.cmd.upper(),
            flags=tuple(command.flags),
            value=tuple(command.value),
            original=command.original,
            start_line=command.start_line,
            end_line=command.end_line,
            json=command.json,
            heredocs=tuple(h.content for h in command.heredocs),
            sub_cmd=command.sub_cmd.upper() if command.sub_cmd else None,
        )

    def flag(self, name: str) -> str | None:
        """The value of ``--name=value`` (``""`` for a bare ``--name``), or ``None``."""
        for raw in self.flags:
            key, _, value = raw[2:].partition("=")
            if key.lower() == name:
                return value
        return None

    def flag_names(self) -> list[str]:
        """The names of the flags used, lower-case, without dashes."""
        return [raw[2:].partition("=")[0].lower() for raw in self.flags]


@dataclass
class Stage:
    """A build stage: its ``FROM`` and the instructions up to the next ``FROM``."""

    index: int
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The image (or stage) named in ``FROM``."""
        return self.from_instruction.value[0] if self.from_instruction.value else ""

    @property
    def name(self) -> str | None:
        """The stage name given with ``AS``, lower-case (names are case-insensitive)."""
        value = self.from_instruction.value
        if len(value) == 3 and value[1].upper() == "AS":
            return value[2].lower()
        return None


@dataclass(frozen=True)
class Dockerfile:
    """A Dockerfile's text and its parsed instructions."""

    path: str
    text: str
    instructions: tuple[Instruction, ...]
    directives: dict[str, str]

    @functools.cached_property
    def lines(self) -> list[str]:
        """The lines, each with its own line end (``\\n`` or ``\\r\\n``) still attached."""
        return split_lines(self.text)

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        starts, offset = [], 0
        for line in self.lines:
            starts.append(offset)
            offset += len(line)
        starts.append(offset)
        return starts

    def line_offset(self, line: int) -> int:
        """Character offset where 1-based ``line`` starts (``len(text)`` past the end)."""
        starts = self._line_starts
        return starts[min(max(line, 1), len(starts)) - 1]

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Offsets covering lines ``first``..``last`` including the last line's end."""
        return self.line_offset(first), self.line_offset(last + 1)

    def newline_at(self, line: int) -> str:
        """The line end used on ``line`` (so inserted text matches its neighbourhood)."""
        if 0 < line <= len(self.lines) and self.lines[line - 1].endswith("\r\n"):
            return "\r\n"
        return "\n"

    def stages(self) -> list[Stage]:
        """The build stages, in order."""
        stages: list[Stage] = []
        for instruction in self.instructions:
            if instruction.cmd == "FROM":
                stages.append(Stage(len(stages), instruction))
            elif stages:
                stages[-1].instructions.append(instruction)
        return stages

    def global_args(self) -> dict[str, str | None]:
        """``ARG`` defaults declared before the first ``FROM`` (``None`` when no default)."""
        args: dict[str, str | None] = {}
        for instruction in self.instructions:
            if instruction.cmd == "FROM":
                break
            if instruction.cmd == "ARG":
                for word in instruction.value:
                    name, eq, default = word.partition("=")
                    args[name] = _unquote(default) if eq else None
        return args


    def base_images(self) -> list[tuple[Stage, str, str | None]]:
        """``(stage, image, ARGs used)`` of each stage built on an image: ``FROM`` resolved
        through the global ``ARG`` defaults, without ``scratch``, earlier stages and bases
        that only the build's ``--build-arg`` can decide."""
        args, earlier = self.global_args(), set()
        found = []
        for stage in self.stages():
            image, via = resolve_base(stage.base, args)
            if image is not None and image.lower() not in earlier and image != "scratch":
                found.append((stage, image, via))
            if stage.name:
                earlier.add(stage.name)
        return found


def resolve_base(base: str, args: dict[str, str | None]) -> tuple[str | None, str | None]:
    """``base`` with ARG defaults substituted (``$A``, ``${A}``, ``${A:-word}``,
    ``${A:+word}``), and the ARGs used; ``(None, None)`` when a value is unknowable."""
    used: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name, operator, word = match.group(1) or match.group(4), match.group(2), match.group(3)
        used.append(name)
        value = args.get(name)
        if operator == "+":
            return word if value else ""
        if value is None and operator == "-":
            value = word
        if value is None:
            raise KeyError(name)
        return value

    try:
        image = _VARIABLE.sub(substitute, base)
    except KeyError:
        return None, None
    return image, ", ".join(used) or None


@dataclass(frozen=True)
class Subject:
    """What every Dockerfile rule checks: the file, the target engine and the context."""

    dockerfile: Dockerfile
    engine: str
    context: BuildContext


def split_lines(text: str) -> list[str]:
    """Split after each ``\\n`` only, like Docker (a lone ``\\r`` does not end a line)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word
