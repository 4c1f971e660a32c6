"""Containers must not run privileged.

### What it does
Flags every container with `securityContext.privileged: true`.

### Why it matters
A privileged container has every capability, sees all host devices and has no
seccomp or AppArmor confinement: it is root on the node.

### Example
```pod
container:
  securityContext:
    privileged: true
```

### Instead
Grant only the specific capability or profile the workload needs.

```pod
container:
  securityContext:
    privileged: false
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, is_true
from runner_ext.rules.base import Finding

META = Meta("PSS103", "privileged", check="privileged", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every container with ``securityContext.privileged: true``."""
    for container, found in pod.in_containers("securityContext", "privileged"):
        if is_true(found):
            yield pod.finding(META, found, f"container {container.name!r} is privileged")
