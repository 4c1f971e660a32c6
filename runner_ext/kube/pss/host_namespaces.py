"""Pods must not share the node's network, PID or IPC namespace.

### What it does
Flags each host namespace the pod shares.

### Why it matters
With `hostNetwork` a pod sees every connection of the node (and can bind its
ports); with `hostPID` it sees and can signal the node's processes; with `hostIPC` it
can read shared memory of other workloads.

### Example
```pod
hostNetwork: true
```

### Instead
Leave the three fields unset (false).

```pod
hostNetwork: false
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, is_true
from runner_ext.rules.base import Finding

META = Meta("PSS102", "host-namespaces", check="hostNamespaces", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

_FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def check(pod: PodView) -> Iterator[Finding]:
    """Flag each host namespace the pod shares."""
    for name in _FIELDS:
        found = pod.field(name)
        if is_true(found):
            yield pod.finding(META, found, f"{name}=true shares the node's namespace")
