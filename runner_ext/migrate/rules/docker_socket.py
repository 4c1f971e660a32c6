"""The job reaches the host's Docker daemon through its socket.

### What it does
Flags jobs that set `DOCKER_HOST=unix://…`, mention
`/var/run/docker.sock` (`-H unix://…`, `-v /var/run/docker.sock:…`), or run `docker`
commands in a Docker CLI image with neither a dind service nor a TCP `DOCKER_HOST` — which
only works when the runner mounts the host's socket into the job.

### Why it matters
Whoever can talk to the host's daemon owns the host: they can start
privileged containers, read every other project's build context, images and secrets. A
Kubernetes runner has no such socket.

### Example
```yaml
build:
  image: docker:27
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
```

### Instead
```yaml
include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0
    inputs:
      job_name: build
      destinations: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
build:
  stage: build
```

### Fix
`migrate-project` rewrites the job to the daemonless template when it can.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXC101"
NAME = "docker-socket"
SEVERITY = Severity.ERROR
SOCKET = "/var/run/docker.sock"


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag explicit or implied use of the host's Docker socket."""
    host = facts.variables.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        yield finding(ID, SEVERITY, facts, f"DOCKER_HOST={host} talks to the host's daemon")
        return
    for call in facts.calls:
        if (call.host or "").startswith("unix://") or any(SOCKET in w for w in call.args):
            yield finding(ID, SEVERITY, facts, f"'{call.subcommand}' uses {SOCKET}")
            return
    if (facts.calls and _docker_cli_image(facts.image) and not facts.dind_services()
            and not host):
        yield finding(ID, SEVERITY, facts,
                      f"runs docker in {facts.image} without a dind service: the runner "
                      "must mount the host's Docker socket")


def _docker_cli_image(image: str) -> bool:
    name = image.rsplit("/", 1)[-1]
    return name == "docker" or name.startswith("docker:")
