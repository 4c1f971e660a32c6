"""SELinux options may only pick one of the standard container types.

### What it does
Flags custom SELinux types, users and roles.

### Why it matters
A custom SELinux type, user or role can give a container the label of a privileged
process on the node.

### Example
```pod
container:
  securityContext:
    seLinuxOptions:
      type: spc_t
```

### Instead
Leave `user` and `role` unset and use `container_t`, `container_init_t`,
`container_kvm_t` or `container_engine_t` as the type (`level` is free).

```pod
container:
  securityContext:
    seLinuxOptions:
      type: container_t
      level: s0:c123,c456
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding

META = Meta("PSS109", "selinux", check="seLinuxOptions", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

TYPES = ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")


def _options(pod: PodView) -> Iterator[Field]:
    lookups: list[Callable[..., Field | None]] = [pod.field, *[c.field for c in pod.containers()]]
    for get in lookups:
        for key in ("type", "user", "role"):
            found = get("securityContext", "seLinuxOptions", key)
            allowed = TYPES if key == "type" else ("",)
            if found is not None and text(found) not in allowed:
                yield found


def check(pod: PodView) -> Iterator[Finding]:
    """Flag custom SELinux types, users and roles."""
    for found in _options(pod):
        yield pod.finding(META, found, f"SELinux {found.path.rsplit('.', 1)[-1]} "
                          f"{found.value!r} is not allowed")
