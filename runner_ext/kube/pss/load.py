"""Find the pod specs in Kubernetes manifests: Pods, pod templates of workloads, Lists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.pss.base import PodView
from runner_ext.limits import MANIFEST_BYTES
from runner_ext.yamlguard import checked_events, guarded_yaml

# Where each workload kind keeps its pod template, as keys below the object.
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def _dig(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def pods_in(document: Any, source: str) -> Iterator[PodView]:
    """The pod specs of one parsed manifest object (recursing into ``kind: List``)."""
    if not isinstance(document, Mapping):
        return
    kind = str(document.get("kind", ""))
    if kind.endswith("List"):
        for item in document.get("items") or []:
            yield from pods_in(item, source)
        return
    name = str(_dig(document, ("metadata", "name")) or "")
    if kind == "Pod":
        template: Any = document
        prefix = ""
    elif kind in TEMPLATE_PATHS:
        template = _dig(document, TEMPLATE_PATHS[kind])
        prefix = ".".join(TEMPLATE_PATHS[kind]) + "."
    else:
        return
    if isinstance(template, Mapping) and isinstance(template.get("spec"), Mapping):
        yield PodView(source, kind, name, template.get("metadata") or {}, template["spec"],
                      f"{prefix}spec")


def _parse(text: str, source: str) -> list[Any]:
    """The documents, once the event stream is known to be of bounded depth and expansion
    (so walking them, aliases and all, is bounded too)."""
    try:
        for _ in checked_events(guarded_yaml().parse(text), source):
            pass
        return list(guarded_yaml().load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise RunnerExtError(Category.INPUT, Problem(
            f"not valid YAML: {exc.problem}", file=source, line=line)) from exc
    except YAMLError as exc:
        raise RunnerExtError(Category.INPUT, Problem(f"not valid YAML: {exc}",
                                                     file=source)) from exc


def pods_from_text(text: str, source: str) -> list[PodView]:
    """Every pod spec in a (multi-document) YAML text."""
    return [pod for doc in _parse(text, source) for pod in pods_in(doc, source)]


def load_pods(path: Path) -> list[PodView]:
    """Every pod spec in a manifest file (refused unread past :data:`MANIFEST_BYTES`)."""
    try:
        size = path.stat().st_size
        if size > MANIFEST_BYTES.value:
            raise MANIFEST_BYTES.error(file=str(path), got=f"{size} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnerExtError(Category.INPUT, Problem(f"cannot read manifest: {exc}",
                                                     file=str(path))) from exc
    return pods_from_text(text, str(path))
