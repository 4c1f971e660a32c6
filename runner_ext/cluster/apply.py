"""``cluster apply``: server-side apply of what ``render`` produces for the namespace.

Every object goes through one PATCH with ``application/apply-patch+yaml`` and field manager
``runner-ext``; conflicts with other managers stop the apply unless forced. ``--prune``
deletes only objects labelled as ours, of the kinds and components we render, that the
config no longer renders.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field
from typing import Any

from kubernetes.client.exceptions import ApiException
from ruamel.yaml import YAML

from runner_ext.cluster.connect import FIELD_MANAGER, Cluster, api_error, raw
from runner_ext.kube.labels import labels
from runner_ext.kube.namespace_objects import PRUNABLE

# kind → (API path prefix, resource) for every kind ``namespace_objects`` renders.
KINDS = {
    "ConfigMap": ("/api/v1", "configmaps"),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims"),
    "Job": ("/apis/batch/v1", "jobs"),
    "CronJob": ("/apis/batch/v1", "cronjobs"),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies"),
}
_SERVER_FIELDS = ("managedFields", "resourceVersion", "uid", "generation",
                  "creationTimestamp")


@dataclass(frozen=True)
class Options:
    """How to apply: server dry run, diff, forced conflicts, prune."""

    dry_run: bool = False
    diff: bool = False
    force_conflicts: bool = False
    prune: bool = False


@dataclass
class Outcome:
    """What happened to one object."""

    kind: str
    name: str
    action: str  # created, configured, unchanged, pruned
    diff: str = ""

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"kind": self.kind, "name": self.name, "action": self.action, "diff": self.diff}


@dataclass
class Report:
    """Every object's outcome, in apply order, then the pruned ones."""

    outcomes: list[Outcome] = field(default_factory=list)


def parse(files: dict[str, str], namespace: str) -> list[dict[str, Any]]:
    """The objects of the rendered files (in their order), placed in ``namespace``."""
    loader = YAML(typ="safe", pure=True)
    objects = []
    for name in files:
        for document in loader.load_all(files[name]):
            if isinstance(document, dict):
                document.setdefault("metadata", {})["namespace"] = namespace
                objects.append(document)
    return objects


def path_of(kind: str, namespace: str, name: str = "") -> str:
    """The API path of a namespaced object (or of its collection without ``name``)."""
    prefix, resource = KINDS[kind]
    return f"{prefix}/namespaces/{namespace}/{resource}" + (f"/{name}" if name else "")


def _clean(obj: dict[str, Any] | None) -> dict[str, Any]:
    if not obj:
        return {}
    metadata = {k: v for k, v in obj.get("metadata", {}).items() if k not in _SERVER_FIELDS}
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": metadata}


def _yaml(obj: dict[str, Any]) -> list[str]:
    if not obj:
        return []
    out = io.StringIO()
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.dump(obj, out)
    return out.getvalue().splitlines(keepends=True)


def diff_of(kind: str, name: str, live: dict[str, Any] | None, result: dict[str, Any]) -> str:
    """Unified diff of the live object and the server's answer, server fields left out."""
    return "".join(difflib.unified_diff(
        _yaml(_clean(live)), _yaml(_clean(result)), f"live/{kind}/{name}",
        f"applied/{kind}/{name}"))


def _live(cluster: Cluster, kind: str, name: str) -> dict[str, Any] | None:
    try:
        return raw(cluster, "GET", path_of(kind, cluster.namespace, name))
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise api_error(exc, verb="get", resource=KINDS[kind][1],
                        namespace=cluster.namespace, name=name) from exc


def apply_one(cluster: Cluster, obj: dict[str, Any], options: Options) -> Outcome:
    """Server-side apply one object; a dry run when asked (or when showing a diff)."""
    kind, name = obj["kind"], obj["metadata"]["name"]
    live = _live(cluster, kind, name)
    query = [("fieldManager", FIELD_MANAGER), ("force", str(options.force_conflicts).lower())]
    if options.dry_run or options.diff:
        query.append(("dryRun", "All"))
    try:
        result = raw(cluster, "PATCH", path_of(kind, cluster.namespace, name), query=query,
                     body=obj, content_type="application/apply-patch+yaml")
    except ApiException as exc:
        raise api_error(exc, verb="patch", resource=KINDS[kind][1],
                        namespace=cluster.namespace, name=name) from exc
    diff = diff_of(kind, name, live, result)
    action = "created" if live is None else "configured" if diff else "unchanged"
    return Outcome(kind, name, action, diff if options.diff else "")


def _ours(cluster: Cluster, kind: str, component: str) -> list[str]:
    mine = labels(component)
    selector = ",".join(f"{key}={mine[key]}" for key in
                        ("app.kubernetes.io/managed-by", "app.kubernetes.io/component"))
    try:
        found = raw(cluster, "GET", path_of(kind, cluster.namespace),
                    query=[("labelSelector", selector)])
    except ApiException as exc:
        raise api_error(exc, verb="list", resource=KINDS[kind][1],
                        namespace=cluster.namespace) from exc
    return [item["metadata"]["name"] for item in found.get("items") or []]


def prune(cluster: Cluster, keep: set[tuple[str, str]], options: Options) -> list[Outcome]:
    """Delete our labelled objects (of the kinds we render) that are no longer rendered."""
    pruned = []
    for kind, component in PRUNABLE:
        for name in _ours(cluster, kind, component):
            if (kind, name) in keep:
                continue
            query = [("dryRun", "All")] if options.dry_run or options.diff else []
            query.append(("propagationPolicy", "Background"))
            try:
                raw(cluster, "DELETE", path_of(kind, cluster.namespace, name), query=query)
            except ApiException as exc:
                if exc.status == 404:
                    continue
                raise api_error(exc, verb="delete", resource=KINDS[kind][1],
                                namespace=cluster.namespace, name=name) from exc
            pruned.append(Outcome(kind, name, "pruned"))
    return pruned


def apply_all(cluster: Cluster, objects: list[dict[str, Any]], options: Options) -> Report:
    """Apply every object in order, then prune when asked."""
    report = Report([apply_one(cluster, obj, options) for obj in objects])
    if options.prune:
        keep = {(obj["kind"], obj["metadata"]["name"]) for obj in objects}
        report.outcomes += prune(cluster, keep, options)
    return report
