"""The job builds images inside a make target, a script or a bake file.

### What it does
Follows `make [-C dir] [target…]` into the Makefile's recipes (and their
prerequisites), and `./script.sh` / `sh|bash script.sh` / `source script.sh` into the
script, looking for `docker build`, `docker buildx build`, `docker buildx bake` or a
Compose build; and
flags `docker buildx bake` in the job, whose builds are described in a bake file.

### Why it matters
The job needs a Docker daemon although its YAML shows none, and a rewrite
of the YAML alone can't move it.

### Example
```yaml
app-image:
  script:
    - make image
```

### Instead
```yaml
include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0
    inputs:
      job_name: app-image
app-image:
  stage: build
```

### Fix
`migrate-project` (strategy `auto` or `shim`) keeps the job's script and moves it
to the shim executor when no line it reaches needs a daemon (docs/migrate.md, Strategies).
For the declarative rewrite, move the `docker build` arguments from the recipe into the job.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.parse.source import project_path
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXC111"
NAME = "hidden-build"
SEVERITY = Severity.WARNING
BUILD_TEXT = re.compile(r"docker(\s+buildx)?\s+(image\s+)?build\b|docker\s+buildx\s+bake\b"
                        r"|docker[- ]compose\b.*\bbuild\b")
_TARGET = re.compile(r"^([A-Za-z0-9_.%/\-][^:=#\s]*(?:\s+[^:=#\s]+)*)\s*::?(?!=)(.*)$")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag make targets, script files and bake files that build images."""
    for call in facts.calls_of("bake"):
        yield finding(ID, SEVERITY, facts,
                      f"'{shown(call.command.text)}' builds the targets of a bake file")
    cwd = ""
    for command in facts.commands:
        words = list(command.words)
        if command.name == "cd" and len(words) == 2 and "$" not in words[1]:
            cwd = project_path(posixpath.join(cwd, words[1])) or ""
            continue
        where = make_build(facts, cwd, words) or script_build(facts, cwd, words)
        if where:
            yield finding(ID, SEVERITY, facts, f"'{' '.join(words)}' builds an image ({where})",
                          where=where)


def opaque_command(facts: JobFacts) -> str | None:
    """The first ``make`` or script-file command of the job (what it runs there is unseen)."""
    for command in facts.commands:
        words = list(command.words)
        if words and (words[0] in ("make", "gmake") or _script_path(words) is not None):
            return command.text
    return None


def _script_path(words: list[str]) -> str | None:
    script = words[1] if words[0] in _SHELLS | {".", "source"} and len(words) > 1 else words[0]
    return script if "/" in script or script.endswith(".sh") else None


def make_build(facts: JobFacts, cwd: str, words: list[str]) -> str | None:
    """Where a ``make`` command's reached recipes build an image, or ``None``."""
    return _first_build(make_lines(facts, cwd, words) or [])


def make_lines(facts: JobFacts, cwd: str, words: list[str]) -> list[tuple[str, str]] | None:
    """The recipe lines a ``make [-C dir] [target…]`` command reaches (prerequisites
    included), each as (``Makefile:line, target t``, text); ``None``: not make, or no
    Makefile to read."""
    if not words or words[0] not in ("make", "gmake"):
        return None
    directory, targets = cwd, []
    args = iter(words[1:])
    for word in args:
        if word == "-C":
            directory = posixpath.join(directory, next(args, ""))
        elif not word.startswith("-") and "=" not in word:
            targets.append(word)
    path = project_path(posixpath.join(directory, "Makefile"))
    text = facts.read_text(path) if path else None
    if path is None or text is None:
        return None
    return _recipe_lines(path, text, targets)


def _recipes(text: str) -> tuple[dict[str, tuple[list[str], list[tuple[int, str]]]], list[str]]:
    rules: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    order: list[str] = []
    current: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t"):
            for name in current:
                rules[name][1].append((number, line))
            continue
        match = _TARGET.match(line)
        current = match.group(1).split() if match else []
        for name in current:
            rules.setdefault(name, ([], []))[0].extend(match.group(2).split() if match else [])
            if not name.startswith("."):
                order.append(name)
    return rules, order


def _recipe_lines(path: str, text: str, targets: list[str]) -> list[tuple[str, str]]:
    rules, order = _recipes(text)
    todo = list(targets or order[:1])
    seen: set[str] = set()
    lines: list[tuple[str, str]] = []
    while todo:
        target = todo.pop(0)
        if target in seen or target not in rules:
            continue
        seen.add(target)
        prerequisites, recipe = rules[target]
        lines.extend((f"{path}:{number}, target {target}", line) for number, line in recipe)
        todo.extend(prerequisites)
    return lines


def script_build(facts: JobFacts, cwd: str, words: list[str]) -> str | None:
    """Where a script file the command runs builds an image, or ``None``."""
    return _first_build(script_lines(facts, cwd, words) or [])


def script_lines(facts: JobFacts, cwd: str, words: list[str]) -> list[tuple[str, str]] | None:
    """The lines of the script file a command runs (``./x.sh``, ``sh x.sh``, ``. x.sh``),
    comments left out, each as (``path:line``, text); ``None``: not a script we can read."""
    if not words:
        return None
    script = _script_path(words)
    if script is None or "$" in script or script.startswith("/"):
        return None
    path = project_path(posixpath.join(cwd, script))
    text = facts.read_text(path) if path else None
    if text is None:
        return None
    return [(f"{path}:{number}", line) for number, line in enumerate(text.splitlines(), start=1)
            if not line.lstrip().startswith("#")]


def _first_build(lines: list[tuple[str, str]]) -> str | None:
    return next((where for where, line in lines if BUILD_TEXT.search(line)), None)
