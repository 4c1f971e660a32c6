"""The job selects a shell runner by its tags.

### What it does
Flags jobs whose `tags:` contain `shell` as a word (`shell`,
`shell-runner`, `docker_shell`…).

### Why it matters
A shell runner runs every job as the same host user, with the same home
directory and, usually, membership in the `docker` group — which is root on the host.
Projects sharing it can read each other's checkouts, caches and credentials.

### Example
```yaml
build:
  tags: [shell]
  script:
    - docker build -t $CI_REGISTRY_IMAGE .
```

### Instead
```yaml
build:
  tags: [kubernetes]
  image: node:20
  script:
    - npm test
```

### Fix
`migrate-project` switches rewritten build jobs to the Kubernetes runner's tags;
other jobs need an image chosen by their owners.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXC104"
NAME = "shell-runner"
SEVERITY = Severity.WARNING
_SHELL_TAG = re.compile(r"(^|[-_.])shell($|[-_.])", re.IGNORECASE)


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag shell-runner tags."""
    tags = [t for t in facts.tags if _SHELL_TAG.search(t)]
    if tags:
        what = "runs docker on the host" if facts.calls else "runs on the host"
        yield finding(ID, SEVERITY, facts, f"tag {tags[0]} selects a shell runner; the job "
                      f"{what} as the runner's user", tag=tags[0])
