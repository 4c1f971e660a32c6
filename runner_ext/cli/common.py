"""Options and output helpers shared by every command."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from runner_ext.config import OrgConfig, load_config
from runner_ext.engines import Engine


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


def config_from(path: Path | None) -> OrgConfig:
    """Load the org config named on the command line (or the defaults)."""
    return load_config(path)


def echo_json(data: Any) -> None:
    """Print machine-readable output."""
    typer.echo(json.dumps(data, indent=2, sort_keys=True))
