"""``runner-ext render …``: write CI templates, pod specs and runner config from the org config."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import typer

from runner_ext.cli import render_kube
from runner_ext.cli.common import (
    ConfigOption,
    DryRunOption,
    OutDirOption,
    OutputFormat,
    OutputOption,
    config_from,
    echo_json,
)
from runner_ext.render.ci import render_ci
from runner_ext.render.environment import write_files

app = typer.Typer(help="Render CI templates, build pods, the warmer, runner config and the "
                       "rootless engines' node profiles.",
                  no_args_is_help=True)


def emit(files: Mapping[str, str], out: Path, *, dry_run: bool, output: OutputFormat) -> int:
    """Write rendered files (or only list them with --dry-run) and report what was done."""
    if not dry_run:
        write_files(out, files)
    if output is OutputFormat.json:
        echo_json({"out": str(out), "dry_run": dry_run, "files": sorted(files)})
        return 0
    verb = "would write" if dry_run else "wrote"
    for name in sorted(files):
        typer.echo(f"{verb} {out / name}")
    return 0


@app.command("ci")
def ci(out: OutDirOption, config: ConfigOption = None, dry_run: DryRunOption = False,
       output: OutputOption = OutputFormat.text) -> int:
    """Write the GitLab CI/CD component and the classic include file.

    The output folder can be pushed as-is as a CI/CD catalog project:
    templates/build/template.yml (component), templates/build/README.md (inputs),
    classic/build.yml (hidden jobs for extends:), README.md.
    """
    return emit(render_ci(config_from(config)), out, dry_run=dry_run, output=output)


app.command("pod")(render_kube.pod)
app.command("warmer")(render_kube.warmer)
app.command("runner")(render_kube.runner)
app.command("profiles")(render_kube.profiles)
