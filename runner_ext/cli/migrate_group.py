"""``runner-ext migrate-group GROUP``: one merge request per eligible project of a group."""

from __future__ import annotations

from typing import Annotated

import typer

from runner_ext.cli.common import (
    ConfigOption,
    EngineOption,
    OutputFormat,
    OutputOption,
    config_from,
    echo_json,
)
from runner_ext.cli.group import show_progress
from runner_ext.cli.migrate import DockerfileFixesOption, FixLevel, StrategyChoice
from runner_ext.cli.report import AllowInsecure, ConfigSection, GitLabUrl
from runner_ext.errors import Category, ExitCode, Problem, RunnerExtError
from runner_ext.group.migrate import (
    DEFAULT_WORKERS,
    GroupMigration,
    GroupMigrationResult,
    GroupProgress,
    check_classes,
    migrate_group,
)
from runner_ext.group.migrate_text import render_text
from runner_ext.migrate.remote import DEFAULT_BRANCH


def migrate_group_command(
    group: Annotated[str, typer.Argument(help="The group's full path, e.g. platform/services "
                                              "(its subgroups are included).",
                                         show_default=False)],
    gitlab_url: GitLabUrl = "",
    include: Annotated[list[str] | None, typer.Option(
        "--include", help="Only projects whose full path matches this glob (repeatable), "
                          "e.g. 'platform/services/*'.", show_default=False)] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="Leave out projects whose full path matches this glob "
                          "(repeatable).", show_default=False)] = None,
    kind: Annotated[list[str] | None, typer.Option(
        "--class", help="Only projects of this scan class (repeatable): docker-socket, "
                        "shell-docker, dind, remote-daemon, ... as `runner-ext scan` reports "
                        "them. Costs a scan of each selected project.",
        show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="Migrate at most this many projects this run (the first, in the group "
                    "listing's order, that are not skipped).", show_default=False)] = None,
    strategy: Annotated[StrategyChoice, typer.Option(
        help="As for migrate-project: auto, declarative or shim.")] = StrategyChoice.auto,
    keep_daemonless: Annotated[bool, typer.Option(
        "--keep-daemonless",
        help="As for migrate-project: leave hand-written Kaniko jobs as they are.")] = False,
    engine: EngineOption = None,
    dockerfile_fixes: DockerfileFixesOption = FixLevel.safe,
    branch: Annotated[str, typer.Option(
        help="Branch holding each project's migration commit.")] = DEFAULT_BRANCH,
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the plan (which projects, which files would change); "
                          "write nothing.")] = False,
    output: OutputOption = OutputFormat.text,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar on stderr [default: on a terminal, "
                                          "off when CI is set].", show_default=False)] = None,
    workers: Annotated[int, typer.Option(
        min=1, max=32, help="Projects handled at the same time.")] = DEFAULT_WORKERS,
    gitlab_config_section: ConfigSection = None,
    allow_insecure: AllowInsecure = False,
) -> int:
    """Open one runner-ext merge request in each eligible project of GROUP.

    Each project goes through migrate-project's GitLab mode (one commit on --branch, CI lint,
    one merge request). Skipped, with the reason: archived and empty projects, projects
    whose code the token cannot read, projects with an open runner-ext merge request, projects
    with nothing to migrate, and those over --limit. A project that fails is reported and the
    others go on. Ends with a summary table.

    Exit codes: 0 every project opened or skipped; 1 a project failed; 2 bad input (unknown
    group, a token GitLab refuses, a group without projects, an unknown --class).
    """
    from runner_ext.gitlab.auth import resolve_credentials

    if not gitlab_url:
        raise RunnerExtError(Category.USAGE, Problem(
            "--gitlab-url is required", hint="e.g. --gitlab-url https://gitlab.example.com"))
    check_classes(kind or ())
    credentials = resolve_credentials(gitlab_url, None, gitlab_config_section,
                                      allow_insecure=allow_insecure)
    request = GroupMigration(
        credentials=credentials, group=group, config=config_from(config), engine=engine,
        strategy=strategy.value, keep_daemonless=keep_daemonless,
        dockerfile_fixes=dockerfile_fixes.value, branch=branch,
        include=tuple(include or ()), exclude=tuple(exclude or ()), classes=tuple(kind or ()),
        limit=limit, dry_run=dry_run, workers=workers)
    result = _run(request, show_progress(progress))
    if output is OutputFormat.json:
        echo_json(result.to_dict())
    else:
        typer.echo(render_text(result), nl=False)
    return ExitCode.FINDINGS if result.failed else ExitCode.OK


def _run(request: GroupMigration, show: bool) -> GroupMigrationResult:
    if not show:
        return migrate_group(request)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("migrating", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("migrate-group", total=None)
        return migrate_group(request, GroupProgress(
            start=lambda total: bar.update(task, total=total),
            done=lambda row: bar.advance(task)))

