"""Contradictions and hazards the planner refuses before producing a plan."""

from __future__ import annotations

from runner_ext.errors import Category, Problem, RunnerExtError, plan_error
from runner_ext.planner.plan import Check
from runner_ext.planner.references import expected, matches
from runner_ext.planner.secrets import secret_refused
from runner_ext.planner.spec import BuildSpec
from runner_ext.planner.words import Var

_KANIKO_SNAPSHOT_MODES = ("full", "redo", "time")

# Spec fields that reach an engine's command line as (part of) a word of their own, and what
# each must be. An ``operand`` may be anything not starting with '-', which would turn it into
# an option of the engine (Buildah takes the context as its last positional argument).
FIELD_KINDS: dict[str, str] = {
    "destinations": "reference",
    "cache_repo": "repository",
    "context": "operand",
    "dockerfile": "operand",
    "target": "operand",
    "platform": "operand",
}
_LIST_FIELDS = ("destinations",)

# Org config values ([registry] of runner-ext.toml) that reach engine flags and config files.
REGISTRY_KINDS: dict[str, str] = {"mirrors": "mirror", "insecure": "host", "ca_hosts": "host"}


def value_ok(kind: str, value: str) -> bool:
    """True when ``value`` may be used as a ``kind`` (see :data:`FIELD_KINDS`)."""
    if kind == "operand":
        return not value.startswith("-")
    return matches(kind, value)


def _hint(kind: str) -> str:
    if kind == "operand":
        return "a value starting with '-' would be read as an option of the engine"
    return f"write {expected(kind)}"


def _refuse(key: str, kind: str, value: str) -> RunnerExtError:
    return RunnerExtError(Category.PLAN, Problem(
        f"not {'a usable value' if kind == 'operand' else expected(kind).split(':')[0]}",
        key=key, value=repr(value), hint=_hint(kind)))


def _check_values(spec: BuildSpec) -> None:
    for field, kind in FIELD_KINDS.items():
        value = getattr(spec, field)
        if isinstance(value, Var):
            continue
        items = enumerate(value) if field in _LIST_FIELDS else [(None, value)]
        for index, item in items:
            if (item or field in _LIST_FIELDS) and not value_ok(kind, item):
                raise _refuse(field if index is None else f"{field}[{index}]", kind, item)
    for field, kind in REGISTRY_KINDS.items():
        for index, item in enumerate(getattr(spec.registry, field)):
            if not value_ok(kind, item):
                raise _refuse(f"registry.{field}[{index}]", kind, item)


def run_time_checks(spec: BuildSpec) -> tuple[Check, ...]:
    """The checks the job must make of the fields that are job variables."""
    return tuple(Check(value, kind, lines=field in _LIST_FIELDS)
                 for field, kind in FIELD_KINDS.items()
                 if isinstance(value := getattr(spec, field), Var))


def validate(spec: BuildSpec, engine: str) -> None:
    """Raise a plan error for a spec no engine should build as asked."""
    if not isinstance(spec.destinations, Var) and not spec.destinations:
        raise plan_error("no destination to push to", hint="give at least one image reference")
    _check_values(spec)
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
        if secret_refused(name, spec.allow_secret_build_args):
            raise plan_error(
                f"build arg {name} looks like a secret; Kaniko puts build args into cache keys "
                "and Docker into the image history, so its value would leak",
                hint="pass secrets as a mounted file or CI file variable, or list the name in "
                "build.allow_secret_build_args if it is not a secret",
            )
