"""``runner-ext build``: one build pod on the cluster, its log on the terminal, its digest.

Creates the build's ConfigMap, NetworkPolicy (server-side apply: it is shared) and Pod;
sends a local context on the pod's stdin; follows the build container's log; returns its
exit code. The pod and ConfigMap are deleted at the end, and on Ctrl-C before the
interrupt goes on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes.client.exceptions import ApiException
from kubernetes.stream import ws_client
from websocket import WebSocketException

from runner_ext.cluster import apply, logs
from runner_ext.cluster.build_pod import BuildObjects, build_objects, context_tar, is_git
from runner_ext.cluster.connect import Cluster, api_error, raw
from runner_ext.cluster.podwatch import Pod, container_state, finished, wait_for
from runner_ext.config.model import OrgConfig
from runner_ext.kube.pod import PodRequest
from runner_ext.planner.cache import repository_of

BUILD = "build"
CHUNK = 64 * 1024
_STUCK = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError",
          "CreateContainerError"}


@dataclass
class Result:
    """How the build ended."""

    pod: str
    exit_code: int
    digest: str = ""
    reason: str = ""
    log_resumes: int = 0
    lines: list[str] = field(default_factory=list)


_ORDER = {"ConfigMap": 0, "NetworkPolicy": 1, "Pod": 2}  # the pod last, already isolated


def _create(cluster: Cluster, built: BuildObjects) -> None:
    for obj in sorted(built.objects, key=lambda o: _ORDER.get(o["kind"], 1)):
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind == "NetworkPolicy":
            apply.apply_one(cluster, obj, apply.Options())
            continue
        resource = "pods" if kind == "Pod" else apply.KINDS[kind][1]
        path = f"/api/v1/namespaces/{cluster.namespace}/{resource}"
        try:
            raw(cluster, "POST", path, body=obj)
        except ApiException as exc:
            raise api_error(exc, verb="create", resource=resource,
                            namespace=cluster.namespace, name=name) from exc


def delete(cluster: Cluster, built: BuildObjects) -> None:
    """Delete the build's pod and ConfigMap now (grace period 0); gone is fine."""
    for obj in built.objects:
        if obj["kind"] not in ("Pod", "ConfigMap"):
            continue
        resource = "pods" if obj["kind"] == "Pod" else "configmaps"
        path = f"/api/v1/namespaces/{cluster.namespace}/{resource}/{obj['metadata']['name']}"
        try:
            raw(cluster, "DELETE", path, query=[("gracePeriodSeconds", "0")])
        except ApiException as exc:
            if exc.status != 404:
                raise api_error(exc, verb="delete", resource=resource,
                                namespace=cluster.namespace, name=obj["metadata"]["name"]
                                ) from exc


def _stuck(pod: Pod, container: str) -> str:
    waiting = container_state(pod, container).get("waiting") or {}
    reason = str(waiting.get("reason", ""))
    return f"{reason}: {waiting.get('message', '')}" if reason in _STUCK else ""


def _started(container: str) -> Callable[[Pod], bool]:
    def done(pod: Pod) -> bool:
        state = container_state(pod, container)
        return bool("running" in state or "terminated" in state or finished(pod)
                    or _stuck(pod, container))
    return done


def _attach(cluster: Cluster, name: str, container: str) -> Any:
    """A WebSocket ``attach`` connection to the container's stdin (the client's own channel
    protocol, v5 with v4 fallback)."""
    query = [("container", container), ("stdin", "true"), ("stderr", "true")]
    _, url, headers, _, _ = cluster.api.param_serialize(
        "GET", f"/api/v1/namespaces/{cluster.namespace}/pods/{name}/attach",
        query_params=query, header_params={}, auth_settings=["BearerToken"])
    try:
        client: Any = ws_client
        return client.WSClient(cluster.api.configuration, client.get_websocket_url(url),
                               {k.lower(): v for k, v in headers.items()}, True, binary=True)
    except WebSocketException as exc:
        code = getattr(exc, "status_code", 0)
        raise api_error(ApiException(status=code, reason=str(exc)), verb="create",
                        resource="pods/attach", namespace=cluster.namespace,
                        name=name) from exc


