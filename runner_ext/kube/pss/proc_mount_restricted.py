"""Containers must keep the default /proc masks, even in their own user namespace.

### What it does
Flags every non-default /proc mount.

### Why it matters
The restricted level does not trust `hostUsers: false` alone to contain an
unmasked `/proc`.

### Example
```yaml
hostUsers: false
containers:
- name: app
  image: app
  securityContext:
    procMount: Unmasked
```

### Instead
Leave `procMount` unset.

```yaml
hostUsers: false
containers:
- name: app
  image: app
  securityContext:
    procMount: Default
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.kube.pss.proc_mount import unmasked
from runner_ext.rules.base import Finding, Severity

ID = "PSS207"
NAME = "proc-mount-restricted"
CHECK = "procMount_restricted"
LEVEL = Level.restricted
SEVERITY = Severity.ERROR
OVERRIDES: tuple[str, ...] = ("PSS110",)
META = Meta(ID, CHECK, LEVEL)


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every non-default /proc mount."""
    for found in unmasked(pod):
        yield pod.finding(META, found, f"procMount {found.value!r} is not allowed")
