"""Pods may use only core volume types.

### What it does
Flags volumes of any type outside the core set.

### Why it matters
Network and cloud volume plugins (nfs, iscsi, rbd, gitRepo…) are configured in the pod
by its author and run with node privileges; the restricted level allows only volumes
whose storage the cluster administrator controls.

### Example
```pod
volumes:
- name: data
  nfs:
    server: nfs.example
    path: /exports
```

### Instead
Use configMap, csi, downwardAPI, emptyDir, ephemeral, image,
persistentVolumeClaim, projected or secret volumes.

```pod
volumes:
- name: data
  persistentVolumeClaim:
    claimName: data
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from runner_ext.kube.pss.base import Level, Meta, PodView
from runner_ext.rules.base import Finding

META = Meta("PSS201", "restricted-volumes", check="restrictedVolumes",
            level=Level.restricted, overrides=("PSS105",))
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

ALLOWED = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
    "persistentVolumeClaim", "projected", "secret",
})


def check(pod: PodView) -> Iterator[Finding]:
    """Flag volumes of any type outside the core set."""
    for index, volume in enumerate(pod.spec.get("volumes") or []):
        if not isinstance(volume, Mapping):
            continue
        for kind in volume:
            if kind != "name" and kind not in ALLOWED and volume[kind] is not None:
                found = pod.field("volumes", index, str(kind))
                assert found is not None
                yield pod.finding(META, found, f"volume {volume.get('name', index)!r} uses "
                                  f"the {kind} volume type")
