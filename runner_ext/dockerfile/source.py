"""Read a Dockerfile with BuildKit's own parser and refuse, with a located message, what
Docker would refuse (or what we could not edit faithfully)."""

from __future__ import annotations

import difflib
import re

import dockerfile as buildkit

from runner_ext.dockerfile.model import Dockerfile, Instruction, split_lines
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.limits import (
    DOCKERFILE_BYTES,
    DOCKERFILE_INSTRUCTIONS,
    DOCKERFILE_LINE_BYTES,
    DOCKERFILE_LINES,
    DOCKERFILE_STAGES,
)

# Flags each instruction accepts in the current Dockerfile frontend (labs flags included:
# they parse, and RXD110 says which engines lack them).
FLAGS: dict[str, frozenset[str]] = {
    "FROM": frozenset({"platform"}),
    "COPY": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "ADD": frozenset({"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"}),
    "RUN": frozenset({"mount", "network", "security", "device"}),
    "HEALTHCHECK": frozenset({"interval", "timeout", "start-period", "start-interval",
                              "retries"}),
}
KNOWN = frozenset(c.upper() for c in buildkit.all_cmds())
NEEDS_ARGUMENTS = frozenset({"FROM", "ARG", "ENV", "LABEL", "WORKDIR", "USER", "EXPOSE",
                             "VOLUME", "STOPSIGNAL", "ONBUILD", "SHELL", "MAINTAINER",
                             "HEALTHCHECK"})
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")


def decode_dockerfile(path: str, data: bytes) -> str:
    """Decode a Dockerfile's bytes as UTF-8, or raise an error naming the line of the bad byte.

    Past :data:`~runner_ext.limits.DOCKERFILE_BYTES` the bytes are refused undecoded.
    """
    if len(data) > DOCKERFILE_BYTES.value:
        raise DOCKERFILE_BYTES.error(file=path, got=f"{len(data)} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _input_error(
            path, line, f"not UTF-8 text (byte 0x{data[error.start]:02x})",
            "save the Dockerfile as UTF-8 (Docker reads it as UTF-8)") from None


def parse_dockerfile(path: str, text: str) -> Dockerfile:
    """Parse ``text`` with BuildKit's parser and validate what the parser leaves to the builder.

    The line count (:data:`~runner_ext.limits.DOCKERFILE_LINES`) is checked before parsing,
    the instruction and stage counts (``DOCKERFILE_INSTRUCTIONS``, ``DOCKERFILE_STAGES``)
    right after, so the rules never see more than that.
    """
    if text.count("\n") + (not text.endswith("\n")) > DOCKERFILE_LINES.value:
        raise DOCKERFILE_LINES.error(file=path, line=DOCKERFILE_LINES.value + 1)
    _check_characters(path, text)
    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as error:
        raise _input_error(path, _failing_line(text), f"does not parse: {error}",
                           "fix the Dockerfile so that `docker build` accepts it") from None
    instructions = tuple(Instruction.from_command(c) for c in commands)
    _check_counts(path, instructions)
    _validate(path, instructions)
    return Dockerfile(path, text, instructions, _directives(text))


def _check_characters(path: str, text: str) -> None:
    for number, line in enumerate(split_lines(text), start=1):
        if any("\udc80" <= char <= "\udcff" for char in line):
            raise _input_error(path, number, "not UTF-8 text",
                               "save the Dockerfile as UTF-8 (Docker reads it as UTF-8)")
        if "\x00" in line:
            raise _input_error(path, number, "contains a NUL byte (is it a binary file?)",
                               "remove the NUL byte; a Dockerfile is plain text")
        if len(line.encode("utf-8", "surrogatepass")) > DOCKERFILE_LINE_BYTES.value:
            raise DOCKERFILE_LINE_BYTES.error(file=path, line=number)


def _check_counts(path: str, instructions: tuple[Instruction, ...]) -> None:
    if len(instructions) > DOCKERFILE_INSTRUCTIONS.value:
        raise DOCKERFILE_INSTRUCTIONS.error(
            file=path, line=instructions[DOCKERFILE_INSTRUCTIONS.value].start_line)
    froms = (i for i in instructions if i.cmd == "FROM")
    for count, instruction in enumerate(froms, start=1):
        if count > DOCKERFILE_STAGES.value:
            raise DOCKERFILE_STAGES.error(file=path, line=instruction.start_line)


def _failing_line(text: str) -> int | None:
    """The line a parse error belongs to: one past the longest prefix that still parses."""
    lines = split_lines(text)
    if len(lines) > 5000:
        return None
    for count in range(len(lines) - 1, -1, -1):
        try:
            buildkit.parse_string("".join(lines[:count]))
        except buildkit.GoParseError as error:
            if "no instructions" not in str(error):
                continue
        return count + 1
    return 1


def _validate(path: str, instructions: tuple[Instruction, ...]) -> None:
    seen_from = False
    for instruction in instructions:
        _validate_name(path, instruction)
        if not seen_from and instruction.cmd not in ("ARG", "FROM"):
            raise _input_error(path, instruction.start_line,
                               f"{instruction.cmd} before the first FROM",
                               "only ARG may come before the first FROM")
        seen_from = seen_from or instruction.cmd == "FROM"
        _validate_shape(path, instruction)
    if not seen_from:
        raise _input_error(path, None, "has no FROM instruction",
                           "a Dockerfile starts its first stage with FROM")


def _validate_name(path: str, instruction: Instruction) -> None:
    if instruction.cmd in KNOWN:
        return
    close = difflib.get_close_matches(instruction.cmd, sorted(KNOWN), n=1)
    hint = (f"did you mean {close[0]}?" if close
            else "a line continuation (\\) may be missing at the end of the line before")
    raise _input_error(path, instruction.start_line,
                       f"unknown instruction {instruction.cmd}", hint)


def _validate_shape(path: str, instruction: Instruction) -> None:
    line, cmd = instruction.start_line, instruction.cmd
    for name in instruction.flag_names():
        if name not in FLAGS.get(cmd, frozenset()):
            raise _input_error(path, line, f"{cmd} has no flag --{name}",
                               "see the Dockerfile reference for the flags it accepts")
    words = [w for w in instruction.value if w]
    if cmd in NEEDS_ARGUMENTS and not words:
        raise _input_error(path, line, f"{cmd} needs arguments", None)
    if cmd in ("COPY", "ADD") and len(words) < 2 and not instruction.heredocs:
        raise _input_error(path, line, f"{cmd} needs a source and a destination", None)
    if cmd == "FROM" and not (len(words) == 1 or (len(words) == 3 and words[1].upper() == "AS")):
        raise _input_error(path, line, "FROM takes an image and optionally AS <name>",
                           "write FROM <image> [AS <name>]")


def _directives(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in split_lines(text.removeprefix("\ufeff")):
        match = _DIRECTIVE.match(line.rstrip("\r\n"))
        if not match:
            break
        found[match.group(1).lower()] = match.group(2)
    return found


def _input_error(path: str, line: int | None, message: str, hint: str | None) -> RunnerExtError:
    return RunnerExtError(Category.INPUT, Problem(message, file=path, line=line, hint=hint))
