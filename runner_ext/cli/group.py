"""``runner-ext scan GROUP``: inventory every project of a GitLab group (docs/group.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from runner_ext.cli.common import OutputFormat, echo_json
from runner_ext.errors import ExitCode
from runner_ext.gitlab.auth import resolve_credentials
from runner_ext.group.inventory import ProjectRow
from runner_ext.group.outputs import write_outputs
from runner_ext.group.scan import DEFAULT_WORKERS, ScanProgress, ScanRequest, ScanResult, scan_group

STATE_NAME = "scan-state.jsonl"


def scan_command(
    group: Annotated[str, typer.Argument(
        help="The group's full path, as in its URL (e.g. platform/services).",
        show_default=False)],
    gitlab_url: Annotated[str, typer.Option(
        help="The GitLab server (token from GITLAB_TOKEN or the python-gitlab config).",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Directory for scan.json, scan.csv, scan.md and scan.html.",
        file_okay=False)] = Path("runner-ext-scan"),
    state: Annotated[Path | None, typer.Option(
        help=f"State file recording each project as it is scanned (default: OUT/{STATE_NAME}).",
        dir_okay=False, show_default=False)] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted scan from its state file: projects already "
                         "recorded are not scanned again.")] = False,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Projects scanned at the same time.")] = DEFAULT_WORKERS,
    engine: Annotated[str, typer.Option(
        help="Engine the Dockerfile rules check features against: kaniko, buildkit or "
             "buildah.")] = "kaniko",
    output: Annotated[OutputFormat, typer.Option(
        help="Print a text summary for people or the JSON result for scripts.")
    ] = OutputFormat.text,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar on stderr (default: on a terminal, "
                                          "off when CI is set).", show_default=False)] = None,
    gitlab_config_section: Annotated[str | None, typer.Option(
        help="python-gitlab config section holding the URL and token.",
        show_default=False)] = None,
    allow_insecure: Annotated[bool, typer.Option(
        "--allow-insecure",
        help="Accept a plain http:// --gitlab-url (the token travels unencrypted).")] = False,
) -> int:
    """Scan every project of GROUP and its subgroups; read-only on GitLab.

    Each project is classified (docker-socket, shell-docker, dind, remote-daemon, kaniko,
    buildkit, buildah, runner-ext, no-image-build, archived, empty, no-access, no-ci, error),
    scored for risk, and the Dockerfiles its build jobs name are checked. Writes scan.json,
    scan.csv, scan.md and scan.html into --out. Ctrl-C stops after the projects in flight;
    run the same command with --resume to finish.

    Exit codes: 0 every project scanned; 1 some projects could not be read (their rows say
    why); 2 bad input (unknown group, refused token, no projects); 130 interrupted.
    """
    credentials = resolve_credentials(gitlab_url, None, gitlab_config_section,
                                      allow_insecure=allow_insecure)
    state_file = state or out / STATE_NAME
    request = ScanRequest(credentials, group, state_file, resume=resume, workers=workers,
                          engine=engine)
    try:
        result = _scan(request, show_progress(progress))
    except KeyboardInterrupt:
        typer.echo(f"scan interrupted; projects done so far are in {state_file}: run the same "
                   "command with --resume to finish", err=True)
        return ExitCode.INTERRUPTED
    written = write_outputs(result, out)
    if output is OutputFormat.json:
        echo_json({**result.to_dict(), "written": [str(p) for p in written]})
    else:
        typer.echo(_summary(result, [str(p) for p in written]))
    return ExitCode.FINDINGS if any(r.kind == "error" for r in result.rows) else ExitCode.OK


def show_progress(wanted: bool | None) -> bool:
    if wanted is not None:
        return wanted
    return sys.stderr.isatty() and not os.environ.get("CI")


def _scan(request: ScanRequest, show: bool) -> ScanResult:
    if not show:
        return scan_group(request)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("scanning", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=None)

        def start(total: int, already: int) -> None:
            bar.update(task, total=total, completed=already)

        def done(row: ProjectRow) -> None:
            bar.advance(task)

        return scan_group(request, ScanProgress(start=start, done=done))


def _summary(result: ScanResult, written: list[str]) -> str:
    counts = ", ".join(f"{k} {n}" for k, n in result.counts().items() if n)
    lines = [f"{result.group}: {len(result.rows)} projects ({counts})"]
    if result.resumed:
        lines.append(f"{result.resumed} taken from the state file, the rest scanned now")
    risky = sorted((r for r in result.rows if r.risk), key=lambda r: (-r.risk, r.path))[:10]
    lines += [f"  risk {r.risk:2d}  {r.path} ({r.kind}: {', '.join(r.risks)})" for r in risky]
    errors = [r for r in result.rows if r.kind == "error"]
    lines += [f"  error  {r.path}: {r.error}" for r in errors[:10]]
    lines.append("wrote " + ", ".join(written))
    return "\n".join(lines)
