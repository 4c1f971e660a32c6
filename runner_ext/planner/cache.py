"""Deriving a cache repository from an image reference."""

from __future__ import annotations

from runner_ext.errors import plan_error


def repository_of(reference: str) -> str:
    """``host:5000/group/app:1.0@sha256:…`` → ``host:5000/group/app`` (tag and digest dropped)."""
    name = reference.split("@", 1)[0]
    head, slash, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    if not last:
        raise plan_error("not an image reference", value=reference)
    return f"{head}{slash}{last}"


def cache_repo_for(reference: str, template: str) -> str:
    """The cache repository for an image, from a template such as ``{image}/cache``."""
    return template.replace("{image}", repository_of(reference))
