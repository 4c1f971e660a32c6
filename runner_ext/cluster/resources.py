"""Storage, ResourceQuota and LimitRange: would the cluster admit what we create?"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kubernetes.utils.quantity import parse_quantity

from runner_ext.cluster.checks import Check, fail, ok
from runner_ext.cluster.connect import Cluster, raw
from runner_ext.config.model import OrgConfig

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
# ResourceQuota key → (config key under kubernetes.resources, what one build pod asks).
_QUOTA_KEYS = {
    "requests.cpu": "cpu_request", "cpu": "cpu_request", "limits.cpu": "cpu_limit",
    "requests.memory": "memory_request", "memory": "memory_request",
    "limits.memory": "memory_limit",
    "requests.ephemeral-storage": "ephemeral_storage_request",
    "ephemeral-storage": "ephemeral_storage_request",
    "limits.ephemeral-storage": "ephemeral_storage_limit",
}
_RESOURCES = {"cpu": "cpu", "memory": "memory", "ephemeral-storage": "ephemeral_storage"}


def _asks(config: OrgConfig, key: str) -> str:
    return str(getattr(config.kubernetes.resources, key))


def check_storage(cluster: Cluster, config: OrgConfig) -> Check:
    """The storage class of the Kaniko warmer's cache PVC."""
    if not config.warmer.images:
        return ok("storage", "no warmer cache configured ([warmer].images is empty)")
    classes = raw(cluster, "GET", "/apis/storage.k8s.io/v1/storageclasses").get("items") or []
    names = sorted(str(c["metadata"]["name"]) for c in classes)
    wanted = config.warmer.storage_class
    if wanted:
        if wanted not in names:
            return fail("storage", f"storage class {wanted!r} does not exist (there are: "
                        f"{', '.join(names) or 'none'})", "set warmer.storage_class to one "
                        "of them")
        return ok("storage", f"storage class {wanted!r} exists; it must offer ReadWriteMany")
    default = [c["metadata"]["name"] for c in classes
               if (c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"]
    if not default:
        return fail("storage", "no default storage class for the warmer's cache PVC",
                    "set warmer.storage_class to a class offering ReadWriteMany")
    return ok("storage", f"default storage class {default[0]!r}; it must offer ReadWriteMany")


def _amount(text: str) -> Decimal:
    return Decimal(parse_quantity(text))  # type: ignore[no-untyped-call]


def _quota_problem(config: OrgConfig, quota: dict[str, Any]) -> tuple[str, str, str] | None:
    """(message, quota key, config setting) of the first key with too little left."""
    status = quota.get("status") or {}
    hard = status.get("hard") or (quota.get("spec") or {}).get("hard") or {}
    used = status.get("used") or {}
    name = quota["metadata"]["name"]
    for key, setting in _QUOTA_KEYS.items():
        if key not in hard:
            continue
        left = _amount(hard[key]) - _amount(used.get(key, "0"))
        if _amount(_asks(config, setting)) > left:
            return (f"ResourceQuota {name!r} leaves {left} of {key} (hard "
                    f"{hard[key]}, used {used.get(key, '0')}) but a build pod asks for "
                    f"{_asks(config, setting)} (kubernetes.resources.{setting})", key, setting)
    if "pods" in hard and _amount(hard["pods"]) - _amount(used.get("pods", "0")) < 1:
        return f"ResourceQuota {name!r} allows no more pods", "pods", ""
    return None


def check_quota(cluster: Cluster, config: OrgConfig) -> Check:
    """A ResourceQuota with too little left for one build pod rejects it at creation."""
    path = f"/api/v1/namespaces/{cluster.namespace}/resourcequotas"
    quotas = raw(cluster, "GET", path).get("items") or []
    for quota in quotas:
        found = _quota_problem(config, quota)
        if found:
            message, key, setting = found
            lower = f" or lower kubernetes.resources.{setting}" if setting else ""
            return fail("quota", message, f"kubectl -n {cluster.namespace} edit resourcequota "
                        f"{quota['metadata']['name']} to raise {key}{lower}")
    return ok("quota", f"{len(quotas)} ResourceQuota(s) leave room for a build pod")


def _range_problem(config: OrgConfig, item: dict[str, Any]) -> tuple[str, str]:
    for resource, setting in _RESOURCES.items():
        limit = _amount(_asks(config, f"{setting}_limit"))
        request = _amount(_asks(config, f"{setting}_request"))
        high = (item.get("max") or {}).get(resource)
        low = (item.get("min") or {}).get(resource)
        if high is not None and limit > _amount(high):
            return (f"max {resource} {high} per {item['type']} is below the build pods' limit "
                    f"{_asks(config, setting + '_limit')}", f"{setting}_limit")
        if low is not None and request < _amount(low):
            return (f"min {resource} {low} per {item['type']} is above the build pods' request "
                    f"{_asks(config, setting + '_request')}", f"{setting}_request")
    return "", ""


def check_limit_range(cluster: Cluster, config: OrgConfig) -> Check:
    """A LimitRange whose min/max excludes the configured requests and limits."""
    path = f"/api/v1/namespaces/{cluster.namespace}/limitranges"
    ranges = raw(cluster, "GET", path).get("items") or []
    for limit_range in ranges:
        for item in (limit_range.get("spec") or {}).get("limits") or []:
            if item.get("type") not in ("Container", "Pod"):
                continue
            message, setting = _range_problem(config, item)
            if message:
                return fail("limit-range", f"LimitRange {limit_range['metadata']['name']!r}: "
                            f"{message}", f"change kubernetes.resources.{setting} in "
                            "runner-ext.toml to fit, or the LimitRange")
    return ok("limit-range", f"{len(ranges)} LimitRange(s) admit the build pods' resources")
