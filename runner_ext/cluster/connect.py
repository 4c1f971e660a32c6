"""Reach a cluster from a kubeconfig, and turn API errors into messages a person can act on."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.watch.watch import iter_resp_lines
from urllib3.exceptions import HTTPError
from websocket import WebSocketException

from runner_ext.errors import Category, Problem, RunnerExtError

FIELD_MANAGER = "runner-ext"


@dataclass(frozen=True)
class Target:
    """Which cluster and namespace a command talks to."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str = ""


@dataclass(frozen=True)
class Cluster:
    """A connected API client and the namespace we work in."""

    api: client.ApiClient
    namespace: str


def connect(target: Target, default_namespace: str) -> Cluster:
    """An API client from the kubeconfig (``$KUBECONFIG`` or ~/.kube/config by default)."""
    configuration = client.Configuration()
    # $KUBECONFIG as it is now (the client reads it once, when first imported)
    chosen = str(target.kubeconfig) if target.kubeconfig else os.environ.get("KUBECONFIG")
    try:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=chosen or None,
            context=target.context, client_configuration=configuration)
    except (ConfigException, OSError, TypeError, ValueError) as exc:
        where = str(target.kubeconfig) if target.kubeconfig else "$KUBECONFIG or ~/.kube/config"
        raise RunnerExtError(Category.CONFIG, Problem(
            f"cannot load the kubeconfig: {exc}", file=where,
            hint="pass --kubeconfig FILE (and --context NAME) for the cluster to use")) from exc
    return Cluster(client.ApiClient(configuration), target.namespace or default_namespace)


def unreachable(exc: Exception, server: str) -> RunnerExtError:
    """The API server did not answer at all."""
    return RunnerExtError(Category.CONFIG, Problem(
        f"the Kubernetes API at {server} does not answer: {exc}",
        hint="check the kubeconfig's server and context (kubectl cluster-info)"))


def server_of(cluster: Cluster) -> str:
    """The API server URL, for messages."""
    return str(cluster.api.configuration.host)


def status_of(exc: ApiException) -> dict[str, Any]:
    """The Status object the API server sent with an error, or an empty dict."""
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def api_error(exc: ApiException, *, verb: str, resource: str, namespace: str,
              name: str = "") -> RunnerExtError:
    """An API error as one actionable problem: 403 names verb, resource and namespace;
    409 names the conflicting fields and their managers."""
    status = status_of(exc)
    message = str(status.get("message") or exc.reason or "")
    what = f"{resource}/{name}" if name else resource
    if exc.status == 403:
        return RunnerExtError(Category.KUBERNETES, Problem(
            f"forbidden: cannot {verb} {resource} in namespace {namespace!r}", key=what,
            hint=f"grant the verb '{verb}' on '{resource}' in {namespace!r} to this user "
                 f"(kubectl auth can-i {verb} {resource} -n {namespace})"))
    if exc.status == 409:
        return conflict_error(status, what, message)
    return RunnerExtError(Category.KUBERNETES, Problem(
        f"{verb} {what} in namespace {namespace!r} failed: HTTP {exc.status} {message}"))


def conflict_error(status: dict[str, Any], what: str, message: str) -> RunnerExtError:
    """A server-side apply conflict: one problem per field, naming who owns it."""
    causes = (status.get("details") or {}).get("causes") or []
    problems = [Problem(
        f"field {cause.get('field', '?')} is owned by another manager: "
        f"{cause.get('message', '')}", key=what,
        hint="let that manager give the field up, or take it with --force-conflicts")
        for cause in causes if cause.get("reason") == "FieldManagerConflict"]
    return RunnerExtError(Category.KUBERNETES, problems or Problem(
        f"conflict: {message}", key=what))


TRANSPORT_ERRORS = (HTTPError, OSError)


@contextmanager
def answering(cluster: Cluster) -> Iterator[None]:
    """Turn "the API server went away" into a configuration error naming the server."""
    try:
        yield
    except (HTTPError, ConnectionError, WebSocketException) as exc:
        raise unreachable(exc, server_of(cluster)) from exc


def raw(cluster: Cluster, method: str, path: str, *, query: list[tuple[str, str]] | None = None,
        body: object = None, content_type: str = "application/json") -> dict[str, Any]:
    """One request to any API path, answered as the decoded JSON object.

    For the kinds the typed client has no single method for (server-side apply on any
    kind, listing by kind); raises :class:`ApiException` on an HTTP error, like the
    typed methods.
    """
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = content_type
    serialized = cluster.api.param_serialize(
        method, path, query_params=query or [], header_params=headers, body=body,
        auth_settings=["BearerToken"])
    response = cluster.api.call_api(*serialized)
    response.read()  # type: ignore[no-untyped-call]
    text = (response.data or b"").decode("utf-8", "replace")
    if not 200 <= response.status <= 299:
        raise ApiException.from_response(http_resp=response, body=text, data=None)
    answer = json.loads(text or "{}")
    return answer if isinstance(answer, dict) else {}


def stream_lines(cluster: Cluster, path: str, query: list[tuple[str, str]],
                 timeout: float | None = None) -> Iterator[str]:
    """The lines of a streamed answer (watch events, followed logs) as they arrive."""
    serialized = cluster.api.param_serialize(
        "GET", path, query_params=query, header_params={"Accept": "*/*"},
        auth_settings=["BearerToken"])
    response = cluster.api.call_api(*serialized, _request_timeout=timeout)
    if not 200 <= response.status <= 299:
        response.read()  # type: ignore[no-untyped-call]
        text = (response.data or b"").decode("utf-8", "replace")
        raise ApiException.from_response(http_resp=response, body=text, data=None)
    try:
        yield from iter_resp_lines(response.response)  # type: ignore[no-untyped-call]
    finally:
        response.response.close()  # stopped early, the rest must not reach the next request
        response.response.release_conn()
