"""`apt-get install` without `--no-install-recommends`.

### What it does
Reports `apt-get install` (and `apt install`) without `--no-install-recommends`.

### Why it matters
Debian and Ubuntu install "recommended" packages by default: often more than the packages
asked for (documentation, X libraries, compilers). Bigger layers mean slower pushes, pulls,
cache restores and Kaniko snapshots, and more packages to patch.

### Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```

### Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
 && rm -rf /var/lib/apt/lists/*
```

### Fix
None applied automatically: the image may rely on a recommended package (for example
`ca-certificates`, recommended by `curl`); add the ones it needs explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.packages import is_apt, skips_recommends, subcommand
from runner_ext.dockerfile.rules._common import finding, offending_runs
from runner_ext.dockerfile.shell import SimpleCommand
from runner_ext.rules.base import Finding, Severity

ID = "RXD105"
NAME = "apt-install-recommends"
SEVERITY = Severity.INFO


def check(subject: Subject) -> Iterator[Finding]:
    """Report apt installs that also pull in recommended packages."""
    for instruction, pulling in offending_runs(subject, _pulls_recommends):
        yield finding(ID, SEVERITY, subject, instruction.start_line,
                      f"{pulling} also install(s) recommended packages; "
                      "add --no-install-recommends")


def _pulls_recommends(command: SimpleCommand) -> bool:
    return is_apt(command) and subcommand(command) == "install" and \
        not skips_recommends(command)
