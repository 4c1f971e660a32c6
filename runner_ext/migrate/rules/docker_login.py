"""The job logs in with `docker login`.

### What it does
Flags `docker login`; a password given with `-p`/`--password` is called
out, because it shows in the process list and, with `set -x`, in the job log (a literal
one is also an `RXC114` error).

### Why it matters
The credentials land in `~/.docker/config.json` of whatever runs the job —
on a shell runner or a socket-mounting runner, that is shared with other projects. The
runner-ext template authenticates from `CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD` (and a
file variable for other registries) without a login step.

### Example
```yaml
build:
  before_script:
    - docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY
```

### Instead
```yaml
build:
  before_script:
    - echo "no login needed"
```

### Fix
`migrate-project` drops the login of the jobs it rewrites.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.docker import parse_login
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXC107"
NAME = "docker-login"
SEVERITY = Severity.INFO


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag each docker login; warn about passwords on the command line."""
    for call in facts.calls_of("login"):
        inline = parse_login(call).password is not None
        extra = " with the password on the command line (use --password-stdin)" if inline else ""
        yield finding(ID, SEVERITY, facts, f"docker login{extra}")
