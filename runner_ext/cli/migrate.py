"""``migrate-project`` (also ``runner-ext migrate-project``): move a project's image builds.

Local mode rewrites a checkout in place; GitLab mode (``--gitlab-url`` and ``--project``)
reads the project through the API and proposes the change as one merge request.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from runner_ext.cli.common import ConfigOption, EngineOption, config_from, echo_json
from runner_ext.engines import Engine
from runner_ext.errors import Category, ExitCode, Problem, RunnerExtError
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project
from runner_ext.migrate.rewrite.write import write_changes
from runner_ext.migrate.shim.strategy import Strategy


class ReportFormat(str, enum.Enum):
    """How the migration report is printed."""

    text = "text"
    json = "json"
    markdown = "markdown"


class StrategyChoice(str, enum.Enum):
    """How build jobs are migrated (docs/migrate.md, Strategies)."""

    auto = "auto"
    declarative = "declarative"
    shim = "shim"


class FixLevel(str, enum.Enum):
    """Which Dockerfile fixes are applied."""

    safe = "safe"
    none = "none"


DockerfileFixesOption = Annotated[FixLevel, typer.Option(
    help="safe: apply the Dockerfile fixes marked safe; none: only report.")]


def migrate_command(
    path: Annotated[Path, typer.Argument(
        help="Project folder (local mode).", file_okay=False, show_default=True)] = Path("."),
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the unified diff and the report; write nothing.")] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 when something would change (for CI).")] = False,
    config: ConfigOption = None,
    engine: EngineOption = None,
    output: Annotated[ReportFormat, typer.Option(
        help="text (diff with --dry-run, then the report), json, or markdown.")
    ] = ReportFormat.text,
    dockerfile_fixes: DockerfileFixesOption = FixLevel.safe,
    strategy: Annotated[StrategyChoice, typer.Option(
        help="declarative: the job becomes the template's build job; shim: the job keeps its "
             "script and runs in the shim executor; auto: declarative where exact, shim where "
             "a script, Makefile or compose file drives the build.")
    ] = StrategyChoice.auto,
    keep_daemonless: Annotated[bool, typer.Option(
        "--keep-daemonless",
        help="Leave hand-written Kaniko jobs (/kaniko/executor) as they are; by default they "
             "move onto the runner-ext template when their flags map exactly.")] = False,
    gitlab_url: Annotated[str | None, typer.Option(
        help="GitLab mode: the server (token from GITLAB_TOKEN or the python-gitlab config).",
        show_default=False)] = None,
    project: Annotated[str | None, typer.Option(
        help="GitLab mode: the project, GROUP/NAME.", show_default=False)] = None,
    branch: Annotated[str, typer.Option(
        help="GitLab mode: branch holding the migration commit.")] = "runner-ext/migrate",
    target_branch: Annotated[str | None, typer.Option(
        help="GitLab mode: branch to migrate and merge into (default: the project's).",
        show_default=False)] = None,
    gitlab_config_section: Annotated[str | None, typer.Option(
        help="GitLab mode: python-gitlab config section holding the URL and token.",
        show_default=False)] = None,
    allow_insecure: Annotated[bool, typer.Option(
        "--allow-insecure",
        help="GitLab mode: accept a plain http:// --gitlab-url (the token travels "
             "unencrypted).")] = False,
) -> int:
    """Rewrite docker-socket, dind and shell-runner image builds into runner-ext builds.

    Jobs that can move safely are rewritten to the runner-ext template; the others
    are left untouched and reported with the reason and what to do. Dockerfiles of
    migrated jobs get their safe cache fixes. See docs/migrate.md.

    Exit codes: 0 done; 1 --check found changes, or a GitLab operation failed;
    2 bad input or usage (nothing written).
    """
    org = config_from(config)
    if gitlab_url or project:
        return _gitlab(gitlab_url, project, path, org_config=org, engine=engine,
                       fixes=dockerfile_fixes.value, branch=branch, target=target_branch,
                       dry_run=dry_run or check, check=check, output=output,
                       section=gitlab_config_section, allow_insecure=allow_insecure,
                       strategy=strategy.value, keep_daemonless=keep_daemonless)
    result = migrate_project(LocalSource(path), config=org, engine=engine,
                             dockerfile_fixes=dockerfile_fixes.value, strategy=strategy.value,
                             keep_daemonless=keep_daemonless)
    written = [] if dry_run or check else write_changes(path, result.changes)
    _print_local(result, output, dry_run=dry_run or check, written=[str(p) for p in written])
    return ExitCode.FINDINGS if check and result.has_changes else ExitCode.OK


def _print_local(result: MigrationResult, output: ReportFormat, *, dry_run: bool,
                 written: list[str]) -> None:
    if output is ReportFormat.json:
        echo_json({"mode": "local", "dry_run": dry_run, "written": written,
                   "diff": result.diff(), **result.to_dict()})
        return
    if output is ReportFormat.markdown:
        typer.echo(result.to_markdown(), nl=False)
        return
    if dry_run and result.has_changes:
        typer.echo(result.diff())
    typer.echo(result.to_text(), nl=False)
    if written:
        typer.echo(f"\nwrote {len(written)} file(s): {', '.join(sorted(result.changes))}")
    elif dry_run and result.has_changes:
        typer.echo(f"\n{len(result.changes)} file(s) would change; nothing written (--dry-run)")
    else:
        typer.echo("\nnothing to change")


def _gitlab(url: str | None, project: str | None, path: Path, *, org_config: Any,
            engine: Engine | None, fixes: str, branch: str, target: str | None, dry_run: bool,
            check: bool, output: ReportFormat, section: str | None,
            allow_insecure: bool, strategy: Strategy, keep_daemonless: bool = False) -> int:
    if not url or not project:
        raise RunnerExtError(Category.USAGE, Problem(
            "GitLab mode needs both --gitlab-url and --project",
            hint="e.g. --gitlab-url https://gitlab.example.com --project group/app"))
    if path != Path("."):
        raise RunnerExtError(Category.USAGE, Problem(
            "give either a local PATH or --gitlab-url/--project, not both", value=str(path)))
    from runner_ext.migrate.remote import migrate_remote

    outcome = migrate_remote(gitlab_url=url, project=project, token=None, config=org_config,
                             engine=engine, dockerfile_fixes=fixes, branch=branch,
                             target_branch=target, dry_run=dry_run,
                             gitlab_config_section=section, allow_insecure=allow_insecure,
                             strategy=strategy, keep_daemonless=keep_daemonless)
    if output is ReportFormat.json:
        echo_json(outcome.to_dict())
    elif output is ReportFormat.markdown:
        typer.echo(outcome.result.to_markdown(), nl=False)
    else:
        if dry_run and outcome.result.has_changes:
            typer.echo(outcome.result.diff())
        typer.echo(outcome.result.to_text())
        typer.echo(outcome.to_text())
    return ExitCode.FINDINGS if check and outcome.result.has_changes else ExitCode.OK


app = typer.Typer(name="migrate-project", add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
app.command("migrate-project")(migrate_command)


def entry() -> None:
    """Console script ``migrate-project``: the same command as ``runner-ext migrate-project``."""
    from runner_ext.cli.main import run, stop_on_sigterm

    stop_on_sigterm()
    sys.exit(run(None, prog="migrate-project", command=app))
