"""Pods must not mount hostPath volumes.

### What it does
Flags every volume with a `hostPath` source.

### Why it matters
A hostPath volume exposes the node's filesystem (the container runtime's socket,
kubelet credentials, other pods' data) to the pod.

### Example
```pod
volumes:
- name: socket
  hostPath:
    path: /var/run/docker.sock
```

### Instead
Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret.

```pod
volumes:
- name: scratch
  emptyDir: {}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS105", "host-path-volumes", check="hostPathVolumes", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes


def check(pod: PodView) -> Iterator[Finding]:
    """Flag every volume with a ``hostPath`` source."""
    for index, volume in enumerate(pod.spec.get("volumes") or []):
        found = pod.field("volumes", index, "hostPath")
        if found is not None:
            name = volume.get("name", index) if hasattr(volume, "get") else index
            yield pod.finding(META, found, f"volume {name!r} mounts a path of the node")
