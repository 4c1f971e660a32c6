"""Windows HostProcess containers must not be used.

### What it does
Flags `windowsOptions.hostProcess: true` on the pod or any container.

### Why it matters
A HostProcess container runs directly on the Windows node with the node's
privileges, outside any container isolation.

### Example
```yaml
securityContext:
  windowsOptions:
    hostProcess: true
containers:
- name: app
  image: app
```

### Instead
Run the workload as a normal container.

```yaml
containers:
- name: app
  image: app
  securityContext:
    windowsOptions:
      hostProcess: false
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView, is_true
from runner_ext.rules.base import Finding, Severity

ID = "PSS101"
NAME = "host-process"
CHECK = "windowsHostProcess"
LEVEL = Level.baseline
SEVERITY = Severity.ERROR
OVERRIDES: tuple[str, ...] = ()
META = Meta(ID, CHECK, LEVEL)


def check(pod: PodView) -> Iterator[Finding]:
    """Flag ``windowsOptions.hostProcess: true`` on the pod or any container."""
    candidates = [pod.field("securityContext", "windowsOptions", "hostProcess")]
    candidates += [c.field("securityContext", "windowsOptions", "hostProcess")
                   for c in pod.containers()]
    for found in candidates:
        if found is not None and is_true(found):
            yield pod.finding(META, found, "HostProcess containers run with the node's "
                              "privileges and must not be used")
