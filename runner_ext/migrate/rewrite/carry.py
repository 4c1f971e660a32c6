"""A build job's own shell lines, carried over to the migrated job's ``before_script:``.

The runner-ext template replaces the job's Docker commands, but a real build script does
more: it writes a version file into the context, computes a tag (``TAG=$(cat VERSION)``),
or pushes some tags only on the default branch (``if [ … ]; then docker push …; fi``).
Those lines run in the executor image's shell before the template's plan, so they must use
only commands that image has (:data:`EXECUTOR_COMMANDS`). Destinations that depend on such
lines are computed there too, in ``RUNNER_EXT_DESTINATIONS``; a guarded push becomes a
guarded addition to it, so every pipeline pushes exactly what it pushed before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.shell import Command, parse_script
from runner_ext.migrate.rules import script_logic
from runner_ext.sh import ShellSyntaxError, words_of

# Commands every executor image's shell has: busybox applets in the Kaniko debug and
# BuildKit images, coreutils/sed/grep in the Buildah image.
EXECUTOR_COMMANDS = frozenset({
    "echo", "printf", "cat", "sed", "awk", "cut", "tr", "date", "head", "tail", "grep",
    "basename", "dirname", "expr", "wc", "sort", "uniq", "cp", "mv", "mkdir", "rm", "touch",
    "ls", "chmod", "ln", "tee", "env", "true", "false", "test", "[", "pwd", "export",
    "readonly", "set", "unset", "printenv", "sleep", "find", "xargs", "sha256sum",
    "md5sum", "base64", "id", "whoami", "uname", ":", ".", "source", "exit",
})
# Package managers: a Docker client image's tools, installed for the job's Docker commands.
# The executor image brings its own tools, so such lines are dropped (any later line that
# needs a tool the executor lacks is refused on its own).
PACKAGE_MANAGERS = frozenset({"apk", "apt-get", "apt", "yum", "dnf", "microdnf"})
DESTINATIONS = "RUNNER_EXT_DESTINATIONS"
# Roles of a script's commands.
DOCKER, KEPT, STATIC, TEST, GUARD_PUSH, GUARD_TAG, CD = (
    "docker", "kept", "static", "test", "guard-push", "guard-tag", "cd")


@dataclass
class Carried:
    """What the migrated job's ``before_script:`` must do, and what was left behind."""

    lines: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    runtime_destinations: bool = False


def substituted_commands(command: Command) -> set[str]:
    """The commands a command runs inside ``$(…)`` or backticks (nested ones too)."""
    found: set[str] = set()
    try:
        words = words_of(command.source)
    except ShellSyntaxError:
        return {"(unreadable)"}
    for word in words:
        for expansion in word.expansions:
            if expansion.kind != "command":
                continue
            inner = expansion.source[2:-1] if expansion.source.startswith("$(") \
                else expansion.source[1:-1]
            commands, problems = parse_script([inner])
            found |= {"(unreadable)"} if problems else set()
            for inner_command in commands:
                found.add(inner_command.name or ":")
                found |= substituted_commands(inner_command)
    return found


def missing_commands(command: Command) -> list[str]:
    """Commands this one needs that the executor image lacks."""
    needed = ({command.name} if command.name else set()) | substituted_commands(command)
    return sorted(needed - EXECUTOR_COMMANDS)


def shell_value(gitlab_text: str) -> str:
    """A GitLab-form value (``$$`` = literal dollar) as a double-quoted sh word."""
    out: list[str] = []
    i = 0
    while i < len(gitlab_text):
        ch = gitlab_text[i]
        if gitlab_text.startswith("$$", i):
            out.append("\\$")
            i += 2
            continue
        if ch in '"\\`':
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    return '"' + "".join(out) + '"'


