"""Containers must keep the default /proc masks, unless the pod has its own user namespace.

### What it does
Flags non-default /proc mounts in pods that share the node's user namespace.

### Why it matters
`procMount: Unmasked` exposes `/proc` paths that reveal or change node state.
In a pod with `hostUsers: false` the container's root is not root on the node, so the
baseline level allows it there (the restricted level never does).

### Example
```yaml
hostUsers: true
containers:
- name: app
  image: app
  securityContext:
    procMount: Unmasked
```

### Instead
Leave `procMount` unset (`Default`).

```yaml
hostUsers: false
containers:
- name: app
  image: app
  securityContext:
    procMount: Unmasked
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding, Severity

ID = "PSS110"
NAME = "proc-mount"
CHECK = "procMount"
LEVEL = Level.baseline
SEVERITY = Severity.ERROR
OVERRIDES: tuple[str, ...] = ()
META = Meta(ID, CHECK, LEVEL)


def unmasked(pod: PodView) -> Iterator[Field]:
    """``procMount`` fields set to anything but ``Default``."""
    for container in pod.containers():
        found = container.field("securityContext", "procMount")
        if found is not None and text(found) not in ("", "Default"):
            yield found


def check(pod: PodView) -> Iterator[Finding]:
    """Flag non-default /proc mounts in pods that share the node's user namespace."""
    if pod.in_user_namespace:
        return
    for found in unmasked(pod):
        yield pod.finding(META, found, f"procMount {found.value!r} needs hostUsers: false")
