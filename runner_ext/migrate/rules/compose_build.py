"""The job builds with Docker Compose.

### What it does
Flags `docker-compose build`, `docker compose build` and `up --build`
of either, also behind Compose's own options (`-f`/`--file`, `-p`/`--project-name`,
`--project-directory`, `--env-file`, `--profile`).

### Why it matters
Compose drives a Docker daemon and may build several images with
settings spread over `compose.yaml`; a rewrite can't see them all safely, so the job is
left for its owners.

### Example
```yaml
images:
  script:
    - docker compose build
    - docker compose push
```

### Instead
```yaml
include:
  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0
    inputs:
      job_name: api-image
      context: $CI_PROJECT_DIR/api
      dockerfile: api/Dockerfile
api-image:
  stage: build
```

### Fix
`migrate-project` (strategy `auto` or `shim`) keeps the compose commands and moves
the job to the shim executor, where podman-compose builds and pushes (docs/migrate.md,
Strategies). For the declarative rewrite, create one runner-ext build job per service image
(context, dockerfile, args from `compose.yaml`).
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXC108"
NAME = "compose-build"
SEVERITY = Severity.WARNING


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag each compose build."""
    for call in facts.calls_of("compose-build"):
        yield finding(ID, SEVERITY, facts, f"'{shown(call.command.text)}' builds with Compose")
