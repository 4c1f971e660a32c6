"""The cache fix: copy the dependency manifests, restore, then copy the rest.

The fix inserts, right before the whole-context ``COPY``, one ``COPY`` per folder of manifest
files and the restore step. When the ``RUN`` holds only the restore it moves (verbatim, with
its comments); otherwise a restore-only command runs early and the original ``RUN`` stays,
its restore then finding everything in place. Everything else stays byte-identical.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

from runner_ext.dockerfile.context import BuildContext, IgnoreState
from runner_ext.dockerfile.model import Dockerfile, Instruction, Stage
from runner_ext.dockerfile.restore import Manifests, Restore, Unsafe, dotnet, node, python
from runner_ext.dockerfile.shell import SimpleCommand, run_commands
from runner_ext.rules.base import Fix, Splice

TOOLCHAINS: tuple[ModuleType, ...] = (dotnet, node, python)
HARMLESS = frozenset({"LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "STOPSIGNAL", "HEALTHCHECK",
                      "MAINTAINER"})
_COPY_FLAGS = frozenset({"chown", "chmod", "link"})
_SAFE_PATH = re.compile(r"[\w.+@%,=~-][\w.+@%,=~/-]*")
COMMENT = "# Dependency manifests first: the restore below stays cached until they change."


@dataclass(frozen=True)
class CachePlan:
    """A whole-context copy followed by a restore, with the fix or why there is none."""

    copy: Instruction
    run: Instruction
    restore: Restore
    fix: Fix | None
    why_not: str | None


def find_restore(instruction: Instruction) -> tuple[int, Restore, list[SimpleCommand]] | None:
    """The first dependency restore in a ``RUN``: its position, what it is, all commands."""
    commands = run_commands(instruction) if instruction.cmd == "RUN" else None
    for index, command in enumerate(commands or ()):
        for toolchain in TOOLCHAINS:
            restore: Restore | None = toolchain.detect(command)
            if restore is not None:
                return index, restore, commands or []
    return None


def is_whole_context_copy(instruction: Instruction) -> bool:
    """``COPY . <dest>`` / ``ADD . <dest>`` from the build context."""
    return (instruction.cmd in ("COPY", "ADD") and instruction.flag("from") is None
            and not instruction.heredocs and len(instruction.value) == 2
            and instruction.value[0] in (".", "./"))


def preceding_whole_copies(stage: Stage) -> list[Instruction | None]:
    """For each instruction of ``stage``, the last whole-context copy before it (one pass)."""
    found: list[Instruction | None] = []
    last = None
    for instruction in stage.instructions:
        found.append(last)
        if is_whole_context_copy(instruction):
            last = instruction
    return found


def cache_plans(dockerfile: Dockerfile, context: BuildContext) -> Iterator[CachePlan]:
    """Every whole-context copy with the first restore after it in the same stage.

    One pass per stage: a copy after which a toolchain's restore already ran earlier in the
    stage (the manifests came first) gets no plan for that toolchain.
    """
    for stage in dockerfile.stages():
        planned: set[int] = set()
        restored: set[str] = set()
        restored_before: dict[int, frozenset[str]] = {}
        for run, copy in zip(stage.instructions, preceding_whole_copies(stage), strict=True):
            if is_whole_context_copy(run):
                restored_before[run.start_line] = frozenset(restored)
            located = find_restore(run)
            if located is not None:
                restored.add(located[1].toolchain)
            if located is None or copy is None or copy.start_line in planned:
                continue
            planned.add(copy.start_line)
            index, restore, commands = located
            if restore.toolchain in restored_before[copy.start_line]:
                continue
            try:
                fix = _fix(dockerfile, context, stage, copy, run, index, restore, commands)
            except Unsafe as reason:
                yield CachePlan(copy, run, restore, None, str(reason))
            else:
                yield CachePlan(copy, run, restore, fix, None)


def _fix(dockerfile: Dockerfile, context: BuildContext, stage: Stage, copy: Instruction,
         run: Instruction, index: int, restore: Restore, commands: list[SimpleCommand]) -> Fix:
    if restore.warmer is None:
        raise Unsafe(restore.why_not or "the restore needs the sources")
    _check_context(context)
    prefix = _destination(stage, copy)
    _check_between(stage, copy, run)
    move = _check_run(run, index, restore, commands)
    manifests = _toolchain(restore).manifests(restore, context)
    _check_manifests(manifests, context)
    block = _copy_lines(copy, prefix, manifests.files)
    newline = dockerfile.newline_at(copy.start_line)
    body = _moved_text(dockerfile, run, newline) if move else _warmer_line(run, restore, newline)
    insert_at = dockerfile.line_offset(_first_comment_line(dockerfile, copy))
    splices = [Splice(insert_at, insert_at, newline.join([COMMENT, *block, body]))]
    if move:
        splices.append(Splice(*_comment_and_run_span(dockerfile, run), ""))
    verb = "move the restore before it" if move else "run a restore-only step before it"
    return Fix(f"copy {len(manifests.files)} dependency manifest(s) before `COPY . "
               f"{copy.value[1]}` and {verb}", tuple(splices), safe=True)


def _toolchain(restore: Restore) -> ModuleType:
    return {"dotnet": dotnet, "npm": node, "yarn": node, "pnpm": node}.get(
        restore.toolchain, python)


def _check_context(context: BuildContext) -> None:
    if context.files is None:
        raise Unsafe("the build context's files are not known")
    if context.ignore_state is IgnoreState.UNKNOWN:
        raise Unsafe("the context's .dockerignore could not be read, so it is unknown which "
                     "manifests reach the build")


def _destination(stage: Stage, copy: Instruction) -> str:
    """The prefix manifest destinations start with (``./`` or the absolute WORKDIR)."""
    unknown = f"cannot be sure that `COPY . {copy.value[1]}` lands where the restore runs"
    if any(flag not in _COPY_FLAGS for flag in copy.flag_names()):
        raise Unsafe(f"{copy.cmd} flags other than --chown/--chmod/--link are not handled")
    dest = copy.value[1]
    if dest in (".", "./"):
        return "./"
    if "$" in dest or not dest.startswith("/") or _workdir(stage, copy) != posixpath.normpath(
            dest):
        raise Unsafe(unknown)
    return posixpath.normpath(dest).rstrip("/") + "/"


def _workdir(stage: Stage, until: Instruction) -> str | None:
    current: str | None = None
    for instruction in stage.instructions:
        if instruction is until:
            break
        if instruction.cmd == "WORKDIR":
            path = instruction.value[0]
            if "$" in path or (current is None and not path.startswith("/")):
                current = None
            else:
                current = posixpath.normpath(posixpath.join(current or "/", path))
    return current


def _check_between(stage: Stage, copy: Instruction, run: Instruction) -> None:
    inside = False
    for instruction in stage.instructions:
        if instruction is run:
            return
        if instruction.cmd == "SHELL":
            raise Unsafe("the stage changes SHELL")
        if inside and instruction.cmd not in HARMLESS:
            raise Unsafe(f"{instruction.cmd} on line {instruction.start_line}, between the "
                         "COPY and the restore, may change what the restore sees")
        inside = inside or instruction is copy


def _check_run(run: Instruction, index: int, restore: Restore,
               commands: list[SimpleCommand]) -> bool:
    """True when the whole ``RUN`` can move; raises when no restore-only step can be made."""
    if run.heredocs:
        raise Unsafe("the restore runs in a heredoc")
    if restore.exact and len(commands) == 1 and restore.command.plain:
        return True
    if index != 0 or not restore.command.plain or restore.command.after not in (
            "&&", ";", None):
        raise Unsafe("other commands in the same RUN come before or wrap the restore")
    if any(c in word for word in restore.warmer or () for c in "$`\\"):
        raise Unsafe("the restore command uses variables or escapes")
    return False


def _check_manifests(manifests: Manifests, context: BuildContext) -> None:
    if not manifests.files:
        raise Unsafe("no dependency manifest found in the build context")
    for path in manifests.files:
        if not _SAFE_PATH.fullmatch(path):
            raise Unsafe(f"the file name {path!r} would need quoting in COPY")
    for output in manifests.outputs:
        for path in context.visible_files():
            if output.contains(path):
                raise Unsafe(f"{path} is in the build context: the COPY after the restore "
                             f"would overwrite what the restore writes in {output.name}/; "
                             f"add {output.name} to .dockerignore")


def _copy_lines(copy: Instruction, prefix: str, files: tuple[str, ...]) -> list[str]:
    flags = "".join(f"{raw} " for raw in copy.flags)
    by_folder: dict[str, list[str]] = {}
    for path in files:
        by_folder.setdefault(posixpath.dirname(path), []).append(path)
    lines = []
    for folder in sorted(by_folder):
        target = prefix + (folder + "/" if folder else "")
        lines.append(f"COPY {flags}{' '.join(by_folder[folder])} {target}")
    return lines


def _warmer_line(run: Instruction, restore: Restore, newline: str) -> str:
    flags = "".join(f"{raw} " for raw in run.flags)
    return f"RUN {flags}{shlex.join(restore.warmer or ())}{newline}"


def _moved_text(dockerfile: Dockerfile, run: Instruction, newline: str) -> str:
    text = dockerfile.text[slice(*_comment_and_run_span(dockerfile, run))]
    return text if text.endswith("\n") else text + newline


def _first_comment_line(dockerfile: Dockerfile, instruction: Instruction) -> int:
    """The first of the comment lines directly above ``instruction`` (or its own line)."""
    taken = {line for i in dockerfile.instructions if i is not instruction
             for line in range(i.start_line, i.end_line + 1)}
    line = instruction.start_line
    while line > 1 and line - 1 not in taken and dockerfile.lines[line - 2].lstrip().startswith(
            "#"):
        line -= 1
    return line


def _comment_and_run_span(dockerfile: Dockerfile, run: Instruction) -> tuple[int, int]:
    return dockerfile.span(_first_comment_line(dockerfile, run), run.end_line)
