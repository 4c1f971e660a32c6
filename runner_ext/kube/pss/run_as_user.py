"""Pods and containers must not ask for user ID 0.

### What it does
Flags `runAsUser: 0` on the pod or any container.

### Why it matters
`runAsUser: 0` runs the process as root regardless of `runAsNonRoot`'s intent.

### Example
```pod
securityContext:
  runAsNonRoot: true
  runAsUser: 0
```

### Instead
Use a non-zero UID. Pods with `hostUsers: false` are exempt: UID 0 in the pod
maps to an unprivileged UID on the node.

```pod
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS204", "run-as-user", check="runAsUser", level=Level.restricted)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag ``runAsUser: 0`` on the pod or any container."""
    if pod.in_user_namespace:
        return
    for found in pod.everywhere("securityContext", "runAsUser"):
        if found is not None and not isinstance(found.value, bool) and found.value == 0:
            yield pod.finding(META, found, "runAsUser=0 runs as root")
