"""The ``runner-ext`` entry point and the one place exceptions become exit codes."""

from __future__ import annotations

import signal
import sys
import traceback
from typing import Annotated

import typer

from runner_ext import __version__
from runner_ext.cli import check, config, plan, render
from runner_ext.cli import cluster as cluster_cli
from runner_ext.cli import group as group_cli
from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli import migrate_group as migrate_group_cli
from runner_ext.cli import report as report_cli
from runner_ext.cli import rules as rules_cli
from runner_ext.errors import ExitCode, RunnerExtError

app = typer.Typer(
    name="runner-ext",
    help="Move GitLab CI image builds to Kubernetes runners with daemonless, cached builds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(render.app, name="render")
app.add_typer(config.app, name="config")
app.add_typer(check.app, name="check")
app.command("plan")(plan.plan_command)
app.command("migrate-project")(migrate_cli.migrate_command)
app.command("rules")(rules_cli.rules_command)
app.command("scan")(group_cli.scan_command)
app.command("migrate-group")(migrate_group_cli.migrate_group_command)
app.command("report")(report_cli.report_command)
app.add_typer(cluster_cli.app, name="cluster")
app.command("build")(cluster_cli.build_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"runner-ext {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Move GitLab CI image builds to Kubernetes runners with daemonless, cached builds.

    Exit codes: 0 ok, 1 findings or a failed operation, 2 usage or configuration error
    (nothing written), 3 a bug in runner-ext, 130 interrupted.
    """


def run(argv: list[str] | None = None, *, prog: str = "runner-ext",
        command: typer.Typer = app) -> int:
    """Run a typer app and return its exit code; our errors become messages, not tracebacks."""
    try:
        result = command(args=argv, prog_name=prog, standalone_mode=False)
    except RunnerExtError as exc:
        for problem in exc.problems:
            typer.echo(f"{prog}: error: {problem.render()}", err=True)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        typer.echo(f"{prog}: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"{prog}: error: {exc}", err=True)
        return getattr(exc, "exit_code", ExitCode.USAGE)
    except Exception as exc:
        traceback.print_exc()
        typer.echo(f"{prog}: internal error (a bug in runner-ext, please report it): {exc}",
                   err=True)
        return ExitCode.BUG
    return result if isinstance(result, int) else ExitCode.OK


def stop_on_sigterm() -> None:
    """Take SIGTERM as Ctrl-C. GitLab Runner sends it to the job's process when a job is
    cancelled or times out (SIGKILL follows a grace period), and so do ``kill`` and
    ``timeout``: the command cleans up what it had started (a build pod, a pushed branch, the
    scan state) and exits 130 instead of dying where it stood."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def entry() -> None:
    """Console script ``runner-ext``."""
    stop_on_sigterm()
    sys.exit(run())
