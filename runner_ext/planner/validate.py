"""Contradictions and hazards the planner refuses before producing a plan."""

from __future__ import annotations

from runner_ext.errors import plan_error
from runner_ext.planner.secrets import looks_secret
from runner_ext.planner.spec import BuildSpec
from runner_ext.planner.words import Var

_KANIKO_SNAPSHOT_MODES = ("full", "redo", "time")


def validate(spec: BuildSpec, engine: str) -> None:
    """Raise a plan error for a spec no engine should build as asked."""
    if not isinstance(spec.destinations, Var) and not spec.destinations:
        raise plan_error("no destination to push to", hint="give at least one image reference")
    if spec.cache is True and spec.kaniko.single_snapshot and engine == "kaniko":
        raise plan_error(
            "single snapshot and the layer cache exclude each other: with --single-snapshot "
            "Kaniko caches no intermediate layers",
            hint="turn the cache off for this build, or drop single_snapshot",
        )
    if spec.kaniko.snapshot_mode not in _KANIKO_SNAPSHOT_MODES:
        raise plan_error("unknown Kaniko snapshot mode", value=spec.kaniko.snapshot_mode,
                         hint=f"use one of {', '.join(_KANIKO_SNAPSHOT_MODES)}")
    _check_platform(spec, engine)
    _check_build_args(spec)


def _check_platform(spec: BuildSpec, engine: str) -> None:
    if isinstance(spec.platform, Var) or "," not in spec.platform:
        return
    if engine in ("kaniko", "buildah"):
        raise plan_error(
            f"{engine} builds one platform per run and cannot emulate others",
            value=spec.platform,
            hint="build each platform in its own job on a node of that architecture and "
            "join the results with a manifest list, or use the buildkit engine",
        )


def _check_build_args(spec: BuildSpec) -> None:
    if isinstance(spec.build_args, Var):
        return  # checked by the generated shell when the job runs
    for arg in spec.build_args:
        name, sep, _ = arg.partition("=")
        if not sep:
            raise plan_error("a build arg must be NAME=value", value=name)
        if looks_secret(name) and name not in spec.allow_secret_build_args:
            raise plan_error(
                f"build arg {name} looks like a secret; Kaniko puts build args into cache keys "
                "and Docker into the image history, so its value would leak",
                hint="pass secrets as a mounted file or CI file variable, or list the name in "
                "build.allow_secret_build_args if it is not a secret",
            )
