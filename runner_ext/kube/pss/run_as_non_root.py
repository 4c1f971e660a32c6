"""Containers must be required to run as a non-root user.

### What it does
Flags explicit `false` anywhere, and containers left without a `true`.

### Why it matters
`runAsNonRoot: true` makes the kubelet refuse to start a container whose user is
root, whatever the image says.

### Example
```pod
container:
```

### Instead
Set it on the pod, or on every container, and never set it to false. Pods with
`hostUsers: false` are exempt: their root is an unprivileged user on the node.

```pod
securityContext:
  runAsNonRoot: true
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, is_true
from runner_ext.rules.base import Finding

META = Meta("PSS203", "run-as-non-root", check="runAsNonRoot", level=Level.restricted)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag explicit ``false`` anywhere, and containers left without a ``true``."""
    if pod.in_user_namespace:
        return
    pod_level = pod.field("securityContext", "runAsNonRoot")
    if pod_level is not None and pod_level.value is False:
        yield pod.finding(META, pod_level, "the pod sets runAsNonRoot=false")
    for container, found in pod.in_containers("securityContext", "runAsNonRoot"):
        if found is not None and found.value is False:
            yield pod.finding(META, found, f"container {container.name!r} sets "
                              "runAsNonRoot=false")
        elif found is None and not is_true(pod_level):
            yield pod.finding(META, container, f"container {container.name!r} must set "
                              "runAsNonRoot=true (or the pod must)")
