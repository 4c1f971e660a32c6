"""`COPY --from` names a stage that does not exist.

### What it does
Checks every `COPY --from=NAME` against the stages defined before it. A name that is neither
an earlier stage, a stage index, nor an image reference (with a registry, path, tag or
digest) is reported.

### Why it matters
Docker treats an unknown `--from` name as an image: `COPY --from=build-env` with no stage
called `build-env` makes the build pull `docker.io/library/build-env:latest`. At best the
build fails; at worst someone else's image of that name ends up inside yours.

### Example
```dockerfile
FROM mcr.microsoft.com/dotnet/sdk:6.0
RUN dotnet publish -c Release -o /app/out
FROM mcr.microsoft.com/dotnet/aspnet:6.0
COPY --from=build-env /app/out .
```

### Instead
```dockerfile
FROM mcr.microsoft.com/dotnet/sdk:6.0 AS build-env
RUN dotnet publish -c Release -o /app/out
FROM mcr.microsoft.com/dotnet/aspnet:6.0
COPY --from=build-env /app/out .
```

### Fix
Unsafe (shown, never applied): when the stage just before is unnamed, the fix names it
`AS NAME`. Whether that is the stage meant is for a person to decide.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from runner_ext.dockerfile.model import Instruction, Stage, Subject
from runner_ext.dockerfile.rules._common import finding
from runner_ext.rules.base import Finding, Fix, Severity, Splice

ID = "RXD101"
NAME = "copy-from-unknown-stage"
SEVERITY = Severity.ERROR

_IMAGE_LIKE = re.compile(r"[/:@.]")
# Stage names listed in one message at most.
_SHOWN = 10


def check(subject: Subject) -> Iterator[Finding]:
    """Report ``COPY --from`` references to stages that do not exist.

    One pass: the names of earlier stages grow as the stages go by (sorted, for messages).
    """
    names: list[str] = []
    previous: Stage | None = None
    for stage in subject.dockerfile.stages():
        for instruction in stage.instructions:
            source = instruction.flag("from") if instruction.cmd == "COPY" else None
            if source is None or "$" in source or _IMAGE_LIKE.search(source):
                continue
            if source.isdigit():
                if int(source) >= stage.index:
                    yield _numeric(subject, instruction, source, stage.index)
            elif not _has(names, source.lower()):
                yield _unknown(subject, instruction, source, names, previous)
        if stage.name and not _has(names, stage.name):
            bisect.insort(names, stage.name)
        previous = stage


def _has(names: list[str], name: str) -> bool:
    at = bisect.bisect_left(names, name)
    return at < len(names) and names[at] == name


def _numeric(subject: Subject, instruction: Instruction, source: str, index: int) -> Finding:
    return finding(ID, SEVERITY, subject, instruction.start_line,
                   f"COPY --from={source} refers to stage {source}, but only {index} stage(s) "
                   "come before it (counted from 0)")


def _unknown(subject: Subject, instruction: Instruction, source: str, names: list[str],
             previous: Stage | None) -> Finding:
    known = ", ".join(names[:_SHOWN]) or "none is named"
    if len(names) > _SHOWN:
        known += f" and {len(names) - _SHOWN} more"
    message = (f"COPY --from={source} names no stage of this Dockerfile (stages before it: "
               f"{known}); Docker would pull an image called {source!r} instead")
    return finding(ID, SEVERITY, subject, instruction.start_line, message,
                   _name_previous_stage(subject, previous, source))


def _name_previous_stage(subject: Subject, previous: Stage | None, source: str) -> Fix | None:
    if previous is None or previous.name or not re.fullmatch(r"[A-Za-z][\w.-]*", source):
        return None
    from_line = previous.from_instruction
    if from_line.start_line != from_line.end_line:
        return None
    dockerfile = subject.dockerfile
    line_text = dockerfile.lines[from_line.start_line - 1]
    end = dockerfile.line_offset(from_line.start_line) + len(line_text.rstrip("\r\n"))
    return Fix(f"name stage {previous.index} (line {from_line.start_line}) {source!r}",
               (Splice(end, end, f" AS {source}"),), safe=False)
