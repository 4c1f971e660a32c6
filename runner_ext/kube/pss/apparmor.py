"""AppArmor must not be disabled.

### What it does
Flags AppArmor profiles other than the runtime default or a node-local one.

### Why it matters
The runtime's default AppArmor profile blocks mounts and writes to sensitive
`/proc` and `/sys` paths; `Unconfined` removes that layer.

### Example
```pod
container:
  securityContext:
    appArmorProfile:
      type: Unconfined
```

### Instead
Keep `RuntimeDefault` or load a `Localhost` profile on the nodes. Both the
`appArmorProfile` fields and the older `container.apparmor.security.beta.kubernetes.io`
annotations (allowed: `runtime/default`, `localhost/*`, empty) are checked.

```pod
container:
  securityContext:
    appArmorProfile:
      type: Localhost
      localhostProfile: builder
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding

META = Meta("PSS108", "apparmor", check="appArmorProfile", level=Level.baseline)
ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes

ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
_TYPES = ("RuntimeDefault", "Localhost")


def _annotations(pod: PodView) -> Iterator[Field]:
    found = pod.meta("annotations")
    if found is None or not isinstance(found.value, Mapping):
        return
    for key in found.value:
        if str(key).startswith(ANNOTATION):
            value = pod.meta("annotations", str(key))
            profile = text(value)
            if value is not None and profile not in ("", "runtime/default") and \
                    not profile.startswith("localhost/"):
                yield value


def _fields(pod: PodView) -> Iterator[Field]:
    for found in pod.everywhere("securityContext", "appArmorProfile", "type"):
        if found is not None and text(found) not in _TYPES:
            yield found


def check(pod: PodView) -> Iterator[Finding]:
    """Flag AppArmor profiles other than the runtime default or a node-local one."""
    for found in [*_annotations(pod), *_fields(pod)]:
        yield pod.finding(META, found, f"AppArmor profile {found.value!r} is not allowed; "
                          "use RuntimeDefault or a Localhost profile")
