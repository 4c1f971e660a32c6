"""Can a job keep its script and run in the shim executor? Looked at line by line.

The job's script, the Makefile recipes and script files it reaches, and the compose files
it builds from are read; the job stays where it is (with the reason) when any of them uses
a verb that needs a daemon (:mod:`runner_ext.migrate.shim.verbs`, the wrapper's own list),
a command the shim image lacks, ``buildx bake``, or something that can't be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runner_ext.migrate.decision import Refused
from runner_ext.migrate.docker import classify
from runner_ext.migrate.expand import references
from runner_ext.migrate.facts import JobFacts
from runner_ext.migrate.rules import docker_run, script_logic
from runner_ext.migrate.shell import Command
from runner_ext.migrate.shim.compose import check_compose
from runner_ext.migrate.shim.reach import Reached, cwd_after, reach
from runner_ext.migrate.shim.verbs import (
    IMAGE_TOOLS,
    compose_args,
    compose_verb,
    daemon_verb,
    without_globals,
)
from runner_ext.variables import ASSIGNMENT, NAME

_MAKE_REF = re.compile(rf"\$\(({NAME})\)")
# The program of a command substitution; make's `$(shell cmd)` too (make variables are
# upper case, so `$(IMAGE)` is not taken for a program).
_HEADER = re.compile(r"^\s*(for|select|case)\s+(\S+)")
_SUBSTITUTED = re.compile(r"(?:\$\(|`)\s*(?:shell\s+)?([a-z][A-Za-z0-9_.-]*)")
_DAEMON_FIX = ("run containers in a job of their own that uses the image as its image: (or as "
               "a service), after the build job; then run migrate-project again")


@dataclass
class ShimAnalysis:
    """What the shim rewrite needs to know about a job that can keep its script."""

    files: list[str] = field(default_factory=list)
    used_variables: set[str] = field(default_factory=set)
    compose_services: list[str] = field(default_factory=list)


def analyse(facts: JobFacts) -> ShimAnalysis:
    """Check every line the job runs; raise :class:`Refused` at the first one the shim
    can't carry."""
    found = reach(facts)
    if found.problems:
        raise Refused(f"the script can't be read safely: {found.problems[0]}",
                      "write the lines plainly (no here-document, balanced quotes), then run "
                      "migrate-project again", script_logic.ID)
    result = ShimAnalysis(files=found.files)
    builds = False
    cwd = ""
    # Shell functions the lines define: calling one runs lines that are checked here too.
    functions = {c.command.words[1] for c in found.commands
                 if c.command.construct == "function" and len(c.command.words) == 2}
    for item in found.commands:
        cwd = cwd_after(cwd, item.command) if not item.where else cwd
        if item.command.construct == "function":
            continue
        _check_command(item, functions)
        builds |= _builds(facts, cwd, item, result)
        result.used_variables.update(_names(item.command.text))
    if not builds:
        raise Refused("the job builds no image that runner-ext can see (no docker build, "
                      "buildx build or compose build in its script, Makefile or scripts)",
                      "migrate it by hand (docs/migrate.md)")
    return result


def reaches_build(facts: JobFacts) -> bool:
    """True when a line the job runs (its script, make targets, scripts) builds an image."""
    for item in reach(facts).commands:
        compose = compose_args(item.command.words)
        call = classify(item.command)
        if (compose is not None and compose_verb(compose) == "build") or is_bake(item.command) \
                or (call is not None and call.kind == "build"):
            return True
    return False


def _at(item: Reached) -> str:
    return f" ({item.where})" if item.where else ""


def _check_command(item: Reached, functions: set[str]) -> None:
    command = item.command
    verb = daemon_verb(command.words)
    if verb:
        raise Refused(f"'{command.text}'{_at(item)} needs a Docker daemon ({verb})",
                      _DAEMON_FIX, docker_run.ID)
    if is_bake(command):
        raise Refused(f"'{command.text}'{_at(item)} uses docker buildx bake, which the shim "
                      "executor's podman does not have",
                      "build each bake target with docker build (or compose build) in the "
                      "script, then run migrate-project again")
    for name in _programs(command):
        if name not in IMAGE_TOOLS | functions and "/" not in name and not name.endswith(".sh"):
            raise Refused(f"'{command.text}'{_at(item)} runs {name}, which the shim executor "
                          "image does not have",
                          "add the package to executor/shim/Dockerfile and publish the image "
                          "(or drop the command), then run migrate-project again")


def _programs(command: Command) -> list[str]:
    """The programs a command runs: its first word, and those of ``$(…)``/backticks."""
    words = list(command.words)
    if words[:1] == ["sudo"]:
        words = words[1:]
    inner = _SUBSTITUTED.findall(command.text) if command.substitution else []
    # `TAG=$(git rev-parse …)`: the words after the assignment belong to the substitution.
    open_substitution = any(v.count("(") > v.count(")") or v.count("`") % 2
                            for _, v in command.assignments)
    header = _HEADER.match(command.text)
    if header and words[:1] == [header.group(2).strip("\"'")]:
        return inner  # `for NAME in …` / `case WORD in`: no program
    while words and words[0].endswith(")") and "(" not in words[0]:
        words = words[1:]  # a case pattern `a|b)`
    if not words or open_substitution or ASSIGNMENT.match(words[0]):
        return inner
    name = "make" if words[0] in ("$(MAKE)", "${MAKE}", "$MAKE") else words[0]
    return [name, *inner]


def is_bake(command: Command) -> bool:
    """``docker buildx bake …`` (or ``docker bake``)."""
    words = list(command.words)
    rest = without_globals(words[1:]) if words[:1] == ["docker"] else []
    return rest[:2] == ["buildx", "bake"] or rest[:1] == ["bake"]


def _builds(facts: JobFacts, cwd: str, item: Reached, result: ShimAnalysis) -> bool:
    words = compose_args(item.command.words)
    if words is not None:
        if compose_verb(words) not in ("build", "push"):
            return False
        shown = f"'{item.command.text}'{_at(item)}"
        result.compose_services.extend(check_compose(facts, cwd, words, shown))
        return True
    call = classify(item.command)
    return call is not None and call.kind == "build"


def _names(text: str) -> set[str]:
    return set(references(text)) | set(_MAKE_REF.findall(text))
