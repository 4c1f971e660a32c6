"""Containers must not bind ports of the node (`hostPort`).

### What it does
Flags every non-zero `hostPort`.

### Why it matters
A host port bypasses network policy and exposes the pod on the node's address.

### Example
```pod
container:
  ports:
  - containerPort: 8080
    hostPort: 8080
```

### Instead
Expose the pod through a Service.

```pod
container:
  ports:
  - containerPort: 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS106", "host-ports", check="hostPorts", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every non-zero ``hostPort``."""
    for container in pod.containers():
        for index, _ in enumerate(container.data.get("ports") or []):
            found = container.field("ports", index, "hostPort")
            if found is not None and found.value not in (0, None):
                yield pod.finding(META, found, f"container {container.name!r} binds host "
                                  f"port {found.value}")
