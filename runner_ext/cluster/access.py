"""What the build pods' user may do: SelfSubjectAccessReview for each verb the runner needs.

The list follows GitLab Runner's Kubernetes executor documentation ("Configure runner API
permissions"); ``runner-ext build`` needs a subset of it (pods, pods/attach, pods/log,
configmaps).
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.cluster.checks import Check, fail, ok, warn
from runner_ext.cluster.connect import Cluster, raw


@dataclass(frozen=True)
class Need:
    """One permission: ``verb`` on ``resource[/subresource]``; optional ones only warn."""

    verb: str
    resource: str
    subresource: str = ""
    optional: bool = False

    @property
    def name(self) -> str:
        """``resource/subresource`` as RBAC rules spell it."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


def _needs() -> list[Need]:
    found = [Need(v, "pods") for v in ("create", "get", "list", "watch", "delete")]
    found += [Need(v, "pods", "attach") for v in ("create", "get")]
    found += [Need(v, "pods", "exec") for v in ("create", "get")]
    found += [Need(v, "pods", "log") for v in ("get", "list")]
    found += [Need(v, "secrets") for v in ("create", "get", "update", "delete")]
    found += [Need(v, "configmaps") for v in ("create", "get", "update", "delete")]
    found += [Need(v, "events", optional=True) for v in ("list", "watch")]
    return found


NEEDS = _needs()


def allowed(cluster: Cluster, need: Need) -> bool:
    """Ask the API server whether the current user may do ``need`` in our namespace."""
    attributes = {"namespace": cluster.namespace, "verb": need.verb, "resource": need.resource}
    if need.subresource:
        attributes["subresource"] = need.subresource
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": attributes}}
    answer = raw(cluster, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                 body=review)
    return bool((answer.get("status") or {}).get("allowed"))


def _grant(cluster: Cluster, missing: list[Need]) -> str:
    verbs = ",".join(sorted({n.verb for n in missing}))
    resources = ",".join(dict.fromkeys(n.name for n in missing))
    return (f"kubectl -n {cluster.namespace} create role runner-ext-builds --verb={verbs} "
            f"--resource={resources} and bind it (kubectl create rolebinding) to the "
            "runner's identity")


def check_rbac(cluster: Cluster) -> Check:
    """Every permission GitLab Runner's Kubernetes executor and ``build`` need."""
    missing = [need for need in NEEDS if not allowed(cluster, need)]
    required = [n for n in missing if not n.optional]
    listed = ", ".join(f"{n.verb} {n.name}" for n in missing)
    if required:
        return fail("rbac", f"missing in namespace {cluster.namespace!r}: {listed}",
                    _grant(cluster, missing))
    if missing:
        return warn("rbac", f"missing (only pod events in job logs need them): {listed}",
                    _grant(cluster, missing))
    return ok("rbac", f"all {len(NEEDS)} permissions the runner needs are granted")
