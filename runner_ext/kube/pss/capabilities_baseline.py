"""Containers may add only capabilities from the container runtime's default set.

### What it does
Flags capabilities added beyond the allowed default set.

### Why it matters
Capabilities beyond the default set (`SYS_ADMIN`, `NET_ADMIN`, `NET_RAW`…) give
a container kernel powers that lead to node compromise. Names are matched exactly, so
`chown` or `CAP_CHOWN` are refused too.

### Example
```pod
container:
  securityContext:
    capabilities:
      add: [SYS_ADMIN]
```

### Instead
Add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID or SYS_CHROOT.

```pod
container:
  securityContext:
    capabilities:
      add: [CHOWN, SETUID, SETGID]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS104", "capabilities-baseline", check="capabilities_baseline", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

ALLOWED = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


def check(pod: PodView) -> Iterator[Finding]:
    """Flag capabilities added beyond the allowed default set."""
    for container, found in pod.in_containers("securityContext", "capabilities", "add"):
        if found is None or not isinstance(found.value, list):
            continue
        extra = [str(c) for c in found.value if str(c) not in ALLOWED]
        if extra:
            yield pod.finding(META, found, f"container {container.name!r} adds capabilities "
                              f"outside the default set: {', '.join(extra)}")
