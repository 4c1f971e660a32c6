"""Containers must set `allowPrivilegeEscalation: false`.

### What it does
Flags containers that do not forbid privilege escalation.

### Why it matters
Without it, setuid binaries and file capabilities let a process gain privileges
its parent did not have (the kernel's `no_new_privs` flag stays off).

### Example
```pod
container:
```

### Instead
Set it to false on every container. Windows pods are exempt.

```pod
container:
  securityContext:
    allowPrivilegeEscalation: false
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS202", "privilege-escalation", check="allowPrivilegeEscalation",
            level=Level.restricted)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag containers that do not forbid privilege escalation."""
    if pod.is_windows:
        return
    for container, found in pod.in_containers("securityContext", "allowPrivilegeEscalation"):
        if found is None or found.value is not False:
            yield pod.finding(META, found or container, f"container {container.name!r} must "
                              "set securityContext.allowPrivilegeEscalation=false")
