"""``runner-ext cluster doctor|apply`` and ``runner-ext build``: talk to a live cluster."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from runner_ext.cli.common import (
    BuildArgsOption,
    CaFileOption,
    ConfigOption,
    DestinationsOption,
    DockerfileOption,
    EngineOption,
    OutputFormat,
    OutputOption,
    TargetOption,
    ca_pem_from,
    config_from,
    echo_json,
)
from runner_ext.cluster import apply as apply_core
from runner_ext.cluster.build import describe, run_build
from runner_ext.cluster.build_pod import unique_name
from runner_ext.cluster.checks import Status, worst
from runner_ext.cluster.connect import Target, answering, connect
from runner_ext.cluster.doctor import run_checks
from runner_ext.errors import ExitCode
from runner_ext.kube.namespace_objects import namespace_objects
from runner_ext.kube.pod import PodRequest

app = typer.Typer(help="Check and set up a live cluster for build pods (uses the kubeconfig).",
                  no_args_is_help=True)

KubeconfigOption = Annotated[Path | None, typer.Option(
    "--kubeconfig", help="Kubeconfig file; default $KUBECONFIG or ~/.kube/config.",
    dir_okay=False, show_default=False)]
ContextOption = Annotated[str | None, typer.Option(
    "--context", help="Kubeconfig context; default its current-context.", show_default=False)]
NamespaceOption = Annotated[str, typer.Option(
    "--namespace", "-n", help="Namespace; default kubernetes.namespace from the config.",
    show_default=False)]
_MARK = {Status.ok: "ok  ", Status.warn: "WARN", Status.fail: "FAIL"}


class DryRun(str, enum.Enum):
    """kubectl's dry-run modes."""

    none = "none"
    client = "client"
    server = "server"


def doctor(
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = "",
    config: ConfigOption = None,
    engine: EngineOption = None,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Check that build pods can run: API, namespace Pod Security level, RBAC, registry
    Secret, user namespaces, seccomp profiles, storage, ResourceQuota and LimitRange.

    Each check is ok, WARN or FAIL with a one-line fix. Exit 0 when nothing fails, 1 when a
    check fails, 2 when the kubeconfig is unusable or the API does not answer.
    """
    org = config_from(config)
    chosen = engine or org.build.engine
    cluster = connect(Target(kubeconfig, context, namespace), org.kubernetes.namespace)
    with answering(cluster):
        version, checks = run_checks(cluster, org, chosen)
    status = worst(checks)
    if output is OutputFormat.json:
        echo_json({"namespace": cluster.namespace, "engine": chosen, "server_version": version,
                   "status": status.value, "checks": [c.as_dict() for c in checks]})
    else:
        for check in checks:
            typer.echo(f"{_MARK[check.status]} {check.id}: {check.message}")
            if check.fix:
                typer.echo(f"     fix: {check.fix}")
    return ExitCode.FINDINGS if status is Status.fail else ExitCode.OK


def apply(
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = "",
    config: ConfigOption = None,
    engine: EngineOption = None,
    dry_run: Annotated[DryRun, typer.Option(
        "--dry-run", help="client: print the objects only; server: let the API server "
        "validate and admit them without persisting.")] = DryRun.none,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Show the server's dry-run result against the live objects; "
        "changes nothing.")] = False,
    force_conflicts: Annotated[bool, typer.Option(
        "--force-conflicts", help="Take over fields another field manager owns.")] = False,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Delete objects labelled as ours that are no longer rendered.")
    ] = False,
    ca_file: CaFileOption = None,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Server-side apply (field manager runner-ext) the namespace's long-lived objects: the
    build pods' NetworkPolicy and, when warmer images are configured, the engine's warmer
    (Kaniko's cache or Buildah's image store: PVC, Job, CronJob; BuildKit has none).

    Conflicts with another field manager stop the apply and name the field and manager.
    """
    org = config_from(config)
    chosen = engine or org.build.engine
    ns = namespace or org.kubernetes.namespace
    objects = apply_core.parse(namespace_objects(org, chosen, ca_pem_from(ca_file, org)), ns)
    if dry_run is DryRun.client:
        return _print_objects(objects, output)
    cluster = connect(Target(kubeconfig, context, namespace), org.kubernetes.namespace)
    options = apply_core.Options(dry_run=dry_run is DryRun.server, diff=diff,
                                 force_conflicts=force_conflicts, prune=prune)
    with answering(cluster):
        report = apply_core.apply_all(cluster, objects, options)
    if output is OutputFormat.json:
        echo_json({"namespace": ns, "dry_run": options.dry_run or diff,
                   "objects": [o.as_dict() for o in report.outcomes]})
        return ExitCode.OK
    suffix = " (server dry run)" if options.dry_run or diff else ""
    for outcome in report.outcomes:
        if outcome.diff:
            typer.echo(outcome.diff, nl=False)
        typer.echo(f"{outcome.kind.lower()}/{outcome.name} {outcome.action}{suffix}")
    return ExitCode.OK


def _print_objects(objects: list[dict[str, object]], output: OutputFormat) -> int:
    if output is OutputFormat.json:
        echo_json({"dry_run": "client", "objects": objects})
        return ExitCode.OK
    for obj in objects:
        metadata = obj["metadata"]
        name = metadata["name"] if isinstance(metadata, dict) else "?"
        typer.echo(f"{str(obj['kind']).lower()}/{name} would be applied (client dry run)")
    return ExitCode.OK


def build_command(
    context_dir: Annotated[str, typer.Argument(
        metavar="CONTEXT", help="Local directory (sent to the pod as a tar stream) or git "
        "context git://HOST/PATH.git#REF[#COMMIT].")],
    destination: DestinationsOption,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = "",
    config: ConfigOption = None,
    engine: EngineOption = None,
    dockerfile: DockerfileOption = "Dockerfile",
    target: TargetOption = "",
    build_arg: BuildArgsOption = None,
    ca_file: CaFileOption = None,
    keep: Annotated[bool, typer.Option(
        "--keep", help="Leave the pod and its ConfigMap after the build (not on Ctrl-C).")
    ] = False,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Run one build pod (the same pod `render pod` writes), stream its log, print the
    pushed digest.

    Exits with the build container's exit code; Ctrl-C deletes the pod and exits 130.
    """
    org = config_from(config)
    cluster = connect(Target(kubeconfig, context, namespace), org.kubernetes.namespace)
    chosen = engine or org.build.engine
    request = PodRequest(engine=chosen, context=context_dir, destinations=tuple(destination),
                         dockerfile=dockerfile, target=target,
                         build_args=tuple(build_arg or ()), name=unique_name(chosen),
                         ca_pem=ca_pem_from(ca_file, org))
    text = output is OutputFormat.text
    try:
        with answering(cluster):
            result = run_build(cluster, org, request, typer.echo if text else _quiet,
                               keep=keep)
    except KeyboardInterrupt:
        typer.echo(f"runner-ext: interrupted; deleted pod {request.name}", err=True)
        return ExitCode.INTERRUPTED
    if not text:
        echo_json(describe(result))
    elif result.exit_code == 0:
        typer.echo(f"pushed {result.digest}" if result.digest else
                   "pushed; the log names no digest")
    else:
        typer.echo(f"build failed: exit code {result.exit_code}"
                   + (f" ({result.reason})" if result.reason else ""), err=True)
    return result.exit_code


def _quiet(_line: str) -> None:
    """Log lines are left out of JSON output."""


app.command("doctor")(doctor)
app.command("apply")(apply)
