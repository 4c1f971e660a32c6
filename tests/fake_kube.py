"""A small stateful fake of the Kubernetes API on 127.0.0.1, for driving the real client.

It answers what ``runner-ext cluster`` and ``runner-ext build`` ask, with the API's payload
shapes: ``/version``; namespaces, nodes, storage classes, ResourceQuotas, LimitRanges,
Secrets; SelfSubjectAccessReview; the Security Profiles Operator's SeccompProfile custom
objects; server-side apply (``application/apply-patch+yaml``) with ``managedFields``, field
ownership and 409 ``FieldManagerConflict`` causes, ``dryRun=All``; create/get/list (label
selectors)/delete of namespaced objects; pod watches (JSON lines ``{"type", "object"}``,
an ``ERROR`` event with a 410 ``Expired`` Status on demand); followed logs with
``timestamps``/``sinceTime`` (and a dropped connection on demand); ``attach`` over
WebSocket (``v5.channel.k8s.io``) receiving stdin. Errors are ``Status`` objects;
:attr:`FakeKube.forbid` turns chosen verbs into 403 Forbidden. Every request is recorded.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Obj = dict[str, Any]
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_VERBS = {"POST": "create", "PATCH": "patch", "DELETE": "delete", "PUT": "update"}
_GROUPS = {"api/v1": "", "apis/batch/v1": "batch", "apis/networking.k8s.io/v1": "networking.k8s.io"}
_KINDS = {"pods": "Pod", "configmaps": "ConfigMap", "secrets": "Secret", "jobs": "Job",
          "cronjobs": "CronJob", "networkpolicies": "NetworkPolicy",
          "persistentvolumeclaims": "PersistentVolumeClaim", "resourcequotas": "ResourceQuota",
          "limitranges": "LimitRange"}


def status(code: int, reason: str, message: str, details: Obj | None = None) -> Obj:
    """A ``Status`` object as the API server sends with errors."""
    found: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}
    if details:
        found["details"] = details
    return found


class Refused(Exception):
    """An API error: the Status to answer with."""

    def __init__(self, body: Obj) -> None:
        super().__init__(body["message"])
        self.body = body


def leaves(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Field path → value of every leaf (lists are atomic, as for ``x-kubernetes-list-type``
    atomic fields)."""
    if not isinstance(obj, dict) or not obj:
        return {prefix: obj}
    found: dict[str, Any] = {}
    for key, value in obj.items():
        found.update(leaves(value, f"{prefix}.{key}"))
    return found


def _fields_v1(paths: list[str]) -> Obj:
    root: Obj = {}
    for path in paths:
        node = root
        for part in path.strip(".").split("."):
            node = node.setdefault(f"f:{part}", {})
    return root


