"""Containers must keep the default /proc masks, even in their own user namespace.

### What it does
Flags every non-default /proc mount.

### Why it matters
The restricted level does not trust `hostUsers: false` alone to contain an
unmasked `/proc`.

### Example
```pod
hostUsers: false
container:
  securityContext:
    procMount: Unmasked
```

### Instead
Leave `procMount` unset.

```pod
hostUsers: false
container:
  securityContext:
    procMount: Default
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.kube.pss.proc_mount import unmasked
from runner_ext.rules.base import Finding

META = Meta("PSS207", "proc-mount-restricted", check="procMount_restricted",
            level=Level.restricted, overrides=("PSS110",))
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every non-default /proc mount."""
    for found in unmasked(pod):
        yield pod.finding(META, found, f"procMount {found.value!r} is not allowed")
