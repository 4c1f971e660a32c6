"""AppArmor must not be disabled.

### What it does
Flags AppArmor profiles other than the runtime default or a node-local one.

### Why it matters
The runtime's default AppArmor profile blocks mounts and writes to sensitive
`/proc` and `/sys` paths; `Unconfined` removes that layer.

### Example
```yaml
containers:
- name: app
  image: app
  securityContext:
    appArmorProfile:
      type: Unconfined
```

### Instead
Keep `RuntimeDefault` or load a `Localhost` profile on the nodes. Both the
`appArmorProfile` fields and the older `container.apparmor.security.beta.kubernetes.io`
annotations (allowed: `runtime/default`, `localhost/*`, empty) are checked.

```yaml
containers:
- name: app
  image: app
  securityContext:
    appArmorProfile:
      type: Localhost
      localhostProfile: builder
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from runner_ext.kube.pss.base import Field, Level, Meta, PodView, text
from runner_ext.rules.base import Finding, Severity

ID = "PSS108"
NAME = "apparmor"
CHECK = "appArmorProfile"
LEVEL = Level.baseline
SEVERITY = Severity.ERROR
OVERRIDES: tuple[str, ...] = ()
META = Meta(ID, CHECK, LEVEL)

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
    candidates = [pod.field("securityContext", "appArmorProfile", "type")]
    candidates += [c.field("securityContext", "appArmorProfile", "type")
                   for c in pod.containers()]
    for found in candidates:
        if found is not None and text(found) not in _TYPES:
            yield found


def check(pod: PodView) -> Iterator[Finding]:
    """Flag AppArmor profiles other than the runtime default or a node-local one."""
    for found in [*_annotations(pod), *_fields(pod)]:
        yield pod.finding(META, found, f"AppArmor profile {found.value!r} is not allowed; "
                          "use RuntimeDefault or a Localhost profile")
