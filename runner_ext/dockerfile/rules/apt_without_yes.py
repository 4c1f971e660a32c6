"""`apt-get install` that would ask for confirmation.

### What it does
Reports `apt-get install`/`upgrade` (and `apt install`) without `-y`, `--yes`,
`--assume-yes` or `-qq`.

### Why it matters
A build has no terminal: when apt wants to ask "Do you want to continue?", it reads end of
input and aborts. The build then works only as long as no extra dependency is pulled in,
and fails the day one is.

### Example
```dockerfile
RUN apt-get update && apt-get install libgnutls30
```

### Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends libgnutls30 \\
 && rm -rf /var/lib/apt/lists/*
```

### Fix
None applied automatically; add `-y` by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.packages import assumes_yes, is_apt, is_install
from runner_ext.dockerfile.rules._common import finding, offending_runs
from runner_ext.dockerfile.shell import SimpleCommand
from runner_ext.rules.base import Finding, Severity

ID = "RXD104"
NAME = "apt-without-yes"
SEVERITY = Severity.WARNING


def check(subject: Subject) -> Iterator[Finding]:
    """Report apt installs that are not told to assume yes."""
    for instruction, asking in offending_runs(subject, _asks):
        yield finding(ID, SEVERITY, subject, instruction.start_line,
                      f"{asking} without -y: apt aborts when it needs to ask, since a build "
                      "cannot answer")


def _asks(command: SimpleCommand) -> bool:
    return is_apt(command) and is_install(command) and not assumes_yes(command)
