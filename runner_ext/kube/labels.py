"""Names and labels shared by everything rendered for Kubernetes."""

from __future__ import annotations

import re

from runner_ext.errors import Category, Problem, RunnerExtError

CACHE_PVC = "runner-ext-kaniko-cache"
WARMER = "runner-ext-kaniko-warmer"
IMAGE_STORE_PVC = "runner-ext-buildah-image-store"
BUILDAH_WARMER = "runner-ext-buildah-warmer"
# app.kubernetes.io/component of each warmer's objects (what `cluster apply --prune` may delete).
WARMER_COMPONENTS = {"kaniko": "kaniko-cache", "buildah": "buildah-image-store"}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def labels(component: str, engine: str = "") -> dict[str, str]:
    """Recommended labels for an object we render."""
    found = {
        "app.kubernetes.io/name": "runner-ext",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "runner-ext",
    }
    if engine:
        found["runner-ext/engine"] = engine
    return found


def check_name(name: str, option: str = "--name") -> str:
    """A valid object name (DNS label), or a usage error naming the option."""
    if not _DNS_LABEL.match(name):
        raise RunnerExtError(Category.USAGE, Problem(
            "not a valid Kubernetes object name", key=option, value=repr(name),
            hint="use lower-case letters, digits and '-', at most 63 characters"))
    return name
