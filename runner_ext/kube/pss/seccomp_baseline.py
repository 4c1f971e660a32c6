"""Seccomp must not be disabled.

### What it does
Flags seccomp profiles other than the runtime default or a node-local one.

### Why it matters
The runtime's default seccomp profile blocks system calls used in container escapes
(`unshare` of new namespaces, `keyctl`, `bpf`…); `Unconfined` removes it.

### Example
```yaml
securityContext:
  seccompProfile:
    type: Unconfined
containers:
- name: app
  image: app
```

### Instead
Use `RuntimeDefault`, or a `Localhost` profile installed on the nodes.

```yaml
securityContext:
  seccompProfile:
    type: RuntimeDefault
containers:
- name: app
  image: app
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding, Severity

ID = "PSS111"
NAME = "seccomp-baseline"
CHECK = "seccompProfile_baseline"
LEVEL = Level.baseline
SEVERITY = Severity.ERROR
OVERRIDES: tuple[str, ...] = ()
META = Meta(ID, CHECK, LEVEL)

TYPES = ("RuntimeDefault", "Localhost")


def profile_types(pod: PodView) -> list[Field | None]:
    """The pod's and every container's ``seccompProfile.type`` (None where unset)."""
    return [pod.field("securityContext", "seccompProfile", "type"),
            *[c.field("securityContext", "seccompProfile", "type") for c in pod.containers()]]


def check(pod: PodView) -> Iterator[Finding]:
    """Flag seccomp profiles other than the runtime default or a node-local one."""
    for found in profile_types(pod):
        if found is not None and text(found) not in TYPES:
            yield pod.finding(META, found, f"seccomp profile {found.value!r} is not allowed")