def send_context(cluster: Cluster, name: str, container: str, data: bytes) -> None:
    """Write the context tar to the container's stdin through ``attach``, then close it."""
    socket = _attach(cluster, name, container)
    try:
        for start in range(0, len(data), CHUNK):
            socket.write_stdin(data[start:start + CHUNK])
        socket.close_channel(0)  # v5 protocol; with v4, stdinOnce closes it on disconnect
    finally:
        socket.close()


def digest_from(lines: list[str], destinations: tuple[str, ...]) -> str:
    """The pushed image by digest: the executor's RUNNER_EXT_BUILT_IMAGE line, or the
    engine's own log line naming the first destination's repository with a digest."""
    for line in reversed(lines):
        found = re.search(r"RUNNER_EXT_BUILT_IMAGE=(\S+@sha256:[0-9a-f]{64})", line)
        if found:
            return found.group(1)
    repository = re.escape(repository_of(destinations[0])) if destinations else r"\S+"
    pattern = re.compile(rf"({repository}(?::[\w.-]+)?@sha256:[0-9a-f]{{64}})")
    for line in reversed(lines):
        found = pattern.search(line)
        if found:
            return found.group(1)
    return ""


def _exit_code(pod: Pod, init: str) -> tuple[int, str]:
    """The build container's code, or the failed init container's when the build never
    started (a clone that failed, a context that did not unpack)."""
    state = container_state(pod, BUILD).get("terminated") or {}
    if state:
        return int(state.get("exitCode", 1)), str(state.get("reason", ""))
    before = container_state(pod, init).get("terminated") or {}
    if before.get("exitCode"):
        return int(before["exitCode"]), f"init container {init!r}: {before.get('reason', '')}"
    return 1, str((pod.get("status") or {}).get("reason", "") or "the build never ran")


def _run(cluster: Cluster, built: BuildObjects, context: str, request: PodRequest,
         echo: Callable[[str], None], deadline: float) -> Result:
    if built.stdin_container:
        pod = wait_for(cluster, built.name, _started(built.stdin_container), deadline)
        problem = _stuck(pod, built.stdin_container)
        if not problem and "running" in container_state(pod, built.stdin_container):
            send_context(cluster, built.name, built.stdin_container,
                         context_tar(Path(context)))
    pod = wait_for(cluster, built.name, _started(BUILD), deadline)
    problem = _stuck(pod, BUILD) or _stuck(pod, built.stdin_container or "clone")
    if problem:
        return Result(built.name, 1, reason=problem)
    result = Result(built.name, 0)

    def keep(line: str) -> None:
        result.lines.append(line)
        echo(line)

    state = container_state(pod, BUILD)
    if "running" in state or "terminated" in state:
        result.log_resumes = logs.follow(cluster, built.name, BUILD, keep).resumes
    pod = wait_for(cluster, built.name, lambda p: "terminated" in container_state(p, BUILD)
                   or finished(p), deadline)
    result.exit_code, result.reason = _exit_code(pod, built.stdin_container or "clone")
    result.digest = digest_from(result.lines, request.destinations) if not result.exit_code \
        else ""
    return result


def run_build(cluster: Cluster, config: OrgConfig, request: PodRequest,
              echo: Callable[[str], None], *, keep: bool = False) -> Result:
    """Run one build pod to its end; delete it afterwards (unless ``keep``) and on Ctrl-C."""
    if not is_git(request.context):
        context_tar(Path(request.context))  # refuse a bad directory before creating anything
    built = build_objects(config, request, cluster.namespace)
    deadline = time.monotonic() + config.kubernetes.active_deadline_seconds + 300
    _create(cluster, built)
    try:
        return _run(cluster, built, request.context, request, echo, deadline)
    except KeyboardInterrupt:
        delete(cluster, built)
        raise
    finally:
        if not keep:
            delete(cluster, built)


def describe(result: Result) -> dict[str, Any]:
    """JSON form of a result."""
    return {"pod": result.pod, "exit_code": result.exit_code, "digest": result.digest,
            "reason": result.reason, "log_resumes": result.log_resumes}

