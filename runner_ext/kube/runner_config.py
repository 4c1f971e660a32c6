"""GitLab Runner's ``config.toml`` and the Helm chart's ``values.yaml``, built as data.

Both files are written by their format's own emitter (``tomli_w``, ``ruamel.yaml``) from
plain dicts, never by pasting values into text, so no value of the org config can add a
key, a table or a line. The explanations a reader needs live in a header comment made by
:func:`comment`, which prefixes every line (also the lines of a multi-line value) with
``#``; command lines in it quote each value with :func:`shlex.quote`, so copying one into
a shell passes exactly the configured words.
"""

from __future__ import annotations

import io
import json
import shlex
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import tomli_w
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from runner_ext.kube.profiles import Confinement, EngineProfile

TOKEN = '"$RUNNER_TOKEN"'


def comment(text: str) -> str:
    """``text`` as comment lines: every line, however it came to be, starts with ``#``."""
    return "".join(f"# {line}".rstrip() + "\n" for line in text.split("\n"))


def register_command(gitlab_url: str) -> list[str]:
    """``gitlab-runner register`` with the rendered template (the token is appended)."""
    return ["gitlab-runner", "register", "--non-interactive", "--template-config",
            "config.toml", "--url", gitlab_url, "--token"]


def secret_command(namespace: str, token_secret: str) -> list[str]:
    """``kubectl create secret`` for the runner token (its value appended as a variable)."""
    return ["kubectl", "-n", namespace, "create", "secret", "generic", token_secret,
            "--from-literal=runner-registration-token=", "--from-literal=runner-token="]


def helm_command(name: str, namespace: str) -> list[str]:
    """``helm upgrade --install`` of the chart with the rendered values."""
    return ["helm", "upgrade", "--install", name, "gitlab/gitlab-runner", "-n", namespace,
            "-f", "values.yaml"]


def _security_context(profile: EngineProfile) -> dict[str, Any]:
    context: dict[str, Any] = {"run_as_user": profile.run_as_user}
    if profile.run_as_group:
        context["run_as_group"] = profile.run_as_group
    if profile.run_as_non_root:
        context["run_as_non_root"] = True
    capabilities = {key: list(value) for key, value in (
        ("drop", profile.capabilities_drop), ("add", profile.capabilities_add)) if value}
    if capabilities:
        context["capabilities"] = capabilities
    context["seccomp_profile"] = _confinement(profile.seccomp)
    if profile.apparmor:
        context["app_armor_profile"] = _confinement(profile.apparmor)
    return context


def _confinement(confinement: Confinement) -> dict[str, str]:
    found = {"type": confinement.type}
    if confinement.localhost:
        found["localhost_profile"] = confinement.localhost
    return found


def _volumes(context: dict[str, Any]) -> dict[str, Any]:
    profile: EngineProfile = context["profile"]
    volumes: dict[str, Any] = {}
    if context["cache"]:
        volumes["pvc"] = [{"name": context["cache"].claim,
                           "mount_path": context["cache"].mount, "read_only": True}]
    if profile.state_dir:
        volumes["empty_dir"] = [{
            "name": "engine-state", "mount_path": profile.state_dir,
            "size_limit": context["k"].resources.ephemeral_storage_limit}]
    return volumes


def _kubernetes(context: dict[str, Any]) -> dict[str, Any]:
    k, profile = context["k"], context["profile"]
    table: dict[str, Any] = {
        "namespace": k.namespace, "image": context["image"],
        "allowed_images": [context["image"]],
        "allowed_services": ["runner-ext.invalid/no-services"],
        "pull_policy": "if-not-present", "privileged": False,
        "allow_privilege_escalation": profile.allow_privilege_escalation,
    }
    if k.service_account:
        table["service_account"] = k.service_account
    table["automount_service_account_token"] = False
    table["poll_timeout"] = context["poll_timeout"]
    table.update(k.resources.model_dump())
    if not profile.host_users:
        table.update(logs_base_dir="/tmp", scripts_base_dir="/tmp")
    if k.node_selector:
        table["node_selector"] = dict(sorted(k.node_selector.items()))
    if context["tolerations"]:
        table["node_tolerations"] = dict(context["tolerations"])
    fs_group = {"fs_group": profile.fs_group} if profile.fs_group else {}
    table["pod_security_context"] = {**fs_group, "seccomp_profile": {"type": "RuntimeDefault"}}
    table["build_container_security_context"] = _security_context(profile)
    if volumes := _volumes(context):
        table["volumes"] = volumes
    if context["pod_spec"]:
        table["pod_spec"] = [{"name": p["name"], "patch_type": p["type"], "patch": p["patch"]}
                             for p in context["pod_spec"]]
    return table


