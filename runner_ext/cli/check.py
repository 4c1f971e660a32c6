"""``runner-ext check pod``: Pod Security Standards (Kubernetes 1.37) for manifests."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from runner_ext.cli.common import OutputFormat, OutputOption, echo_json
from runner_ext.errors import ExitCode
from runner_ext.kube.pss import Level, PodView, check_pod, highest_level
from runner_ext.kube.pss.load import load_pods
from runner_ext.rules.base import Finding

app = typer.Typer(help="Check manifests and files against runner-ext's rules.",
                  no_args_is_help=True)


class CheckLevel(str, enum.Enum):
    """Levels a pod can be checked against."""

    baseline = "baseline"
    restricted = "restricted"


def _line(finding: Finding) -> str:
    d = finding.details
    return (f"{finding.location()}: {finding.rule_id} {d['check']}: {d['object']}: "
            f"{d['field']}: {finding.message}")


def _pod_report(pod: PodView, findings: list[Finding]) -> dict[str, Any]:
    return {
        "file": pod.source, "object": pod.label, "meets": highest_level(pod).value,
        "violations": [{"rule": f.rule_id, "check": f.details["check"], "line": f.line,
                        "field": f.details["field"], "message": f.message} for f in findings],
    }


@app.command("pod")
def pod(
    files: Annotated[list[Path], typer.Argument(
        help="Manifests (Pods, workloads with pod templates, Lists).", exists=True,
        dir_okay=False)],
    level: Annotated[CheckLevel, typer.Option(
        help="Pod Security Standards level to check against.")] = CheckLevel.baseline,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Check every pod spec against a Pod Security Standards level; exit 1 on violations.

    Init and ephemeral containers are checked too; restricted includes baseline.
    """
    pods = [pod for path in files for pod in load_pods(path)]
    results = [(pod, check_pod(pod, Level(level.value))) for pod in pods]
    failing = sum(1 for _, findings in results if findings)
    if output is OutputFormat.json:
        echo_json({"level": level.value, "pods": [_pod_report(p, f) for p, f in results],
                   "violating": failing})
    else:
        for _, findings in results:
            for finding in findings:
                typer.echo(_line(finding))
        typer.echo(f"{len(pods)} pod spec(s) in {len(files)} file(s): {failing} violate "
                   f"the {level.value} level")
    return ExitCode.FINDINGS if failing else ExitCode.OK
