"""Every shell line a job runs: its own script, and the Makefile recipes and script files
it reaches (followed a few levels deep), each with where it is written."""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.shell import Command, ScriptParser
from runner_ext.migrate.rules.hidden_build import make_lines, script_lines

_DEPTH = 4
_MAKE_VARIABLES = ("$(MAKE)", "${MAKE}", "$MAKE")


@dataclass(frozen=True)
class Reached:
    """One command the job runs, and where it is written ("" for the job's own script)."""

    command: Command
    where: str = ""


@dataclass
class Reach:
    """The commands a job runs, the files they came from, and what could not be read."""

    commands: list[Reached]
    problems: list[str]
    files: list[str]


def reach(facts: JobFacts) -> Reach:
    """The job's commands, then those of every make target and script it runs."""
    own = [Reached(c) for c in facts.commands + facts.after_commands]
    result = Reach(list(own), list(facts.script_problems), [])
    _walk(facts, own, "", 0, result)
    return result


def _walk(facts: JobFacts, commands: list[Reached], cwd: str, depth: int, result: Reach) -> None:
    for item in commands:
        cwd = cwd_after(cwd, item.command)
        lines = followed(facts, cwd, list(item.command.words))
        if lines is None or depth >= _DEPTH:
            continue
        result.files.extend(f for f in dict.fromkeys(w.split(":", 1)[0] for w, _ in lines)
                            if f not in result.files)
        new = _parse(joined(lines), result)
        result.commands.extend(new)
        _walk(facts, new, cwd, depth + 1, result)


def _parse(lines: list[tuple[str, str]], result: Reach) -> list[Reached]:
    """Commands of a script file (one shell: blocks may span lines) or of make recipe lines
    (one shell each), each with the line it comes from."""
    recipes = any(", target " in where for where, _ in lines)
    parser = ScriptParser()
    found: list[Reached] = []
    for where, text in lines:
        if recipes:
            parser = ScriptParser()
        before = len(parser.commands)
        parser.feed(recipe_text(text))
        found.extend(Reached(c, where) for c in parser.commands[before:])
        if recipes and parser.blocks:
            parser.problems.append(f"'{parser.blocks[-1]}' block is never closed")
        result.problems.extend(f"{where}: {p}" for p in parser.problems)
        parser.problems = []
    if parser.blocks and lines:
        result.problems.append(f"{lines[-1][0]}: '{parser.blocks[-1]}' block is never closed")
    return found


def cwd_after(cwd: str, command: Command) -> str:
    """The folder a ``cd`` leads to (relative to the project); unchanged otherwise."""
    words = command.words
    if command.name != "cd" or len(words) != 2 or "$" in words[1]:
        return cwd
    parts = [p for p in f"{cwd}/{words[1]}".split("/") if p not in ("", ".")]
    return "/".join(parts)


def followed(facts: JobFacts, cwd: str, words: list[str]) -> list[tuple[str, str]] | None:
    """The lines of the make target or script file a command runs (``None``: neither)."""
    if words and words[0] in _MAKE_VARIABLES:
        words = ["make", *words[1:]]
    return make_lines(facts, cwd, words) or script_lines(facts, cwd, words)


def joined(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Lines ending in a backslash joined with the next (where: the first line's)."""
    result: list[tuple[str, str]] = []
    head: tuple[str, str] | None = None
    for where, text in lines:
        if head is not None:
            where, text = head[0], head[1] + " " + text.lstrip("\t ")
        stripped = text.rstrip()
        head = (where, stripped[:-1]) if stripped.endswith("\\") else None
        if head is None:
            result.append((where, text))
    if head is not None:
        result.append(head)
    return result


def recipe_text(line: str) -> str:
    """A Makefile recipe line as the shell sees it: tab and ``@-+`` prefixes off, ``$$``→``$``."""
    text = line.lstrip("\t")
    if line.startswith("\t"):
        text = text.lstrip("@-+ ").replace("$$", "$")
    return text
