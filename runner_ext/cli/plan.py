"""``runner-ext plan``: show the exact command line an engine would run for one build, or
the registry copies of a promotion (``--promote-from``)."""

from __future__ import annotations

import shlex
from typing import Annotated

import typer

from runner_ext.cli.common import (
    BuildArgsOption,
    ConfigOption,
    DestinationsOption,
    DockerfileOption,
    EngineOption,
    OutputFormat,
    OutputOption,
    TargetOption,
    config_from,
    echo_json,
)
from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.planner import plan
from runner_ext.planner.from_config import WORK_DIRS, registry_options, spec_from_config
from runner_ext.planner.promote import Promotion, promote_commands, promote_files


def plan_command(
    destination: DestinationsOption,
    context: Annotated[str, typer.Option(help="Build context directory or URL.")] = ".",
    dockerfile: DockerfileOption = "Dockerfile",
    engine: EngineOption = None,
    build_arg: BuildArgsOption = None,
    target: TargetOption = "",
    label: Annotated[list[str] | None, typer.Option(help="NAME=value (repeatable).")] = None,
    platform: Annotated[str, typer.Option(help="e.g. linux/amd64.")] = "",
    cache: Annotated[bool | None, typer.Option(
        "--cache/--no-cache", help="Registry layer cache; default from the config.")] = None,
    cache_repo: Annotated[str, typer.Option(
        help="Cache repository; default derived from the first destination.")] = "",
    promote_from: Annotated[str, typer.Option(
        help="Copy this image to the destinations instead of building: the skopeo commands "
             "of a promote job (digests kept, every platform).")] = "",
    config: ConfigOption = None,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Print the command line, environment and files an engine gets for one build."""
    org = config_from(config)
    if promote_from:
        return _promotion(org, promote_from, destination, output)
    chosen: Engine = engine or org.build.engine
    spec = spec_from_config(
        org, chosen, context=context, destinations=destination, dockerfile=dockerfile,
        build_args=build_arg or (), target=target, labels=label or (), platform=platform,
        cache=cache, cache_repo=cache_repo,
    )
    result = plan(spec, chosen)
    if output is OutputFormat.json:
        echo_json({"engine": chosen, "argv": result.argv(), "env": result.environment(),
                   "files": {f.path.literal: f.content for f in result.files}})
        return 0
    for name, value in result.environment().items():
        typer.echo(f"export {name}={shlex.quote(value)}")
    for argv in result.argv():
        typer.echo(shlex.join(argv))
    return 0


def _promotion(org: OrgConfig, source: str, destinations: list[str],
               output: OutputFormat) -> int:
    """The promote job's commands and files (its work directory is the shim's)."""
    work_dir, registry = WORK_DIRS["buildah"], registry_options(org)
    commands = promote_commands(Promotion(source, tuple(destinations)), work_dir, registry)
    files = promote_files(work_dir, registry)
    if output is OutputFormat.json:
        echo_json({"promote_from": source, "argv": commands, "files": files})
        return 0
    for argv in commands:
        typer.echo(shlex.join(argv))
    return 0
