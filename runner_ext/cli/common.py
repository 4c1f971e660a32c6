"""Options and output helpers shared by every command."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from runner_ext.config import OrgConfig, load_config
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError


class OutputFormat(str, enum.Enum):
    """How a command prints its result."""

    text = "text"
    json = "json"


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Org config (runner-ext.toml); defaults apply without it.",
                 dir_okay=False, show_default=False),
]
OutDirOption = Annotated[
    Path,
    typer.Option("--out", "-o", help="Directory to write into (created if missing).",
                 file_okay=False),
]
OutputOption = Annotated[
    OutputFormat, typer.Option("--output", help="Print text for people or JSON for scripts."),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be written; write nothing."),
]
# The build options `plan`, `render pod`, `build` and the migrations share.
EngineOption = Annotated[Engine | None, typer.Option(
    help="kaniko, buildkit or buildah; default from the config (build.engine).")]
DestinationsOption = Annotated[list[str], typer.Option(
    "--destination", "-d", help="Image reference to push (repeatable).")]
DockerfileOption = Annotated[str, typer.Option(
    "--dockerfile", "-f", help="Dockerfile path inside the context.")]
TargetOption = Annotated[str, typer.Option(help="Target stage.")]
BuildArgsOption = Annotated[list[str] | None, typer.Option(
    "--build-arg", help="NAME=value (repeatable; secret-looking names are refused).")]
# Pods made outside CI (`render pod|warmer`, `build`, `cluster apply`) carry the CA itself.
CaFileOption = Annotated[Path | None, typer.Option(
    "--ca-file", help="PEM of the org CA (needed when registry.ca_file is set): pods "
    "made outside CI carry it in their ConfigMap.", dir_okay=False, show_default=False)]


def read_file_option(path: Path, option: str) -> str:
    """The text of a file named by ``option``; a usage error naming it if unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnerExtError(Category.USAGE, Problem(f"cannot read {path}: {exc}",
                                                     key=option)) from exc


def ca_pem_from(path: Path | None, config: OrgConfig) -> str | None:
    """The PEM text given with ``--ca-file`` (None without it); refused unless it holds a
    certificate and the config says which registries it signs."""
    if path is None:
        return None
    if not config.registry.ca_file:
        raise RunnerExtError(Category.USAGE, Problem(
            "--ca-file is given but the config names no org CA, so no registry would use it",
            key="registry.ca_file",
            hint="set registry.ca_file (the CI job's copy, e.g. \"$REGISTRY_CA\") and "
                 "registry.ca_hosts (the registries it signs), or leave --ca-file out"))
    text = read_file_option(path, "--ca-file")
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise RunnerExtError(Category.USAGE, Problem(
            f"{path} holds no PEM certificate", key="--ca-file",
            hint="give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)"))
    return text


def config_from(path: Path | None) -> OrgConfig:
    """Load the org config named on the command line (or the defaults)."""
    return load_config(path)


def echo_json(data: Any) -> None:
    """Print machine-readable output."""
    typer.echo(json.dumps(data, indent=2, sort_keys=True))
