"""``runner-ext render pod|warmer|runner|profiles``: Kubernetes manifests, runner config and
the rootless engines' node profiles."""

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
    DryRunOption,
    EngineOption,
    OutDirOption,
    OutputFormat,
    OutputOption,
    TargetOption,
    ca_pem_from,
    config_from,
    echo_json,
    read_file_option,
)
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.labels import check_name
from runner_ext.kube.node_profiles import (
    INSTALLER,
    INSTALLER_IMAGE,
    InstallerOptions,
    render_profiles,
)
from runner_ext.kube.pod import PodRequest, Rendered, render_pod
from runner_ext.kube.runner import render_runner
from runner_ext.kube.warmer import render_warmer
from runner_ext.render.environment import write_files


class PodKind(str, enum.Enum):
    """What object a standalone build becomes."""

    pod = "pod"
    job = "job"




def _emit(rendered: Rendered, out: Path, *, dry_run: bool, output: OutputFormat) -> int:
    """Write (or with --dry-run only show) the files, then report."""
    if not dry_run:
        write_files(out, rendered.files)
    if output is OutputFormat.json:
        report = {"out": str(out), "dry_run": dry_run, "files": sorted(rendered.files),
                  "pod_security_level": rendered.level.value}
        if dry_run:
            report["contents"] = rendered.files
        echo_json(report)
        return 0
    verb = "would write" if dry_run else "wrote"
    for name in sorted(rendered.files):
        typer.echo(f"{verb} {out / name}")
        if dry_run:
            typer.echo(rendered.files[name])
    typer.echo(f"pods meet the Pod Security Standards '{rendered.level.value}' level")
    return 0


def pod(
    out: OutDirOption,
    context: Annotated[str, typer.Option(
        help="Git context: git://HOST/GROUP/PROJECT.git#refs/heads/BRANCH[#COMMIT].")],
    destination: DestinationsOption,
    config: ConfigOption = None,
    engine: EngineOption = None,
    dockerfile: DockerfileOption = "Dockerfile",
    target: TargetOption = "",
    build_arg: BuildArgsOption = None,
    name: Annotated[str, typer.Option(
        help="Object name; default runner-ext-build-ENGINE.")] = "",
    kind: Annotated[PodKind, typer.Option(help="Render a Pod or a Job.")] = PodKind.pod,
    ca_file: CaFileOption = None,
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Write a standalone build Pod (or Job) that runs the planner's command line.

    Registry credentials come from the Secret named by kubernetes.registry_secret,
    mounted read-only at the engine's work dir. Rendering stops (exit 2, nothing written)
    when the engine's pod cannot meet the level in kubernetes.enforce.
    """
    org = config_from(config)
    request = PodRequest(
        engine=engine or org.build.engine, context=context, destinations=tuple(destination),
        dockerfile=dockerfile, target=target, build_args=tuple(build_arg or ()), name=name,
        kind=kind.value, ca_pem=ca_pem_from(ca_file, org),
    )
    return _emit(render_pod(org, request), out, dry_run=dry_run, output=output)


# Not EngineOption: the warmer's engine defaults to Kaniko, not to build.engine.
WarmerEngineOption = Annotated[Engine, typer.Option(
    help="kaniko or buildah: whose build pods read the pre-pulled images (BuildKit has no "
    "warmer).")]


def warmer(
    out: OutDirOption,
    config: ConfigOption = None,
    engine: WarmerEngineOption = "kaniko",
    dockerfile: Annotated[list[Path] | None, typer.Option(
        "--dockerfile", "-f", help="Also warm the base images of this Dockerfile "
        "(repeatable).", dir_okay=False)] = None,
    ca_file: CaFileOption = None,
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Write a store of pre-pulled base images: a PVC, a Job that fills it, a CronJob.

    Kaniko's warmer fills the cache its build pods read with --cache-dir.

    Buildah's (--engine buildah) fills an image store its build pods read with
    --storage-opt DRIVER.imagestore.

    Build pods mount the store read-only when warmer.images in the config is not empty.

    With registry.ca_file set, --ca-file gives the org CA the warmer trusts for the
    registries in registry.ca_hosts.
    """
    org = config_from(config)
    files = {str(path): read_file_option(path, "--dockerfile") for path in dockerfile or ()}
    return _emit(render_warmer(org, files, engine, ca_pem_from(ca_file, org)), out,
                 dry_run=dry_run, output=output)


def runner(
    out: OutDirOption,
    config: ConfigOption = None,
    engine: EngineOption = None,
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Write GitLab Runner's Kubernetes executor config: config.toml and Helm values.yaml.

    The runner token is read from the Secret runner.token_secret, never written.
    """
    org = config_from(config)
    return _emit(render_runner(org, engine or org.build.engine), out, dry_run=dry_run,
                 output=output)


def profiles(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Directory to write into (created if missing).",
        file_okay=False)] = Path("node-profiles"),
    installer_image: Annotated[str, typer.Option(
        help="Image of the DaemonSet installer: needs sh, cp, mv and nsenter (busybox has "
        "them); pin it by digest in production.")] = INSTALLER_IMAGE,
    namespace: Annotated[str, typer.Option(
        help="Namespace of the DaemonSet installer, used by nothing else (it is privileged)."
    )] = INSTALLER,
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
) -> int:
    """Write the seccomp and AppArmor profiles of BuildKit rootless and rootless Buildah.

    seccomp/runner-ext/ENGINE.json goes to each node's /var/lib/kubelet/seccomp/;
    apparmor/runner-ext-ENGINE to /etc/apparmor.d/ (loaded with apparmor_parser).
    Install them with the Security Profiles Operator (operator/*.yaml: SeccompProfile
    objects) or, without the operator, with installer/*.yaml: a privileged DaemonSet in a
    namespace of its own that copies the files to every node and loads AppArmor.
    Then set kubernetes.seccomp_localhost_profile = "runner-ext/{engine}.json" and
    kubernetes.apparmor_localhost_profile = "runner-ext-{engine}" in the org config.
    """
    if not installer_image.strip():
        raise RunnerExtError(Category.USAGE, Problem(
            "the installer image is empty", key="--installer-image",
            hint=f"give an image with sh and nsenter, e.g. {INSTALLER_IMAGE}"))
    options = InstallerOptions(image=installer_image,
                               namespace=check_name(namespace, "--namespace"))
    files = render_profiles(options)
    if not dry_run:
        write_files(out, files)
    if output is OutputFormat.json:
        report: dict[str, object] = {"out": str(out), "dry_run": dry_run, "files": sorted(files)}
        if dry_run:
            report["contents"] = files
        echo_json(report)
        return 0
    verb = "would write" if dry_run else "wrote"
    for name in sorted(files):
        typer.echo(f"{verb} {out / name}")
        if dry_run:
            typer.echo(files[name])
    typer.echo(f"the installer DaemonSet is privileged: it runs alone in namespace {namespace}")
    return 0