def carry_over(items: list[str], roles: list[tuple[Command, str]], build_item: int,
               destinations: list[str], runtime: bool, variable: str = DESTINATIONS
               ) -> Carried:
    """The ``before_script:`` lines that keep the script's own work, in order; computed or
    guarded destinations go into ``variable`` (a promotion's is its own)."""
    carried = Carried()
    by_item: dict[int, list[tuple[Command, str]]] = {}
    for command, role in roles:
        by_item.setdefault(command.item, []).append((command, role))
    before: list[str] = []
    statics: list[str] = []
    guards: list[str] = []
    moved_by_cd = False
    for index in sorted(by_item):
        entries = by_item[index]
        kinds = {role for _, role in entries}
        if kinds <= {DOCKER, CD}:
            moved_by_cd |= CD in kinds
            continue
        if kinds & {GUARD_PUSH, GUARD_TAG}:
            guards.append(_guarded(items[index], entries, variable))
            continue
        if kinds <= {STATIC}:
            statics.append(items[index])
            before.append(items[index])
            continue
        if moved_by_cd:
            raise Refused(f"'{entries[0][0].text}' runs in a folder a cd on a Docker line "
                          "chose", "put the cd on a script line of its own, then run "
                          "migrate-project again", script_logic.ID)
        if DOCKER in kinds or CD in kinds:
            first = next(c for c, r in entries if r not in (DOCKER, CD))
            raise Refused(f"'{first.text}' shares a script line with Docker commands",
                          "put the command on a script line of its own, then run "
                          "migrate-project again", script_logic.ID)
        if index < build_item or _only_assignments(entries):
            before.append(items[index])
        elif _harmless(entries):
            carried.dropped.append(items[index].strip())
        else:
            raise Refused(f"'{entries[0][0].text}' runs after the build, which the template "
                          "ends with its push", "move it into a later job that needs: the "
                          "build, then run migrate-project again", script_logic.ID)
    if len(statics) == len(before) and not guards and not runtime:
        before = []  # plain assignments alone: their values are in the inputs already
    if any(role == CD for _, role in roles) and before:
        before.append('cd "$CI_PROJECT_DIR"')
    carried.lines = before
    if guards or runtime:
        carried.runtime_destinations = True
        carried.lines.append(f"export {variable}="
                             + shell_value(" ".join(destinations)))
        carried.lines.extend(guards)
        if not destinations:
            # Pipelines where no guard holds built without pushing: nothing to push there.
            carried.lines.append(f'if [ -z "${variable}" ]; then echo "runner-ext: '
                                 'nothing to push in this pipeline"; exit 0; fi')
    return carried


def _only_assignments(entries: list[tuple[Command, str]]) -> bool:
    return all(not c.words or c.name in ("export", "readonly") for c, _ in entries)


def _harmless(entries: list[tuple[Command, str]]) -> bool:
    return all(c.name in ("echo", "printf", ":", "true") and not c.redirected
               for c, _ in entries)


def _guarded(item: str, entries: list[tuple[Command, str]], variable: str) -> str:
    """The item with each guarded push turned into an addition to the destinations and each
    guarded tag into a no-op; its conditions stay exactly as written."""
    text = item
    for command, role in sorted(entries, key=lambda e: -e[0].span[0]):
        if role not in (GUARD_PUSH, GUARD_TAG):
            if role not in (TEST, KEPT):
                raise Refused(f"'{command.text}' runs under a condition together with pushes",
                              "keep only docker tag/push under the condition, then run "
                              "migrate-project again", script_logic.ID)
            continue
        start, end = command.span
        if role == GUARD_TAG:
            replacement = ":"
        else:
            ref = _last_positional(text[start:end])
            replacement = f'{variable}="${variable} "{ref}'
        text = text[:start] + replacement + text[end:]
    return text


def _last_positional(source: str) -> str:
    """The exact source of the last non-option word of a command (its image reference)."""
    words = [w for w in words_of(source) if not w.text.startswith("-")]
    last = words[-1]
    return source[last.start:last.end]
