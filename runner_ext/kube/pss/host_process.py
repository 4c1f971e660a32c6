"""Windows HostProcess containers must not be used.

### What it does
Flags `windowsOptions.hostProcess: true` on the pod or any container.

### Why it matters
A HostProcess container runs directly on the Windows node with the node's
privileges, outside any container isolation.

### Example
```pod
securityContext:
  windowsOptions:
    hostProcess: true
```

### Instead
Run the workload as a normal container.

```pod
container:
  securityContext:
    windowsOptions:
      hostProcess: false
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, is_true
from runner_ext.rules.base import Finding

META = Meta("PSS101", "host-process", check="windowsHostProcess", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag ``windowsOptions.hostProcess: true`` on the pod or any container."""
    for found in pod.everywhere("securityContext", "windowsOptions", "hostProcess"):
        if is_true(found):
            yield pod.finding(META, found, "HostProcess containers run with the node's "
                              "privileges and must not be used")
