"""The job tags or pushes images with the Docker CLI.

### What it does
Flags `docker tag` and `docker push` (and their `docker image` forms).

### Why it matters
They need the daemon that holds the image. Daemonless engines push the
tags they are given directly, so the tags move into the build's destinations.

### Example
```yaml
release:
  script:
    - docker build -t app .
    - docker tag app $CI_REGISTRY_IMAGE:$CI_COMMIT_TAG
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_TAG
```

### Instead
```yaml
include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0
    inputs:
      job_name: release
      destinations: $CI_REGISTRY_IMAGE:$CI_COMMIT_TAG
release:
  stage: build
```

### Fix
`migrate-project` turns every pushed tag into a destination.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXC106"
NAME = "docker-push"
SEVERITY = Severity.INFO


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag each docker tag and docker push."""
    for call in facts.calls_of("tag", "push"):
        yield finding(ID, SEVERITY, facts, f"'{shown(call.command.text)}' needs a Docker daemon")
