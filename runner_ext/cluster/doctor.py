"""``cluster doctor``: can build pods run in this namespace, and what to fix if not."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kubernetes.client.exceptions import ApiException

from runner_ext.cluster import resources
from runner_ext.cluster.access import check_rbac
from runner_ext.cluster.checks import Check, fail, ok, warn
from runner_ext.cluster.connect import (
    TRANSPORT_ERRORS,
    Cluster,
    raw,
    server_of,
    status_of,
    unreachable,
)
from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.kube.node_profiles import operator_name
from runner_ext.kube.profiles import engine_profile
from runner_ext.kube.pss import Level

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
SPO_GROUP = "security-profiles-operator.x-k8s.io"
USERNS_GA = (1, 33)  # UserNamespacesSupport on by default; beta behind the gate since 1.30
USERNS_BETA = (1, 30)


def server_version(cluster: Cluster) -> str:
    """The API server's version, or a configuration error when it does not answer."""
    try:
        return str(raw(cluster, "GET", "/version").get("gitVersion", ""))
    except (ApiException, *TRANSPORT_ERRORS) as exc:
        raise unreachable(exc, server_of(cluster)) from exc


def check_namespace(cluster: Cluster, config: OrgConfig, engine: Engine) -> Check:
    """The namespace exists and its Pod Security level admits the engine's pods."""
    ns = cluster.namespace
    try:
        found = raw(cluster, "GET", f"/api/v1/namespaces/{ns}")
    except ApiException as exc:
        if exc.status == 404:
            return fail("namespace", f"namespace {ns!r} does not exist",
                        f"kubectl create namespace {ns}")
        raise
    label = str((found.get("metadata", {}).get("labels") or {}).get(ENFORCE_LABEL, ""))
    enforce = Level(label) if label in {lv.value for lv in Level} else Level.privileged
    needs = engine_profile(config, engine).claimed
    if enforce.rank > needs.rank:
        return fail("namespace", f"namespace {ns!r} enforces Pod Security '{enforce.value}' but "
                    f"{engine} build pods meet '{needs.value}' at most",
                    f"kubectl label --overwrite namespace {ns} {ENFORCE_LABEL}={needs.value}"
                    " (or install the Localhost profiles: runner-ext render profiles)")
    if enforce.value != config.kubernetes.enforce:
        return warn("namespace", f"namespace {ns!r} enforces '{enforce.value}' "
                    f"({ENFORCE_LABEL}={label or 'unset'}); the config says "
                    f"'{config.kubernetes.enforce}'",
                    f"set kubernetes.enforce = \"{enforce.value}\" in runner-ext.toml so "
                    "renders are checked against what the namespace enforces")
    return ok("namespace", f"namespace {ns!r} enforces '{enforce.value}'; {engine} build "
              f"pods meet '{needs.value}'")


def check_registry_secret(cluster: Cluster, config: OrgConfig) -> Check:
    """The Secret build pods mount their registry credentials from."""
    name = config.kubernetes.registry_secret
    try:
        secret = raw(cluster, "GET", f"/api/v1/namespaces/{cluster.namespace}/secrets/{name}")
    except ApiException as exc:
        if exc.status == 404:
            return fail("registry-secret", f"Secret {name!r} is missing",
                        f"kubectl -n {cluster.namespace} create secret docker-registry "
                        f"{name} --docker-server=REGISTRY --docker-username=USER "
                        "--docker-password=TOKEN")
        if exc.status == 403:
            return warn("registry-secret", f"not allowed to read Secret {name!r}",
                        "grant get on secrets (see the rbac check)")
        raise
    kind = secret.get("type", "")
    if kind != "kubernetes.io/dockerconfigjson":
        return fail("registry-secret", f"Secret {name!r} has type {kind!r}",
                    "recreate it with kubectl create secret docker-registry")
    return ok("registry-secret", f"Secret {name!r} (kubernetes.io/dockerconfigjson) exists")


