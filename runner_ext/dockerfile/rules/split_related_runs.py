"""Consecutive `RUN`s that belong together.

### What it does
Reports a `RUN` that only updates the package index (`apt-get update`, `apk update`,
`dnf/yum makecache`) directly followed by a `RUN` that installs packages, and a `RUN` that
only restores dependencies directly followed by the `RUN` that builds
(`dotnet restore` → `dotnet publish|build|test|pack`, `npm ci` → `npm run …`), when no
`COPY` separates them. A restore after a whole-context `COPY` is left to RXD102, whose fix
puts the copy of the sources between the two.

### Why it matters
The index update is cached on its own: later builds reuse the old index while the install
step re-runs, and install outdated packages or fail with 404s. Each `RUN` also costs a
snapshot and a layer; Kaniko in particular pays per step. A restore and a build with
nothing in between gain nothing from being separate.

### Example
```dockerfile
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
```

### Instead
```dockerfile
RUN apt-get update \\
 && apt-get install -y --no-install-recommends curl \\
 && rm -rf /var/lib/apt/lists/*
```

### Fix
Unsafe (shown, never applied): joins the two `RUN`s with `&&`. Shell semantics are kept for
plain commands, but a `RUN` with flags, a heredoc, or a changed `SHELL` gets no fix.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from runner_ext.dockerfile.model import Instruction, Subject
from runner_ext.dockerfile.packages import is_index_update, is_install
from runner_ext.dockerfile.restore.plan import find_restore, preceding_whole_copies
from runner_ext.dockerfile.rules._common import finding
from runner_ext.dockerfile.shell import SimpleCommand, run_commands
from runner_ext.rules.base import Finding, Fix, Severity, Splice

ID = "RXD107"
NAME = "split-related-runs"
SEVERITY = Severity.WARNING

_BUILD_VERBS = {"dotnet": ("publish", "build", "test", "pack"), "npm": ("run", "test"),
                "yarn": ("build", "run", "test"), "pnpm": ("run", "build", "test")}


def check(subject: Subject) -> Iterator[Finding]:
    """Report index-update/install and restore/build pairs split over two ``RUN``s."""
    for stage in subject.dockerfile.stages():
        has_shell = any(i.cmd == "SHELL" for i in stage.instructions)
        copies = preceding_whole_copies(stage)
        for at, (first, second) in enumerate(itertools.pairwise(stage.instructions)):
            if first.cmd != "RUN" or second.cmd != "RUN":
                continue
            one, two = run_commands(first), run_commands(second)
            if not one or not two:
                continue
            if all(is_index_update(c) for c in one) and any(is_install(c) for c in two):
                yield finding(ID, SEVERITY, subject, first.start_line,
                              "this RUN only updates the package index; the next RUN installs "
                              "from it, so later builds reuse a stale cached index: merge them",
                              _merge(subject, first, second, has_shell))
            elif copies[at] is None and _restore_then_build(first, one, two):
                yield finding(ID, Severity.INFO, subject, first.start_line,
                              "this RUN only restores dependencies and the next one builds, "
                              "with nothing copied in between: one RUN saves a snapshot",
                              _merge(subject, first, second, has_shell))


def _restore_then_build(first: Instruction, one: list[SimpleCommand],
                        two: list[SimpleCommand]) -> bool:
    located = find_restore(first)
    if located is None or len(one) != 1:
        return False
    tool = located[1].command.program
    return any(c.program == tool and c.words[1:2] and c.words[1] in _BUILD_VERBS.get(tool, ())
               for c in two)


def _merge(subject: Subject, first: Instruction, second: Instruction,
           has_shell: bool) -> Fix | None:
    dockerfile = subject.dockerfile
    plain = not (first.flags or second.flags or first.heredocs or second.heredocs or
                 first.json or second.json)
    if not plain or second.start_line != first.end_line + 1 or has_shell:
        return None
    escape = dockerfile.directives.get("escape", "\\")
    last = dockerfile.lines[first.end_line - 1]
    body = last.rstrip("\r\n")
    if body.rstrip().endswith(("&", ";", "|")):
        return None
    end_of_first = dockerfile.line_offset(first.end_line) + len(body)
    start, _ = dockerfile.span(second.start_line, second.start_line)
    keyword = len(dockerfile.lines[second.start_line - 1]) - len(
        dockerfile.lines[second.start_line - 1].lstrip()) + len("RUN")
    return Fix("merge the two RUNs", (Splice(end_of_first, end_of_first, f" {escape}"),
                                      Splice(start, start + keyword, " &&")), safe=False)
