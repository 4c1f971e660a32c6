"""The objects of one ``runner-ext build``: the pod renderer's output, fed a local directory.

A git context renders exactly as ``render pod`` does. A local directory travels as a gzipped
tar on the pod's stdin (``kubectl run -i`` style, ``stdinOnce``): BuildKit and Buildah
pods get it through their init container, which unpacks it into the workspace instead of
cloning; Kaniko reads it itself with ``--context=tar://stdin``.
"""

from __future__ import annotations

import io
import secrets
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner_ext.cluster.apply import parse
from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.pod import PodRequest, render_pod

# Renders the pod before its context is swapped for stdin; never reaches the cluster.
PLACEHOLDER = "git://context.invalid/local.git"
RECEIVER = "context"


@dataclass(frozen=True)
class BuildObjects:
    """What to create, and which container reads the context on stdin (if any)."""

    name: str
    objects: list[dict[str, Any]]
    stdin_container: str = ""

    @property
    def pod(self) -> dict[str, Any]:
        """The build pod."""
        return next(o for o in self.objects if o["kind"] == "Pod")


def is_git(context: str) -> bool:
    """Whether ``context`` names a git repository rather than a local directory."""
    return context.startswith("git://")


def unique_name(engine: Engine) -> str:
    """A fresh pod name: builds may run side by side."""
    return f"runner-ext-build-{engine}-{secrets.token_hex(3)}"


def _to_stdin(container: dict[str, Any]) -> None:
    container["stdin"] = True
    container["stdinOnce"] = True


def _receive_in_init(pod: dict[str, Any]) -> str:
    init = pod["spec"]["initContainers"][0]
    init.update(name=RECEIVER, command=["tar", "-xzf", "-", "-C", "/workspace"])
    init.pop("args", None)
    _to_stdin(init)
    return RECEIVER


def _receive_in_kaniko(pod: dict[str, Any]) -> str:
    build = pod["spec"]["containers"][0]
    args = build.get("args") or []
    found = [i for i, arg in enumerate(args) if arg == f"--context={PLACEHOLDER}"]
    if len(found) != 1:
        raise RunnerExtError(Category.TEMPLATE, Problem(
            "the Kaniko build pod has no --context argument to replace"))
    args[found[0]] = "--context=tar://stdin"
    _to_stdin(build)
    return str(build["name"])


def build_objects(config: OrgConfig, request: PodRequest, namespace: str) -> BuildObjects:
    """The ConfigMap, Pod and NetworkPolicy of one build, the pod reading a local context
    on stdin when the context is a directory."""
    local = not is_git(request.context)
    rendered = render_pod(config, PodRequest(**{
        **request.__dict__, "context": PLACEHOLDER if local else request.context}))
    objects = parse(rendered.files, namespace)
    built = BuildObjects(request.name, objects)
    if not local:
        return built
    pod = built.pod
    receiver = _receive_in_kaniko(pod) if request.engine == "kaniko" else _receive_in_init(pod)
    if PLACEHOLDER in repr(objects):
        raise RunnerExtError(Category.TEMPLATE, Problem(
            "the build pod still names the placeholder context"))
    return BuildObjects(request.name, objects, receiver)


def context_tar(directory: Path) -> bytes:
    """The directory as a gzipped tar, paths relative to it, owners dropped."""
    if not directory.is_dir():
        raise RunnerExtError(Category.USAGE, Problem(
            "not a directory or git context", key="CONTEXT", value=str(directory),
            hint="give a local directory or git://HOST/PATH.git#REF"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(directory)))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            elif info.isdir() or info.issym():
                tar.addfile(info)
    return buffer.getvalue()
