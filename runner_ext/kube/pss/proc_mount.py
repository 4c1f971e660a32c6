"""Containers must keep the default /proc masks, unless the pod has its own user namespace.

### What it does
Flags non-default /proc mounts in pods that share the node's user namespace.

### Why it matters
`procMount: Unmasked` exposes `/proc` paths that reveal or change node state.
In a pod with `hostUsers: false` the container's root is not root on the node, so the
baseline level allows it there (the restricted level never does).

### Example
```pod
hostUsers: true
container:
  securityContext:
    procMount: Unmasked
```

### Instead
Leave `procMount` unset (`Default`), or give the pod its own user namespace
(`hostUsers: false`), where the baseline level allows an unmasked `/proc`.

```pod
hostUsers: false
container:
  securityContext:
    procMount: Unmasked
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding

META = Meta("PSS110", "proc-mount", check="procMount", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def unmasked(pod: PodView) -> Iterator[Field]:
    """``procMount`` fields set to anything but ``Default``."""
    for _, found in pod.in_containers("securityContext", "procMount"):
        if found is not None and text(found) not in ("", "Default"):
            yield found


def check(pod: PodView) -> Iterator[Finding]:
    """Flag non-default /proc mounts in pods that share the node's user namespace."""
    if pod.in_user_namespace:
        return
    for found in unmasked(pod):
        yield pod.finding(META, found, f"procMount {found.value!r} needs hostUsers: false")
