"""``runner-ext config …``: check an org config and show the effective values."""

from __future__ import annotations

import typer

from runner_ext.cli.common import ConfigOption, OutputFormat, OutputOption, config_from, echo_json

app = typer.Typer(help="Check the org config (runner-ext.toml) and show effective values.",
                  no_args_is_help=True)


@app.command("check")
def check(config: ConfigOption = None, output: OutputOption = OutputFormat.text) -> int:
    """Validate a config file; exit 2 with located errors when it is wrong."""
    org = config_from(config)
    if output is OutputFormat.json:
        echo_json({"valid": True, "config": str(config) if config else None})
    else:
        typer.echo(f"{config or 'built-in defaults'}: ok (default engine {org.build.engine})")
    return 0


@app.command("show")
def show(config: ConfigOption = None) -> int:
    """Print the effective configuration (file values over defaults) as JSON."""
    echo_json(config_from(config).model_dump(mode="json"))
    return 0
