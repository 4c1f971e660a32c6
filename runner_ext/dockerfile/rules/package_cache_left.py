"""apt or apk leave their package index in the layer.

### What it does
Reports a `RUN` that runs `apt-get update` (or `apt update`) without removing
`/var/lib/apt/lists/*` in the same `RUN`, and an `apk add` without `--no-cache` (unless the
same `RUN` removes `/var/cache/apk/*`). A `RUN --mount=type=cache` on the index folder counts
as clean.

### Why it matters
The index is tens of megabytes that every image pull, every registry cache push and every
Kaniko snapshot carries, and it is stale the moment the layer is cached. It must be removed
in the same `RUN`: a later `RUN rm …` only hides it under a new layer.

### Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN apk update && apk add curl
```

### Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache curl
```

### Fix
None applied automatically: a later `RUN` of the same stage may install packages from the
index this one leaves behind, and removing it would break that `RUN`.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Instruction, Subject
from runner_ext.dockerfile.packages import is_apt, is_index_update, subcommand
from runner_ext.dockerfile.rules._common import finding, runs
from runner_ext.dockerfile.shell import SimpleCommand
from runner_ext.rules.base import Finding, Severity

ID = "RXD103"
NAME = "package-cache-left"
SEVERITY = Severity.WARNING

_APT_LISTS = "/var/lib/apt/lists"
_APK_CACHE = "/var/cache/apk"


def check(subject: Subject) -> Iterator[Finding]:
    """Report apt index updates and apk installs that keep their cache in the layer."""
    for _stage, instruction, commands in runs(subject):
        updates = [c.program for c in commands if is_apt(c) and is_index_update(c)]
        if updates and not _cleans(instruction, commands, _APT_LISTS):
            yield finding(ID, SEVERITY, subject, instruction.start_line,
                          f"{updates[0]} update without `rm -rf /var/lib/apt/lists/*` in the "
                          "same RUN keeps the package index in the image")
        apk_adds = [c for c in commands if c.program == "apk" and subcommand(c) == "add"]
        if any(not c.has("--no-cache") for c in apk_adds) and not _cleans(
                instruction, commands, _APK_CACHE):
            yield finding(ID, SEVERITY, subject, instruction.start_line,
                          "apk add without --no-cache keeps the package index in the image")


def _cleans(instruction: Instruction, commands: list[SimpleCommand], folder: str) -> bool:
    if any(raw.startswith("--mount") and folder in raw for raw in instruction.flags):
        return True
    return any(c.program == "rm" and any(w.startswith(folder) for w in c.words)
               for c in commands)