def _merge(base: Obj, patch: Obj) -> Obj:
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _select(obj: Obj, selector: str) -> bool:
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in filter(None, selector.split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


# --- pod states, as kubelet reports them ------------------------------------------------

def running(since: str = "2026-12-03T06:00:00Z") -> Obj:
    """``state`` of a running container."""
    return {"running": {"startedAt": since}}


def terminated(code: int, reason: str = "") -> Obj:
    """``state`` of a container that exited."""
    return {"terminated": {"exitCode": code, "reason": reason or ("Completed" if code == 0
                                                                  else "Error"),
                           "startedAt": "2026-12-03T06:00:00Z",
                           "finishedAt": "2026-12-03T06:00:09Z"}}


def waiting(reason: str, message: str = "") -> Obj:
    """``state`` of a container not started yet."""
    return {"waiting": {"reason": reason, "message": message}}


def pod_status(phase: str, build: Obj, init: tuple[str, Obj] | None = None) -> Obj:
    """A pod ``status`` with the build container's (and an init container's) state."""
    found: Obj = {"phase": phase, "containerStatuses": [
        {"name": "build", "state": build, "ready": "running" in build, "restartCount": 0,
         "image": "example", "imageID": "", "started": "running" in build}]}
    if init:
        found["initContainerStatuses"] = [
            {"name": init[0], "state": init[1], "ready": False, "restartCount": 0,
             "image": "example", "imageID": ""}]
    return found


@dataclass
class Stage:
    """One pod status the watch reports; ``after_stdin`` holds it back until the attached
    stdin has been closed."""

    status: Obj
    after_stdin: bool = False


@dataclass
class FakeKube:
    """The cluster's state and the fault knobs tests turn."""

    token: str = "fake-token-canary"
    version: str = "v1.33.1"
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=lambda: {"node-a": "v1.33.1"})
    storage_classes: list[Obj] = field(default_factory=list)
    objects: dict[tuple[str, str, str], Obj] = field(default_factory=dict)
    owners: dict[tuple[str, str, str], dict[str, set[str]]] = field(default_factory=dict)
    spo_installed: bool = True
    seccomp_profiles: list[Obj] = field(default_factory=list)
    denied: set[tuple[str, str]] = field(default_factory=set)  # SSAR (verb, resource[/sub])
    forbid: set[tuple[str, str]] = field(default_factory=set)  # (verb, resource) → 403
    stages: list[Stage] = field(default_factory=list)
    gone_once: bool = False
    log_lines: list[tuple[str, str]] = field(default_factory=list)
    drop_after: int | None = None
    hang_logs: bool = False
    final: Obj = field(default_factory=lambda: pod_status("Succeeded", terminated(0)))
    stdin: bytearray = field(default_factory=bytearray)
    stdin_closed: threading.Event = field(default_factory=threading.Event)
    log_requested: threading.Event = field(default_factory=threading.Event)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    watches: int = 0
    log_requests: list[dict[str, str]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    created: list[Obj] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _rv: int = 100
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- state set up by tests ---------------------------------------------------------
    def next_rv(self) -> str:
        """A fresh resourceVersion."""
        with self._lock:
            self._rv += 1
            return str(self._rv)

    def put(self, resource: str, obj: Obj, manager: str = "kubectl-client-side-apply") -> Obj:
        """Store an object as if ``manager`` had applied it."""
        meta = obj.setdefault("metadata", {})
        key = (resource, meta.get("namespace", ""), meta["name"])
        meta.update(uid=hashlib.sha1(repr(key).encode()).hexdigest()[:8] + "-uid",
                    resourceVersion=self.next_rv(), generation=1,
                    creationTimestamp="2026-12-03T05:00:00Z")
        self.objects[key] = obj
        self.owners[key] = {path: {manager} for path in leaves(self._applied_part(obj))}
        self._managed(key)
        return obj

    @staticmethod
    def _applied_part(obj: Obj) -> Obj:
        body = {k: v for k, v in obj.items() if k not in ("status", "apiVersion", "kind")}
        meta = {k: v for k, v in body.get("metadata", {}).items()
                if k in ("labels", "annotations")}
        return {**body, "metadata": meta}

    def _managed(self, key: tuple[str, str, str]) -> None:
        by_manager: dict[str, list[str]] = {}
        for path, managers in self.owners.get(key, {}).items():
            for manager in managers:
                by_manager.setdefault(manager, []).append(path)
        obj = self.objects[key]
        obj["metadata"]["managedFields"] = [
            {"manager": m, "operation": "Apply", "apiVersion": obj.get("apiVersion", "v1"),
             "time": "2026-12-03T06:00:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": _fields_v1(sorted(paths))}
            for m, paths in sorted(by_manager.items())]

    def pod(self, name: str, namespace: str) -> Obj | None:
        """A stored pod."""
        return self.objects.get(("pods", namespace, name))

    # --- handlers ------------------------------------------------------------------------
    def ssar(self, body: Obj) -> Obj:
        """Answer a SelfSubjectAccessReview from :attr:`denied`."""
        attrs = body["spec"]["resourceAttributes"]
        resource = attrs["resource"] + (f"/{attrs['subresource']}" if attrs.get("subresource")
                                        else "")
        allowed = (attrs["verb"], resource) not in self.denied
        return {**body, "status": {"allowed": allowed} if allowed else
                {"allowed": False, "reason": ""}}

    def forbidden(self, verb: str, resource: str, namespace: str, name: str, group: str
                  ) -> None:
        """Raise 403 when the test forbids ``verb`` on ``resource``."""
        if (verb, resource) not in self.forbid:
            return
        qualified = f"{resource}.{group}" if group else resource
        raise Refused(status(403, "Forbidden", (
            f'{qualified} "{name}" is forbidden: User "system:serviceaccount:ci:runner" cannot '
            f'{verb} resource "{resource}" in API group "{group}" in the namespace '
            f'"{namespace}"'), {"name": name, "group": group, "kind": resource}))

    def apply(self, key: tuple[str, str, str], body: Obj, query: dict[str, str]) -> Obj:
        """Server-side apply with ownership and conflicts."""
        manager = query.get("fieldManager")
        if not manager:
            raise Refused(status(400, "BadRequest", "PATCH /apply: fieldManager is required"))
        force = query.get("force") == "true"
        current = self.objects.get(key)
        owners = copy.deepcopy(self.owners.get(key, {}))
        applied = leaves(self._applied_part(body))
        have = leaves(self._applied_part(current)) if current else {}
        conflicts = [p for p, v in applied.items() if p in have and have[p] != v
                     and owners.get(p, set()) - {manager}]
        if conflicts and not force:
            causes = [{"reason": "FieldManagerConflict", "field": p,
                       "message": f'conflict with "{sorted(owners[p] - {manager})[0]}" '
                                  f'using {body.get("apiVersion", "v1")}'} for p in conflicts]
            text = "; ".join(f"{c['message']}: {c['field']}" for c in causes)
            raise Refused(status(409, "Conflict", f"Apply failed with {len(causes)} "
                                 f"conflict(s): {text}", {"causes": causes}))
        for path in applied:
            owners[path] = {manager} if path in conflicts else owners.get(path, set()) | {manager}
        merged = _merge(current or {}, body)
        meta = merged.setdefault("metadata", {})
        changed = current is None or leaves(self._applied_part(current)) != leaves(
            self._applied_part(merged))
        if current is None:
            meta.update(uid=f"{key[2]}-uid", generation=1,
                        creationTimestamp="2026-12-03T06:00:00Z")
        if query.get("dryRun") == "All":
            result = copy.deepcopy(merged)
            result["metadata"].setdefault("resourceVersion", "0")
            return result
        if changed:
            meta["resourceVersion"] = self.next_rv()
            meta["generation"] = int(meta.get("generation", 0)) + (current is not None)
        self.objects[key], self.owners[key] = merged, owners
        self._managed(key)
        return merged

    def advance(self, key: tuple[str, str, str], new_status: Obj) -> Obj:
        """Give a pod a new status (a kubelet update)."""
        pod = self.objects[key]
        pod["status"] = new_status
        pod["metadata"]["resourceVersion"] = self.next_rv()
        return copy.deepcopy(pod)


class Handler(BaseHTTPRequestHandler):
    """Routes requests to :class:`FakeKube`."""

    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    @property
    def kube(self) -> FakeKube:
        return self.server.kube

    def _send(self, code: int, body: Obj) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Obj:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        self.kube.requests.append((self.command, url.path, query))
        if self.headers.get("Authorization") != f"Bearer {self.kube.token}":
            self._send(401, status(401, "Unauthorized", "Unauthorized"))
            return
        try:
            answer = self._route(url.path, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading a stream: it may
            return
        except Refused as refused:
            self._send(refused.body["code"], refused.body)
            return
        if answer is not None:
            self._send(201 if self.command == "POST" else 200, answer)

    do_GET = do_POST = do_PATCH = do_DELETE = _dispatch

    def _route(self, path: str, query: dict[str, str]) -> Obj | None:
        k = self.kube
        if path == "/version":
            return {"major": "1", "minor": k.version.split(".")[1], "gitVersion": k.version,
                    "platform": "linux/amd64"}
        if path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            return k.ssar(self._body())
        if path == "/api/v1/nodes":
            return {"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": [
                {"metadata": {"name": n}, "status": {"nodeInfo": {"kubeletVersion": v}}}
                for n, v in sorted(k.nodes.items())]}
        if path == "/apis/storage.k8s.io/v1/storageclasses":
            return {"kind": "StorageClassList", "apiVersion": "storage.k8s.io/v1",
                    "metadata": {}, "items": k.storage_classes}
        found = re.match(r"^/api/v1/namespaces/([^/]+)$", path)
        if found:
            return self._namespace(found.group(1))
        found = re.match(r"^/apis/security-profiles-operator\.x-k8s\.io/v1beta1/namespaces/"
                         r"([^/]+)/seccompprofiles$", path)
        if found:
            if not k.spo_installed:
                raise Refused(status(404, "NotFound", "the server could not find the "
                                     "requested resource"))
            return {"apiVersion": "security-profiles-operator.x-k8s.io/v1beta1",
                    "kind": "SeccompProfileList", "metadata": {"resourceVersion": "1"},
                    "items": [p for p in k.seccomp_profiles
                              if p["metadata"]["namespace"] == found.group(1)]}
        found = re.match(r"^/(api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([a-z]+)"
                         r"(?:/([^/]+))?(?:/(log|attach))?$", path)
        if not found:
            raise Refused(status(404, "NotFound", "the server could not find the requested "
                                 "resource"))
        return self._namespaced(*found.groups(), query)

    def _namespace(self, name: str) -> Obj:
        if name not in self.kube.namespaces:
            raise Refused(status(404, "NotFound", f'namespaces "{name}" not found',
                                 {"name": name, "kind": "namespaces"}))
        return {"kind": "Namespace", "apiVersion": "v1", "metadata": {
            "name": name, "labels": {"kubernetes.io/metadata.name": name,
                                     **self.kube.namespaces[name]}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

    def _namespaced(self, prefix: str, ns: str, resource: str, name: str | None,
                    sub: str | None, query: dict[str, str]) -> Obj | None:
        k, group = self.kube, _GROUPS.get(prefix, prefix.split("/")[1])
        watch = query.get("watch") in ("true", "True", "1")
        verb = ("watch" if watch else "get" if name else "list") if self.command == "GET" \
            else _VERBS[self.command]
        k.forbidden(verb, resource, ns, name or "", group)
        if sub == "log":
            self._logs(ns, name or "", query)
            return None
        if sub == "attach":
            self._attach()
            return None
        if watch:
            self._watch(ns, query)
            return None
        key = (resource, ns, name or "")
        if self.command == "GET" and not name:
            items = [o for (r, n, _), o in sorted(k.objects.items())
                     if r == resource and n == ns and _select(o, query.get("labelSelector", ""))]
            return {"kind": f"{_KINDS.get(resource, resource)}List", "apiVersion": prefix[4:]
                    if prefix.startswith("apis/") else "v1",
                    "metadata": {"resourceVersion": str(k._rv)}, "items": items}
        if self.command == "POST":
            return self._create(resource, ns, self._body())
        if key not in k.objects and self.command != "PATCH":
            raise Refused(status(404, "NotFound", f'{resource} "{name}" not found',
                                 {"name": name, "kind": resource}))
        if self.command == "GET":
            return k.objects[key]
        if self.command == "DELETE":
            if query.get("dryRun") != "All":
                k.deleted.append((resource, name or ""))
                return k.objects.pop(key)
            return k.objects[key]
        if self.headers.get("Content-Type") != "application/apply-patch+yaml":
            raise Refused(status(415, "UnsupportedMediaType", "only apply patches here"))
        return k.apply(key, self._body(), query)

    def _create(self, resource: str, ns: str, body: Obj) -> Obj:
        name = body["metadata"]["name"]
        if (resource, ns, name) in self.kube.objects:
            raise Refused(status(409, "AlreadyExists", f'{resource} "{name}" already exists',
                                 {"name": name, "kind": resource}))
        self.kube.created.append(copy.deepcopy(body))
        if resource == "pods":
            body["status"] = {"phase": "Pending"}
        return self.kube.put(resource, body, "runner-ext")

    # --- streams -------------------------------------------------------------------------
    def _chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _event(self, kind: str, obj: Obj) -> None:
        self._chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")

    def _watch(self, ns: str, query: dict[str, str]) -> None:
        k = self.kube
        name = query.get("fieldSelector", "").removeprefix("metadata.name=")
        k.watches += 1
        self._chunked()
        key = ("pods", ns, name)
        first = k.gone_once
        k.gone_once = False
        while k.stages and key in k.objects:
            stage = k.stages[0]
            if stage.after_stdin and not k.stdin_closed.wait(5):
                break
            k.stages.pop(0)
            self._event("MODIFIED", k.advance(key, stage.status))
            if first:
                self._event("ERROR", status(410, "Expired", "too old resource version: "
                                            f"{query.get('resourceVersion')} ({k._rv})"))
                break
            time.sleep(0.02)
        else:
            time.sleep(0.2)  # nothing more happens: the watch times out
        self._end()

    def _logs(self, ns: str, name: str, query: dict[str, str]) -> None:
        k = self.kube
        k.log_requests.append(query)
        state = (k.pod(name, ns) or {}).get("status", {})
        if not any("running" in c["state"] or "terminated" in c["state"]
                   for c in state.get("containerStatuses", [])):
            raise Refused(status(400, "BadRequest", f'container "build" in pod "{name}" is '
                                 "waiting to start: PodInitializing"))
        since = query.get("sinceTime", "")
        lines = [(t, s) for t, s in k.log_lines if not since or t[:19] >= since[:19]]
        self._chunked()
        first = len(k.log_requests) == 1
        for number, (stamp, text) in enumerate(lines):
            if first and k.drop_after is not None and number == k.drop_after:
                self.connection.shutdown(socket.SHUT_RDWR)  # mid-stream, no last chunk
                self.close_connection = True
                return
            self._chunk(f"{stamp} {text}\n".encode())
        if k.hang_logs:
            k.log_requested.set()
            time.sleep(30)
        if query.get("follow") == "true" and ("pods", ns, name) in k.objects:
            k.advance(("pods", ns, name), k.final)
        self._end()

    def _attach(self) -> None:
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        offered = [p.strip() for p in self.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        chosen = "v5.channel.k8s.io" if "v5.channel.k8s.io" in offered else offered[0]
        self.wfile.write((
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {chosen}\r\n\r\n"
        ).encode())
        self.wfile.flush()
        self.close_connection = True
        for opcode, payload in self._frames():
            if opcode == 8:
                self.wfile.write(b"\x88\x02" + payload[:2])
                self.wfile.flush()
                break
            if payload[:1] == b"\x00":
                self.kube.stdin.extend(payload[1:])
            elif payload == b"\xff\x00":
                self.kube.stdin_closed.set()
        self.kube.stdin_closed.set()  # stdinOnce: the attach connection ended

    def _frames(self) -> Iterator[tuple[int, bytes]]:
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = self.rfile.read(length)
            yield opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class Server(ThreadingHTTPServer):
    """The HTTP server holding the fake."""

    daemon_threads = True

    def __init__(self, kube: FakeKube) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.kube = kube

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record the handler's exception instead of printing it."""
        import traceback

        self.kube.errors.append(traceback.format_exc())


def kubeconfig(path: Path, port: int, token: str, namespace: str = "gitlab-builds") -> Path:
    """A kubeconfig whose current context points at the fake."""
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "ci", "user": {"token": token}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "ci",
                                                  "namespace": namespace}}],
    }), encoding="utf-8")
    return path


@contextmanager
def serve(kube: FakeKube, directory: Path) -> Iterator[Path]:
    """Serve ``kube`` for the block; yields the kubeconfig file pointing at it."""
    server = Server(kube)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield kubeconfig(directory / "kubeconfig", server.server_address[1], kube.token)
    finally:
        server.shutdown()
        server.server_close()
