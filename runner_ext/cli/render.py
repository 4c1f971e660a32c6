"""``runner-ext render …``: write CI templates, pod specs and runner config from the org config."""

from __future__ import annotations

import typer

app = typer.Typer(help="Render CI templates, build pods, the warmer and runner config.",
                  no_args_is_help=True)
