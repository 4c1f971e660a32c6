"""A seccomp profile must be set: `RuntimeDefault` or `Localhost`.

### What it does
Flags disallowed profiles, and containers left without any profile.

### Why it matters
On many runtimes a container without a profile runs with seccomp disabled. The
restricted level requires a profile on the pod, or on every container.

### Example
```pod
securityContext:
  runAsNonRoot: true
```

### Instead
Set `spec.securityContext.seccompProfile.type: RuntimeDefault`. Windows pods
are exempt.

```pod
securityContext:
  seccompProfile:
    type: RuntimeDefault
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, text
from runner_ext.kube.pss.seccomp_baseline import TYPES, profile_types
from runner_ext.rules.base import Finding

META = Meta("PSS205", "seccomp-restricted", check="seccompProfile_restricted",
            level=Level.restricted, overrides=("PSS111",))
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag disallowed profiles, and containers left without any profile."""
    if pod.is_windows:
        return
    pod_type, *container_types = profile_types(pod)
    for found in [pod_type, *container_types]:
        if found is not None and text(found) not in TYPES:
            yield pod.finding(META, found, f"seccomp profile {found.value!r} is not allowed")
    if pod_type is not None:
        return
    for container, found in zip(pod.containers(), container_types, strict=True):
        if found is None:
            yield pod.finding(META, container, f"container {container.name!r} has no seccomp "
                              "profile and the pod sets none")
