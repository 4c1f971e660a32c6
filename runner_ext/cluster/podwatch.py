"""Wait for a pod's state through a watch that survives 410 Gone and dropped connections."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kubernetes.client.exceptions import ApiException

from runner_ext.cluster.connect import TRANSPORT_ERRORS, Cluster, api_error, raw, stream_lines

Pod = dict[str, Any]
WATCH_SECONDS = 60


def pod_path(cluster: Cluster, name: str = "") -> str:
    """The API path of the namespace's pods, or of one pod."""
    return f"/api/v1/namespaces/{cluster.namespace}/pods" + (f"/{name}" if name else "")


def read_pod(cluster: Cluster, name: str) -> Pod:
    """The pod as the API server has it now."""
    try:
        return raw(cluster, "GET", pod_path(cluster, name))
    except ApiException as exc:
        raise api_error(exc, verb="get", resource="pods", namespace=cluster.namespace,
                        name=name) from exc


def container_state(pod: Pod, container: str) -> dict[str, Any]:
    """``{"running": …}``, ``{"terminated": …}`` or ``{"waiting": …}`` ({} when unknown)."""
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for found in status.get(key) or []:
            if found.get("name") == container:
                return dict(found.get("state") or {})
    return {}


def finished(pod: Pod) -> bool:
    """Whether the pod has stopped for good."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _events(cluster: Cluster, name: str, version: str) -> Any:
    query = [("watch", "true"), ("fieldSelector", f"metadata.name={name}"),
             ("resourceVersion", version), ("allowWatchBookmarks", "true"),
             ("timeoutSeconds", str(WATCH_SECONDS))]
    for line in stream_lines(cluster, pod_path(cluster), query, timeout=WATCH_SECONDS + 10):
        if line.strip():
            yield json.loads(line)


def wait_for(cluster: Cluster, name: str, done: Callable[[Pod], bool],
             deadline: float) -> Pod:
    """The pod once ``done(pod)`` holds; a 410 Gone or a dropped watch starts over from a
    fresh read, so no state change is missed."""
    pod = read_pod(cluster, name)
    while not done(pod):
        if time.monotonic() > deadline:
            return pod
        version = str(pod["metadata"].get("resourceVersion", ""))
        try:
            for event in _events(cluster, name, version):
                if event.get("type") == "ERROR":
                    break  # 410 Gone (Expired) and friends: relist below
                if event.get("type") in ("ADDED", "MODIFIED") and done(event["object"]):
                    return dict(event["object"])
        except ApiException as exc:
            if exc.status != 410:
                raise api_error(exc, verb="watch", resource="pods",
                                namespace=cluster.namespace, name=name) from exc
        except TRANSPORT_ERRORS:
            time.sleep(0.2)
        pod = read_pod(cluster, name)
    return pod
