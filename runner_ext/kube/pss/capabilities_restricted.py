"""Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.

### What it does
Flags containers that keep default capabilities or add any but NET_BIND_SERVICE.

### Why it matters
A process that keeps the default capabilities can change file ownership, bypass
file permissions and more, even as a non-root user after privilege escalation.

### Example
```pod
container:
  securityContext:
    capabilities:
      drop: [NET_RAW]
```

### Instead
`capabilities: {drop: [ALL]}`. Windows pods are exempt.

```pod
container:
  securityContext:
    capabilities:
      drop: [ALL]
      add: [NET_BIND_SERVICE]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Container, Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS206", "capabilities-restricted", check="capabilities_restricted",
            level=Level.restricted, overrides=("PSS104",))
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def _container(pod: PodView, container: Container) -> Iterator[Finding]:
    drop = container.field("securityContext", "capabilities", "drop")
    if drop is None or not isinstance(drop.value, list) or "ALL" not in drop.value:
        yield pod.finding(META, drop or container, f"container {container.name!r} must drop "
                          "ALL capabilities")
    add = container.field("securityContext", "capabilities", "add")
    extra = [str(c) for c in (add.value if add and isinstance(add.value, list) else [])
             if c != "NET_BIND_SERVICE"]
    if add is not None and extra:
        yield pod.finding(META, add, f"container {container.name!r} adds {', '.join(extra)}; "
                          "only NET_BIND_SERVICE is allowed")


def check(pod: PodView) -> Iterator[Finding]:
    """Flag containers that keep default capabilities or add any but NET_BIND_SERVICE."""
    if pod.is_windows:
        return
    for container in pod.containers():
        yield from _container(pod, container)
