"""`DOCKER_HOST` points at a daemon over TCP.

### What it does
Flags `DOCKER_HOST=tcp://…` (typically `tcp://docker:2376` for dind with
TLS, or `tcp://docker:2375` without it), in the job's or the global `variables:`.

### Why it matters
It means a Docker daemon runs next to the job (dind, privileged). Port 2375
is additionally unencrypted and unauthenticated: anything on the network can drive it.

### Example
```yaml
build:
  variables:
    DOCKER_HOST: tcp://docker:2375
  script:
    - docker build .
```

### Instead
```yaml
build:
  variables:
    APP_ENV: production
  script:
    - make test
```

### Fix
`migrate-project` removes the DOCKER_* variables of the jobs it rewrites.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXC103"
NAME = "docker-host-tcp"
SEVERITY = Severity.WARNING


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag a TCP DOCKER_HOST."""
    host = facts.variables.get("DOCKER_HOST", "")
    if host.startswith("tcp://"):
        plain = host.rstrip("/").endswith(":2375")
        extra = " without TLS (anyone on the network can use it)" if plain else ""
        yield finding(ID, SEVERITY, facts, f"DOCKER_HOST={host} reaches a daemon{extra}")
