"""Pods may set only the sysctls that are namespaced and isolated per pod.

### What it does
Flags every sysctl outside the safe set.

### Why it matters
Other sysctls change kernel settings of the whole node.

### Example
```pod
securityContext:
  sysctls:
  - name: kernel.msgmax
    value: "65536"
```

### Instead
Set node-wide sysctls on the nodes, not in pods.

```pod
securityContext:
  sysctls:
  - name: net.ipv4.ip_local_port_range
    value: "1024 65535"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, text
from runner_ext.rules.base import Finding

META = Meta("PSS112", "sysctls", check="sysctls", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

ALLOWED = frozenset({
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
})


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every sysctl outside the safe set."""
    for index, _ in enumerate(pod.spec.get("securityContext", {}).get("sysctls") or []):
        found = pod.field("securityContext", "sysctls", index, "name")
        if found is not None and text(found) not in ALLOWED:
            yield pod.finding(META, found, f"sysctl {found.value!r} is not in the safe set")
