"""``render pod``: a standalone build Pod (or Job) running the planner's command line.

Registry auth and the engine's config files reach the build container through one
read-only projected volume at the engine's work dir: the registry Secret's
``.dockerconfigjson`` as ``config.json``, and a ConfigMap with the plan's files (and the
org CA). Nothing secret is written into the manifest; nothing goes through environment
variables except the planner's (non-secret) settings.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.assess import assess
from runner_ext.kube.gitctx import GitContext, parse_git_context
from runner_ext.kube.labels import check_name, labels
from runner_ext.kube.profiles import EngineProfile, engine_profile
from runner_ext.kube.pss import Level
from runner_ext.kube.warm_store import mounted_store
from runner_ext.planner import BuildPlan, plan
from runner_ext.planner.engines import CA_COPY
from runner_ext.planner.from_config import WORK_DIRS, spec_from_config
from runner_ext.render.environment import render

WORKSPACE = "/workspace"
CLONE_SCRIPT = (
    'set -eu\ncd /workspace\ngit init -q .\ngit remote add origin "$1"\n'
    'git fetch -q --depth 1 origin "$2"\ngit checkout -q FETCH_HEAD\n'
)


@dataclass(frozen=True)
class PodRequest:
    """One build to render as a pod."""

    engine: Engine
    context: str
    destinations: tuple[str, ...]
    dockerfile: str = "Dockerfile"
    target: str = ""
    build_args: tuple[str, ...] = ()
    name: str = ""
    kind: Literal["pod", "job"] = "pod"
    ca_pem: str | None = None


@dataclass(frozen=True)
class Rendered:
    """Files keyed by path under the output directory, and the level their pods meet."""

    files: dict[str, str]
    level: Level


def ca_path(engine: Engine) -> str:
    """Where build and warmer pods find the org CA: inside the engine's (projected) work dir."""
    return f"{WORK_DIRS[engine]}{CA_COPY}"


def require_ca_pem(config: OrgConfig, ca_pem: str | None, what: str) -> str | None:
    """The PEM a pod outside CI carries when ``registry.ca_file`` is set (None when it is
    not); refused when missing, since the config names a path or variable of the CI job."""
    if not config.registry.ca_file:
        return None
    if ca_pem is None:
        raise RunnerExtError(Category.CONFIG, Problem(
            f"{what} needs the CA certificate itself, not a path or variable of the CI job",
            key="registry.ca_file", value=repr(config.registry.ca_file),
            hint="pass the PEM file with --ca-file"))
    return ca_pem


def _with_ca(config: OrgConfig, engine: Engine, ca_pem: str | None) -> OrgConfig:
    """The config with the CA moved to where the pod projects it."""
    if require_ca_pem(config, ca_pem, "a standalone build pod") is None:
        return config
    registry = config.registry.model_copy(update={"ca_file": ca_path(engine)})
    return config.model_copy(update={"registry": registry})


def _relative(path: str, work_dir: str) -> str:
    prefix = work_dir.rstrip("/") + "/"
    if not path.startswith(prefix):
        raise RunnerExtError(Category.TEMPLATE, Problem(
            f"plan file {path} lies outside the work dir {work_dir}"))
    return path[len(prefix):]


def _files(built: BuildPlan, engine: Engine, ca_pem: str | None
           ) -> list[tuple[str, str, str]]:
    """(ConfigMap key, path in the work dir, content) for every file the plan reads."""
    contents = dict(built.file_contents())
    if ca_pem is not None:
        contents[ca_path(engine)] = ca_pem
    for target, source in built.file_copies().items():
        if source != ca_path(engine):  # the planner copies only the org CA
            raise RunnerExtError(Category.TEMPLATE, Problem(f"unexpected plan copy {source}"))
        contents[target] = contents[source]
    found = []
    for path, content in sorted(contents.items()):
        relative = _relative(path, WORK_DIRS[engine])
        found.append((re.sub(r"[^-._a-zA-Z0-9]", "_", relative), relative, content))
    return found


def sh_script(steps: list[list[str]], *prelude: str) -> str:
    """A ``sh -c`` script running ``steps`` in order, stopping at the first failure; each
    word quoted by :func:`shlex.join`. ``prelude`` lines (written by us, never from config)
    come first."""
    return "".join(f"{line}\n" for line in ("set -e", *prelude)) + \
        "".join(shlex.join(argv) + "\n" for argv in steps)


def _command(built: BuildPlan) -> tuple[list[str], list[str]]:
    """Exec form for one step; several steps run in order by ``sh -c``."""
    steps = built.argv()
    if len(steps) == 1:
        return steps[0][:1], steps[0][1:]
    return ["/bin/sh", "-c"], [sh_script(steps)]


def _plan(config: OrgConfig, request: PodRequest, git: GitContext) -> BuildPlan:
    engine = request.engine
    spec = spec_from_config(
        _with_ca(config, engine, request.ca_pem), engine,
        context=git.url if engine == "kaniko" else ".", destinations=request.destinations,
        dockerfile=request.dockerfile, target=request.target,
        build_args=request.build_args, work_dir=WORK_DIRS[engine],
    )
    return plan(spec, engine)


def _context(config: OrgConfig, request: PodRequest, profile: EngineProfile,
             git: GitContext, built: BuildPlan) -> dict[str, Any]:
    engine, work_dir = request.engine, WORK_DIRS[request.engine]
    name = check_name(request.name or f"runner-ext-build-{engine}")
    command, args = _command(built)
    cloned = engine != "kaniko"
    return {
        "name": name, "kind": request.kind, "engine": engine, "summary": profile.summary,
        "k": config.kubernetes, "profile": profile, "labels": labels("build", engine),
        "image": config.image_for(engine).reference, "command": command, "args": args,
        "env": list(built.environment().items()),
        "working_dir": WORKSPACE if cloned else "", "work_dir": work_dir,
        "registry_secret": config.kubernetes.registry_secret,
        "auth_path": _relative(built.auth_file.literal or "", work_dir),
        "configmap": f"{name}-files", "policy": f"runner-ext-build-{engine}-no-ingress",
        "files": _files(built, engine, request.ca_pem if config.registry.ca_file else None),
        "clone": {"image": config.kubernetes.git_image, "script": CLONE_SCRIPT,
                  "url": git.https_url, "fetch": git.fetch} if cloned else None,
        "cache": mounted_store(config, engine),
    }


def render_pod(config: OrgConfig, request: PodRequest) -> Rendered:
    """The build's manifest, checked against the claimed and the enforced Pod Security level."""
    git = parse_git_context(request.context)
    profile = engine_profile(config, request.engine)
    built = _plan(config, request, git)
    context = _context(config, request, profile, git, built)
    context["podspec"] = render("kubernetes/_build-podspec.yml.j2", context)
    context["level"] = profile.claimed.value
    path = f"{context['name']}.yaml"
    text = render("kubernetes/build.yml.j2", context)
    level = assess(text, path, what=f"{request.engine} build pods", claimed=profile.claimed,
                   enforce=Level(config.kubernetes.enforce),
                   namespace=config.kubernetes.namespace, reasons=profile.reasons)
    return Rendered({path: text}, level)
