"""The job runs containers with the Docker CLI.

### What it does
Flags `docker run`, `docker exec`, `docker create`/`start` and
`docker compose up/run/exec`.

### Why it matters
Running containers needs a daemon; on Kubernetes the same is done with the
job's `image:` or `services:`. A job that runs the image it just built (a smoke test)
can't be moved by rewriting the build alone.

### Example
```yaml
smoke:
  script:
    - docker run --rm $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA ./healthcheck
```

### Instead
```yaml
smoke:
  image: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
  script:
    - ./healthcheck
```

A build job that smoke-tests the image it has just built with a foreground,
one-shot `docker run` (no `-d`, `-p`, `--privileged`, Docker socket or host path) keeps
its script under `--strategy auto`: the shim executor runs each such run once with
Buildah, chroot isolation, like a Dockerfile `RUN` step.

### Fix
None automatic; use the image as the job's `image:` (or as a service), or let the
shim run the one-shot `docker run` lines of a build job.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXC109"
NAME = "docker-run"
SEVERITY = Severity.WARNING


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag each container run."""
    for call in facts.calls_of("run"):
        yield finding(ID, SEVERITY, facts, f"'{shown(call.command.text)}' runs a container")
