"""What every Pod Security Standards check sees: a pod spec with paths and line numbers.

A check walks a :class:`PodView` and yields :class:`~runner_ext.rules.base.Finding` objects
whose ``details`` name the offending field (``spec.containers[0].securityContext.privileged``)
and the level it belongs to. Line numbers come from ruamel's round-trip loader when the
manifest was read from a file; data built in memory simply has none.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from runner_ext.rules.base import Finding, Severity

CONTAINER_KINDS = ("containers", "initContainers", "ephemeralContainers")


class Level(str, enum.Enum):
    """Pod Security Standards levels, weakest first."""

    privileged = "privileged"
    baseline = "baseline"
    restricted = "restricted"

    @property
    def rank(self) -> int:
        """Position in the order privileged < baseline < restricted."""
        return list(Level).index(self)


@dataclass(frozen=True)
class Field:
    """A value found in the manifest, with where it is."""

    path: str
    value: Any
    line: int | None


def _line(node: Any, key: str | int) -> int | None:
    """1-based line of ``key`` inside a ruamel node, when it carries positions."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        position = lc.key(key) if isinstance(key, str) else lc.item(key)
    except (KeyError, IndexError, TypeError):
        return None
    return int(position[0]) + 1


def lookup(node: Any, path: str, *keys: str | int) -> Field | None:
    """Follow ``keys`` from ``node`` (whose path is ``path``); None when any step is absent."""
    line: int | None = None
    for key in keys:
        if isinstance(key, int):
            if not isinstance(node, Sequence) or isinstance(node, str) or key >= len(node):
                return None
            path = f"{path}[{key}]"
        else:
            if not isinstance(node, Mapping) or key not in node:
                return None
            path = f"{path}.{key}" if path else key
        line = _line(node, key) or line
        node = node[key]
    return Field(path, node, line)


@dataclass(frozen=True)
class Container:
    """One container of any kind, with its path in the manifest."""

    kind: str
    name: str
    path: str
    data: Mapping[str, Any]
    line: int | None

    def field(self, *keys: str | int) -> Field | None:
        """A field below the container, e.g. ``field("securityContext", "privileged")``."""
        return lookup(self.data, self.path, *keys)


@dataclass(frozen=True)
class PodView:
    """A pod spec (from a Pod or any workload's pod template) as the checks see it."""

    source: str
    kind: str
    name: str
    metadata: Mapping[str, Any]
    spec: Mapping[str, Any]
    spec_path: str = "spec"

    @property
    def label(self) -> str:
        """``Kind/name`` of the object the pod spec came from."""
        return f"{self.kind}/{self.name}"

    def field(self, *keys: str | int) -> Field | None:
        """A field below the pod spec, e.g. ``field("securityContext", "runAsUser")``."""
        return lookup(self.spec, self.spec_path, *keys)

    def meta(self, *keys: str | int) -> Field | None:
        """A field below the pod template's metadata."""
        prefix = self.spec_path.rsplit("spec", 1)[0] + "metadata"
        return lookup(self.metadata, prefix, *keys)

    def containers(self) -> Iterator[Container]:
        """Containers, init containers and ephemeral containers, in that order."""
        for kind in CONTAINER_KINDS:
            items = self.spec.get(kind) or []
            for index, data in enumerate(items):
                if isinstance(data, Mapping):
                    name = str(data.get("name", index))
                    yield Container(kind, name, f"{self.spec_path}.{kind}[{index}]", data,
                                    _line(items, index))

    @property
    def in_user_namespace(self) -> bool:
        """True for pods with ``hostUsers: false`` (their root is not root on the node)."""
        found = self.field("hostUsers")
        return found is not None and found.value is False

    @property
    def is_windows(self) -> bool:
        """True for pods that declare ``spec.os.name: windows`` (exempt from some checks)."""
        found = self.field("os", "name")
        return found is not None and found.value == "windows"

    def in_containers(self, *keys: str | int) -> Iterator[tuple[Container, Field | None]]:
        """Every container with its field at ``keys`` (None where unset)."""
        for container in self.containers():
            yield container, container.field(*keys)

    def everywhere(self, *keys: str | int) -> list[Field | None]:
        """A field of the pod, then the same field of every container (None where unset)."""
        return [self.field(*keys), *[c.field(*keys) for c in self.containers()]]

    def finding(self, meta: Meta, at: Field | Container, message: str) -> Finding:
        """A finding of the check ``meta`` located at a field (or a whole container)."""
        return Finding(
            rule_id=meta.id, severity=meta.severity, message=message, file=self.source,
            line=at.line,
            details={"field": at.path, "check": meta.check, "level": meta.level.value,
                     "object": self.label},
        )


@dataclass(frozen=True)
class Meta:
    """Identity of a check: what its findings carry and what the registry reads.

    Every check module declares one, and exports its fields as the module attributes the
    rule catalogs expect (``ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES = META.attributes``).
    ``overrides`` names the baseline checks a stricter restricted check replaces; every
    check of the standard is an error, since a pod that fails one is refused admission.
    """

    id: str
    name: str
    check: str
    level: Level
    overrides: tuple[str, ...] = ()
    severity: Severity = Severity.ERROR

    @property
    def attributes(self) -> tuple[str, str, str, Level, Severity, tuple[str, ...]]:
        """``ID, NAME, CHECK, LEVEL, SEVERITY, OVERRIDES``, in that order."""
        return self.id, self.name, self.check, self.level, self.severity, self.overrides


def is_true(found: Field | None) -> TypeGuard[Field]:
    """True when the field exists and is boolean true."""
    return found is not None and found.value is True


def text(found: Field | None) -> str:
    """The field's value as a string ('' when absent or null)."""
    return "" if found is None or found.value is None else str(found.value)


# The one container every documented example runs: a rule's docstring writes its examples
# in ```pod fences as pod-spec fragments, ``container:`` standing for this container (and
# its fields indented below it); the rendered page shows the whole pod spec.
EXAMPLE_CONTAINER = "containers:\n- name: app\n  image: app\n"


def example_pod(fragment: str) -> str:
    """The whole pod spec of a documented example, from its fragment.

    The line ``container:`` becomes the example container, keeping the fields indented
    below it; a fragment without that line gets the bare container last.
    """
    lines = fragment.splitlines(keepends=True)
    if "container:\n" not in lines:
        return fragment + EXAMPLE_CONTAINER
    lines[lines.index("container:\n")] = EXAMPLE_CONTAINER
    return "".join(lines)
