"""The job builds an image with `docker build`.

### What it does
Flags `docker build`, `docker image build` and `docker buildx build`.

### Why it matters
These need a Docker daemon — the host's socket, dind or a shell runner — none
of which a Kubernetes runner offers safely. A daemonless engine (Kaniko, BuildKit rootless,
Buildah) builds the same Dockerfile without one, and with a registry layer cache.

### Example
```yaml
build:
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA -f docker/Dockerfile .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
```

### Instead
```yaml
include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0
    inputs:
      job_name: build
      dockerfile: docker/Dockerfile
      destinations: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
build:
  stage: build
```

### Fix
`migrate-project` carries the context, `-f`, pushed tags, `--build-arg`,
`--target`, `--label` and `--platform` over to the template's inputs.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXC105"
NAME = "docker-build"
SEVERITY = Severity.WARNING


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag each docker build."""
    for call in facts.calls_of("build"):
        yield finding(ID, SEVERITY, facts, f"'{shown(call.command.text)}' needs a Docker daemon")
