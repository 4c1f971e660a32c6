"""The job starts a Docker-in-Docker service.

### What it does
Flags `services:` entries running `docker:dind` (any version, rootless
variants included).

### Why it matters
Dind needs a privileged container, which can take over the node it runs on;
Kubernetes runners should not allow privileged pods. It is also slow: every job starts an
empty daemon with a cold layer cache.

### Example
```yaml
build:
  image: docker:27
  services:
    - docker:27-dind
  script:
    - docker build -t $CI_REGISTRY_IMAGE .
```

### Instead
```yaml
include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0
    inputs:
      job_name: build
build:
  stage: build
```

### Fix
`migrate-project` removes the service, the DOCKER_* variables and `docker login`
when it rewrites the job.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXC102"
NAME = "dind-service"
SEVERITY = Severity.ERROR


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag every dind service."""
    for service in facts.dind_services():
        yield finding(ID, SEVERITY, facts, f"service {service} needs a privileged container")