def _minor(version: str) -> tuple[int, int]:
    found = re.match(r"v?(\d+)\.(\d+)", version)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def check_user_namespaces(cluster: Cluster, config: OrgConfig) -> Check:
    """Nodes whose kubelet can give pods their own user namespace (hostUsers: false)."""
    try:
        nodes = raw(cluster, "GET", "/api/v1/nodes").get("items") or []
    except ApiException as exc:
        if exc.status != 403:
            raise
        return warn("user-namespaces", "not allowed to list nodes; kubelet versions unknown",
                    "run the doctor as a user who may list nodes, or ask the cluster admin")
    versions = {str(n["metadata"]["name"]): str(n["status"]["nodeInfo"]["kubeletVersion"])
                for n in nodes}
    old = sorted(n for n, v in versions.items() if _minor(v) < USERNS_BETA)
    gated = sorted(n for n, v in versions.items() if USERNS_BETA <= _minor(v) < USERNS_GA)
    if not config.kubernetes.user_namespaces:
        usable = len(versions) - len(old)
        return ok("user-namespaces", f"not used (kubernetes.user_namespaces = false); "
                  f"{usable} of {len(versions)} nodes have kubelet >= 1.30")
    if old:
        return fail("user-namespaces", f"kubelet older than 1.30 on {', '.join(old)}",
                    "upgrade those nodes, or set kubernetes.user_namespaces = false")
    if gated:
        return warn("user-namespaces", f"kubelet 1.30-1.32 on {', '.join(gated)}: user "
                    "namespaces need the UserNamespacesSupport feature gate",
                    "enable --feature-gates=UserNamespacesSupport=true on the kubelet and API "
                    "server, or upgrade to 1.33")
    return ok("user-namespaces", f"all {len(versions)} nodes run kubelet >= 1.33")


def _profiles(cluster: Cluster, version: str, plural: str) -> list[dict[str, Any]] | None:
    path = f"/apis/{SPO_GROUP}/{version}/namespaces/{cluster.namespace}/{plural}"
    try:
        answer = raw(cluster, "GET", path)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    return list(answer.get("items") or [])


def check_profiles(cluster: Cluster, config: OrgConfig, engine: Engine) -> Check:
    """The Security Profiles Operator's SeccompProfile rootless engines run under."""
    fix = ("runner-ext render profiles, apply them, and set "
           "kubernetes.seccomp_localhost_profile")
    if engine == "kaniko":
        return ok("profiles", "kaniko runs with RuntimeDefault seccomp; no profile needed")
    items = _profiles(cluster, "v1beta1", "seccompprofiles")
    if items is None:
        return warn("profiles", "the Security Profiles Operator (SeccompProfile) is not "
                    f"installed; {engine} pods run seccomp Unconfined", fix)
    name = operator_name(engine)
    mine = [i for i in items if (i.get("metadata") or {}).get("name") == name]
    if not mine:
        return warn("profiles", f"no SeccompProfile {name!r} in namespace "
                    f"{cluster.namespace!r}", fix)
    state = str((mine[0].get("status") or {}).get("status", ""))
    if state != "Installed":
        return warn("profiles", f"SeccompProfile {name!r} is {state or 'not ready'}, "
                    "not Installed", "kubectl describe seccompprofile " + name)
    if not config.kubernetes.seccomp_localhost_profile:
        return warn("profiles", f"SeccompProfile {name!r} is installed but unused",
                    "set kubernetes.seccomp_localhost_profile to its localhost path")
    return ok("profiles", f"SeccompProfile {name!r} is Installed")


def check_registry_reach() -> Check:
    """Reaching the registry from a pod is proven by a build, not by the doctor."""
    return warn("registry", "not checked from inside the cluster (egress, DNS, CA)",
                "runner-ext build a small context once: it pulls, pushes and prints the digest")


def run_checks(cluster: Cluster, config: OrgConfig, engine: Engine) -> tuple[str, list[Check]]:
    """The server version and every check's result, in a stable order."""
    version = server_version(cluster)
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("namespace", lambda: check_namespace(cluster, config, engine)),
        ("rbac", lambda: check_rbac(cluster)),
        ("registry-secret", lambda: check_registry_secret(cluster, config)),
        ("user-namespaces", lambda: check_user_namespaces(cluster, config)),
        ("profiles", lambda: check_profiles(cluster, config, engine)),
        ("storage", lambda: resources.check_storage(cluster, config)),
        ("quota", lambda: resources.check_quota(cluster, config)),
        ("limit-range", lambda: resources.check_limit_range(cluster, config)),
        ("registry", check_registry_reach),
    ]
    return version, [ok("api", f"{server_of(cluster)} answers, Kubernetes {version}"),
                     *(_guarded(cluster, check_id, step) for check_id, step in steps)]


def _guarded(cluster: Cluster, check_id: str, step: Callable[[], Check]) -> Check:
    """A check the API would not let us make is a warning naming the refusal."""
    try:
        return step()
    except ApiException as exc:
        refused = str(status_of(exc).get("message") or exc.reason)
        return warn(check_id, f"could not check: HTTP {exc.status} {refused}",
                    "run the doctor as a user who may read it, or ask the cluster admin")
