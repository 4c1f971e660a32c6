"""The job pushes images it does not build.

### What it does
Flags jobs that `docker pull`/`docker tag`/`docker push` (or edit
manifests) without a `docker build` — promotion jobs such as "tag the tested image as
`latest`".

### Why it matters
No build engine is needed to copy an image between tags, and a build
template is the wrong tool for it; a registry client copies it without a daemon, without
pulling layers through one, and keeps its digest (what was tested is what ships).

### Example
```yaml
promote:
  script:
    - docker pull $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
    - docker tag $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA $CI_REGISTRY_IMAGE:latest
    - docker push $CI_REGISTRY_IMAGE:latest
```

### Instead
```yaml
promote:
  extends: .runner-ext-promote
  variables:
    RUNNER_EXT_PROMOTE_FROM: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
    RUNNER_EXT_PROMOTE_TO: $CI_REGISTRY_IMAGE:latest
```

### Fix
Safe: `migrate-project` rewrites jobs that pull one image, tag it and push the tags
(pushes under a condition stay under it) into the form above (classic mode; the template's
promote job runs `skopeo copy --all --preserve-digests` in the shim executor image); a
tag of an image the job neither builds nor pulls, several source images, or a pulled image
pushed from a build job are reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXC110"
NAME = "retag-only"
SEVERITY = Severity.INFO


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag pushes/retags in a job without a build."""
    if facts.calls_of("build", "compose-build"):
        return
    moved = facts.calls_of("tag", "push", "manifest")
    if moved:
        yield finding(ID, SEVERITY, facts, "copies images between tags without building "
                      f"({len(moved)} docker command{'s' if len(moved) > 1 else ''})")
