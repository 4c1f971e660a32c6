"""Seccomp must not be disabled.

### What it does
Flags seccomp profiles other than the runtime default or a node-local one.

### Why it matters
The runtime's default seccomp profile blocks system calls used in container escapes
(`unshare` of new namespaces, `keyctl`, `bpf`…); `Unconfined` removes it.

### Example
```pod
securityContext:
  seccompProfile:
    type: Unconfined
```

### Instead
Use `RuntimeDefault`, or a `Localhost` profile installed on the nodes.

```pod
securityContext:
  seccompProfile:
    type: RuntimeDefault
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding

META = Meta("PSS111", "seccomp-baseline", check="seccompProfile_baseline", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

TYPES = ("RuntimeDefault", "Localhost")


def profile_types(pod: PodView) -> list[Field | None]:
    """The pod's and every container's ``seccompProfile.type`` (None where unset)."""
    return pod.everywhere("securityContext", "seccompProfile", "type")


def check(pod: PodView) -> Iterator[Finding]:
    """Flag seccomp profiles other than the runtime default or a node-local one."""
    for found in profile_types(pod):
        if found is not None and text(found) not in TYPES:
            yield pod.finding(META, found, f"seccomp profile {found.value!r} is not allowed")
