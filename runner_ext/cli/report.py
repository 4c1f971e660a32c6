"""``runner-ext report PROJECT | --group GROUP``: build times before and after the migration."""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from runner_ext.cli.common import echo_json
from runner_ext.errors import Category, ExitCode, Problem, RunnerExtError
from runner_ext.group.history import MIGRATION_BRANCH, MIN_SAMPLES


class ReportOutput(str, enum.Enum):
    """How the report is printed."""

    markdown = "markdown"
    json = "json"


GitLabUrl = Annotated[str, typer.Option(
    "--gitlab-url", help="The GitLab server (token from GITLAB_TOKEN or the python-gitlab "
                         "config).", show_default=False)]
ConfigSection = Annotated[str | None, typer.Option(
    "--gitlab-config-section", help="python-gitlab config section holding the URL and token.",
    show_default=False)]
AllowInsecure = Annotated[bool, typer.Option(
    "--allow-insecure", help="Accept a plain http:// --gitlab-url (the token travels "
                             "unencrypted).")]


def report_command(
    project: Annotated[str | None, typer.Argument(
        help="The project, GROUP/NAME (or use --group).", show_default=False)] = None,
    gitlab_url: GitLabUrl = "",
    group: Annotated[str | None, typer.Option(
        help="Report every project of this group and its subgroups.",
        show_default=False)] = None,
    since: Annotated[str | None, typer.Option(
        help="Only jobs created on or after this date (YYYY-MM-DD, or an ISO 8601 time); "
             "older pages are not read.", show_default=False)] = None,
    job_name: Annotated[list[str] | None, typer.Option(
        "--job-name", help="Glob of build job names, repeatable (default: the jobs the "
                           "migration merge request lists as migrated). Give the old and the "
                           "new name of a job renamed since.", show_default=False)] = None,
    branch: Annotated[str, typer.Option(
        help="The branch the migration merge request came from.")] = MIGRATION_BRANCH,
    min_samples: Annotated[int, typer.Option(
        min=1, help="Runs needed on each side before a ratio is given.")] = MIN_SAMPLES,
    output: Annotated[ReportOutput, typer.Option(
        help="markdown (a table for people) or json (for scripts).")] = ReportOutput.markdown,
    chart: Annotated[Path | None, typer.Option(
        help="Also write a PNG chart of the medians (and p90) to this file.",
        dir_okay=False, show_default=False)] = None,
    workers: Annotated[int, typer.Option(
        min=1, max=32, help="Projects read at the same time (with --group).")] = 4,
    gitlab_config_section: ConfigSection = None,
    allow_insecure: AllowInsecure = False,
) -> int:
    """Median and p90 build-job durations before and after each project's migration.

    Reads successful jobs from the jobs API (newest first, down to --since) and splits the
    build jobs' runs at the merge of the runner-ext migration merge request. A side with fewer
    than --min-samples runs gets "not enough data" instead of a ratio. Read-only.

    Exit codes: 0 done; 1 a project could not be read (its row says why); 2 bad input
    (unknown project or group, bad token, a group without projects).
    """
    from runner_ext.gitlab.auth import resolve_credentials
    from runner_ext.group.history_output import to_json, to_markdown
    from runner_ext.group.report import ReportOptions, report_many
    from runner_ext.group.sources import open_projects

    if (project is None) == (group is None):
        raise RunnerExtError(Category.USAGE, Problem(
            "give either a PROJECT or --group GROUP", hint="e.g. runner-ext report "
            "--gitlab-url https://gitlab.example.com platform/app"))
    if not gitlab_url:
        raise RunnerExtError(Category.USAGE, Problem(
            "--gitlab-url is required", hint="e.g. --gitlab-url https://gitlab.example.com"))
    options = ReportOptions(since=parse_since(since), job_globs=tuple(job_name or ()),
                            branch=branch, min_samples=min_samples)
    credentials = resolve_credentials(gitlab_url, None, gitlab_config_section,
                                      allow_insecure=allow_insecure)
    histories = report_many(open_projects(credentials, project=project, group=group), options,
                            workers=workers)
    if output is ReportOutput.json:
        echo_json(to_json(histories, since=since))
    else:
        typer.echo(to_markdown(histories, since=since), nl=False)
    if chart is not None:
        from runner_ext.group.chart import write_chart

        write_chart(histories, chart)
        if output is ReportOutput.markdown:
            typer.echo(f"\nchart written to {chart}")
    return ExitCode.FINDINGS if any(h.error for h in histories) else ExitCode.OK


def parse_since(text: str | None) -> datetime | None:
    """``--since`` as a UTC time; a date means its midnight UTC."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RunnerExtError(Category.USAGE, Problem(
            "not a date", key="--since", value=text,
            hint="use YYYY-MM-DD or an ISO 8601 time such as 2026-01-31T12:00:00Z")) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
