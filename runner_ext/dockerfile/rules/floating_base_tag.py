"""A base image without a tag, with `:latest`, or with another moving tag.

### What it does
Looks at every `FROM` that names an image (not `scratch`, not an earlier stage). The image
is fine when pinned by digest (`@sha256:…`) or tagged with a version (a tag containing a
digit, like `6.0` or `3.12-slim`). `FROM $BASE` is resolved through the `ARG` defaults
declared before the first `FROM`; an `ARG` without a default is left alone, because the
value then comes from the build's `--build-arg`.

### Why it matters
`:latest` (or no tag, which means `:latest`), `:lts` or `:stable` move under you: the same
commit builds a different image next week, and the layer cache is invalidated whenever the
tag moves, so the daemonless builders redo every step.

### Example
```dockerfile
FROM node
FROM python:latest
ARG BASE=debian
FROM $BASE
```

### Instead
```dockerfile
FROM node:20.11-bookworm-slim
FROM python:3.12-slim@sha256:<digest>
ARG BASE=debian:12.5
FROM $BASE
```

### Fix
None: which version to pin is the owner's decision.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXD109"
NAME = "floating-base-tag"
SEVERITY = Severity.WARNING


def check(subject: Subject) -> Iterator[Finding]:
    """Report base images that are not pinned to a version or digest."""
    for stage, image, via in subject.dockerfile.base_images():
        problem = floating(image)
        if problem:
            shown = f"{stage.base} (= {image} through ARG {via})" if via else image
            yield finding(ID, SEVERITY, subject, stage.from_instruction.start_line,
                          f"base image {shown} {problem}; pin a version tag or a digest")


def floating(image: str) -> str | None:
    """Why ``image`` floats (``None`` when it is pinned)."""
    if "@" in image:
        return None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return "has no tag, which means :latest"
    if tag == "latest":
        return "uses :latest"
    if not any(c.isdigit() for c in tag):
        return f"uses the moving tag :{tag}"
    return None
