"""Pods and containers must not ask for user ID 0.

### What it does
Flags `runAsUser: 0` on the pod or any container.

### Why it matters
`runAsUser: 0` runs the process as root regardless of `runAsNonRoot`'s intent.

### Example
```yaml
securityContext:
  runAsNonRoot: true
  runAsUser: 0
containers:
- name: app
  image: app
```

### Instead
Use a non-zero UID. Pods with `hostUsers: false` are exempt: UID 0 in the pod
maps to an unprivileged UID on the node.

```yaml
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
containers:
- name: app
  image: app
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Field, Level, Meta, PodView
from runner_ext.rules.base import Finding, Severity

ID = "PSS204"
NAME = "run-as-user"
CHECK = "runAsUser"
LEVEL = Level.restricted
SEVERITY = Severity.ERROR
OVERRIDES: tuple[str, ...] = ()
META = Meta(ID, CHECK, LEVEL)


def check(pod: PodView) -> Iterator[Finding]:
    """Flag ``runAsUser: 0`` on the pod or any container."""
    if pod.in_user_namespace:
        return
    candidates: list[Field | None] = [pod.field("securityContext", "runAsUser")]
    candidates += [c.field("securityContext", "runAsUser") for c in pod.containers()]
    for found in candidates:
        if found is not None and not isinstance(found.value, bool) and found.value == 0:
            yield pod.finding(META, found, "runAsUser=0 runs as root")