def _runner(context: dict[str, Any]) -> dict[str, Any]:
    profile: EngineProfile = context["profile"]
    runner: dict[str, Any] = {"name": context["name"], "executor": "kubernetes"}
    if context["pod_spec"]:
        runner["environment"] = ["FF_USE_ADVANCED_POD_SPEC_CONFIGURATION=true"]
    if not profile.host_users:
        runner["builds_dir"] = "/tmp/builds"
    runner["kubernetes"] = _kubernetes(context)
    return runner


def _notes(context: dict[str, Any]) -> list[str]:
    profile: EngineProfile = context["profile"]
    notes = ["allowed_images holds only the executor image, and allowed_services matches no "
             "image (.invalid is a reserved domain): no other image and no services (so no "
             "docker:dind) run."]
    if profile.allow_privilege_escalation:
        notes.append("allow_privilege_escalation: newuidmap/newgidmap (setuid) map the "
                     "build's user namespace.")
    if not profile.host_users:
        notes.append("builds_dir, logs_base_dir, scripts_base_dir under /tmp: in a user "
                     "namespace even root cannot create directories in the container's root.")
    if context["pod_spec"]:
        notes.append("pod_spec patches need the FF_USE_ADVANCED_POD_SPEC_CONFIGURATION "
                     "feature flag (set in environment).")
    if context["cache"]:
        store = context["cache"]
        notes.append("volumes.pvc: base images pre-pulled by the warmer (runner-ext render "
                     f"warmer --engine {store.engine}), {store.use}.")
    if profile.state_dir:
        notes.append("volumes.empty_dir: the engine's working storage, off the container's "
                     "writable layer.")
    return notes


def _prose(*paragraphs: str) -> list[str]:
    """Paragraphs wrapped for reading (commands are never wrapped: they stay exact)."""
    return [line for text in paragraphs for line in textwrap.wrap(
        text, width=96, break_long_words=False, break_on_hyphens=False) or [""]]


def _quoted(value: str) -> str:
    """A value inside prose: JSON's quoted form, always on one line."""
    return json.dumps(value)


def config_toml(context: dict[str, Any]) -> str:
    """The registration template ``config.toml`` for one engine."""
    k = context["k"]
    header = "\n".join([
        *_prose(f"GitLab Runner (Kubernetes executor) for runner-ext {context['engine']} "
                f"builds: {context['summary']}.",
                f"Pod Security Standards: build pods meet '{context['level']}'; namespace "
                f"{_quoted(k.namespace)} enforces '{k.enforce}'.", "",
                "A registration template: the runner's URL and token are not in this file. "
                "Either"),
        _command_line(register_command(context["gitlab_url"]), f" {TOKEN}"),
        *_prose("or install the gitlab-runner Helm chart with values.yaml (token read from "
                f"the Secret {_quoted(context['token_secret'])}).", "", *_notes(context)),
    ])
    return comment(header) + tomli_w.dumps({"runners": [_runner(context)]})


def _command_line(argv: Sequence[str], suffix: str = "") -> str:
    return f"  {shlex.join(argv)}{suffix}"


def helm_values(context: dict[str, Any], toml: str) -> str:
    """``values.yaml`` for the gitlab-runner Helm chart, carrying ``toml`` as runners.config."""
    namespace, secret = context["k"].namespace, context["token_secret"]
    tags = ", ".join(_quoted(tag) for tag in context["tags"])
    header = "\n".join([
        *_prose(f"gitlab-runner Helm chart values for runner-ext {context['engine']} builds.",
                f"The runner token is read from the Secret {_quoted(secret)}, never written "
                "here:"),
        _command_line(secret_command(namespace, secret), TOKEN),
        _command_line(helm_command(context["name"], namespace)),
        *_prose(f"Create the runner in GitLab with the tags {tags} (used only by build jobs)."),
    ])
    values = {
        "gitlabUrl": context["gitlab_url"], "concurrent": context["concurrent"],
        "rbac": {"create": True},
        "runners": {"secret": secret, "config": LiteralScalarString(toml)},
    }
    return comment(header) + dump_yaml(values)


def dump_yaml(data: Any) -> str:
    """One YAML document from plain data, by ruamel.yaml, lines never folded."""
    yaml = YAML()
    yaml.width = sys.maxsize
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


__all__ = ["comment", "config_toml", "dump_yaml", "helm_values"]
