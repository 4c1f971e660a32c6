"""The floor of a rebuild: pushing only what changed, straight through the registry API.

A rebuild after a small change cannot beat uploading its new layers and its manifest. This
module times exactly that against the running registry: the layers that the rebuilt image
does not share with the previous one, its config blob, and the manifest ``PUT`` — into a new
repository whose unchanged layers were cross-repository mounted first (untimed), so the
registry accepts the manifest. Plain ``requests`` calls, monolithic blob uploads.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from runner_ext.lab.registry import MANIFEST_TYPES, Registry


@dataclass(frozen=True)
class Floor:
    """Seconds to push the changed layers + config + manifest, and how many bytes that was;
    ``repository`` is where they went."""

    seconds: float
    repository: str
    changed_layers: int
    changed_bytes: int


def _verify(registry: Registry) -> str | bool:
    return str(registry.tls.ca_file) if registry.tls else True


def _call(registry: Registry, method: str, url: str, **kwargs: Any) -> requests.Response:
    done = registry.http.request(method, urljoin(registry.base, url), timeout=300,
                                 verify=_verify(registry), **kwargs)
    if done.status_code >= 300:
        raise RuntimeError(f"registry {method} {url}: HTTP {done.status_code} {done.text[:200]}")
    return done


def _upload(registry: Registry, repo: str, digest: str, data: bytes) -> None:
    started = _call(registry, "POST", f"/v2/{repo}/blobs/uploads/")
    location = started.headers["Location"]
    separator = "&" if "?" in location else "?"
    _call(registry, "PUT", f"{location}{separator}digest={digest}", data=data,
          headers={"Content-Type": "application/octet-stream"})


def _mount(registry: Registry, repo: str, digest: str, source: str) -> None:
    _call(registry, "POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={source}")


def push_floor(registry: Registry, name: str, tag: str, previous_tag: str) -> Floor:
    """Time pushing ``name:tag``'s layers not in ``name:previous_tag``, config and manifest."""
    raw = registry.get(f"{name}/manifests/{tag}", Accept=MANIFEST_TYPES)
    raw.raise_for_status()
    manifest = raw.json()
    old = set(registry.layers(name, previous_tag))
    changed = [layer for layer in manifest["layers"] if layer["digest"] not in old]
    target = f"floor/{name.replace('/', '-')}-{uuid.uuid4().hex[:8]}"
    for layer in manifest["layers"]:
        if layer["digest"] in old:
            _mount(registry, target, layer["digest"], name)
    blobs = [(layer["digest"], registry.blob(name, layer["digest"])) for layer in changed]
    config = manifest["config"]["digest"]
    blobs.append((config, registry.blob(name, config)))
    start = time.monotonic()
    for digest, data in blobs:
        _upload(registry, target, digest, data)
    _call(registry, "PUT", f"/v2/{target}/manifests/{tag}", data=raw.content,
          headers={"Content-Type": manifest.get("mediaType") or raw.headers["Content-Type"]})
    seconds = time.monotonic() - start
    return Floor(seconds, target, len(changed), sum(len(data) for _, data in blobs[:-1]))
