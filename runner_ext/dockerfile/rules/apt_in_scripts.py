"""`apt` used in a build instead of `apt-get`.

### What it does
Reports `apt install|update|upgrade|remove|purge|autoremove` in a `RUN`.

### Why it matters
`apt` is the interactive front end; its output and behaviour may change between releases
and it warns "apt does not have a stable CLI interface. Use with caution in scripts".
`apt-get` is the stable interface meant for scripts such as Dockerfiles.

### Example
```dockerfile
RUN apt update && apt install -y libgnutls30
```

### Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends libgnutls30 \\
 && rm -rf /var/lib/apt/lists/*
```

### Fix
Unsafe (shown, never applied): replaces `apt` by `apt-get` for these subcommands. The two
resolve and print differently in corner cases, so review the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner_ext.dockerfile.model import Instruction, Subject
from runner_ext.dockerfile.packages import subcommand
from runner_ext.dockerfile.rules._common import finding, runs
from runner_ext.rules.base import Finding, Fix, Severity, Splice

ID = "RXD106"
NAME = "apt-in-scripts"
SEVERITY = Severity.WARNING

_SUBCOMMANDS = ("install", "update", "upgrade", "remove", "purge", "autoremove")
_APT_WORD = re.compile(
    r"(?<![\w./-])apt(?=[ \t]+(?:-\S+[ \t]+)*(?:" + "|".join(_SUBCOMMANDS) + r")\b)")


def check(subject: Subject) -> Iterator[Finding]:
    """Report ``apt`` used where ``apt-get`` belongs."""
    for _stage, instruction, commands in runs(subject):
        used = sorted({subcommand(c) or "" for c in commands if c.program == "apt"}
                      & set(_SUBCOMMANDS))
        if used:
            yield finding(ID, SEVERITY, subject, instruction.start_line,
                          f"`apt {'/'.join(used)}` in a build: use apt-get, whose command "
                          "line is stable for scripts", _fix(subject, instruction))


def _fix(subject: Subject, instruction: Instruction) -> Fix | None:
    if instruction.json:
        return None
    start, end = subject.dockerfile.span(instruction.start_line, instruction.end_line)
    text = subject.dockerfile.text[start:end]
    splices = tuple(Splice(start + m.start(), start + m.end(), "apt-get")
                    for m in _APT_WORD.finditer(text))
    return Fix("use apt-get instead of apt", splices, safe=False) if splices else None
