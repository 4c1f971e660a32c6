"""Probes and lifecycle hooks must not target another host.

### What it does
Flags every probe or hook handler with a non-empty `host`.

### Why it matters
A probe or hook with `host` set makes the kubelet, which runs on the node with the
node's network access, send requests to any address the pod author chooses.

### Example
```pod
container:
  livenessProbe:
    httpGet:
      host: 169.254.169.254
      port: 80
```

### Instead
Leave `host` unset so the probe targets the pod itself.

```pod
container:
  livenessProbe:
    httpGet:
      port: 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Container, Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding

META = Meta("PSS107", "host-probes", check="hostProbesAndHostLifecycle", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

_HANDLERS = (("livenessProbe",), ("readinessProbe",), ("startupProbe",),
             ("lifecycle", "postStart"), ("lifecycle", "preStop"))


def _hosts(container: Container) -> Iterator[Field]:
    for handler in _HANDLERS:
        for action in ("httpGet", "tcpSocket"):
            found = container.field(*handler, action, "host")
            if text(found):
                assert found is not None
                yield found


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every probe or hook handler with a non-empty ``host``."""
    for container in pod.containers():
        for found in _hosts(container):
            yield pod.finding(META, found, f"container {container.name!r} probes or hooks "
                              f"host {found.value!r}")
