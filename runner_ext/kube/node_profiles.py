"""The node profiles runner-ext ships for rootless builds: their names, paths and files.

One home for where the seccomp and AppArmor profiles of BuildKit rootless and rootless
Buildah live on a node, what the org config says to use them, and what
``runner-ext render profiles`` writes: the profiles themselves, the Security Profiles
Operator's ``SeccompProfile`` objects, and for clusters without the operator a DaemonSet
that installs them on every node (privileged, in a namespace of its own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from runner_ext.engines import ROOTLESS, Engine
from runner_ext.kube.labels import labels
from runner_ext.kube.seccomp import DATA, rootless_json, rootless_profile
from runner_ext.render.environment import render

ENGINES: tuple[Engine, ...] = ROOTLESS
# The kubelet's seccomp root; Localhost profiles are paths relative to it.
KUBELET_SECCOMP = "/var/lib/kubelet/seccomp"
APPARMOR_DIR = "/etc/apparmor.d"
SECCOMP_DIR = "runner-ext"
# What [kubernetes] says to use them; "{engine}" becomes the build's engine.
SECCOMP_SETTING = SECCOMP_DIR + "/{engine}.json"
APPARMOR_SETTING = "runner-ext-{engine}"
# The Security Profiles Operator writes a SeccompProfile NAME to operator/NAME.json.
OPERATOR_NAME = "runner-ext-{engine}"
OPERATOR_SECCOMP_SETTING = "operator/runner-ext-{engine}.json"
INSTALLER = "runner-ext-node-profiles"
INSTALLER_IMAGE = "busybox:1.36.1"


def for_engine(setting: str, engine: str) -> str:
    """A ``*_localhost_profile`` setting with ``{engine}`` replaced by the build's engine."""
    return setting.replace("{engine}", engine)


def seccomp_file(engine: Engine) -> str:
    """The seccomp profile's path under the kubelet's seccomp root."""
    return for_engine(SECCOMP_SETTING, engine)


def apparmor_name(engine: Engine) -> str:
    """The AppArmor profile's name (also its file name in /etc/apparmor.d)."""
    return for_engine(APPARMOR_SETTING, engine)


def apparmor_text(engine: Engine) -> str:
    """The AppArmor profile of the engine's build container."""
    return render("kubernetes/profiles/apparmor.j2",
                  {"name": apparmor_name(engine), "engine": engine})


def shipped(engine: Engine) -> dict[str, str]:
    """The engine's profile files as shipped in ``runner_ext/kube/data``, keyed by path."""
    return {f"seccomp/{engine}.json": rootless_json(engine),
            f"apparmor/{apparmor_name(engine)}": apparmor_text(engine)}


def read_shipped(relative: str) -> str:
    """A shipped profile file's text (``seccomp/buildah.json``, ``apparmor/…``)."""
    return (DATA / relative).read_text(encoding="utf-8")


@dataclass(frozen=True)
class InstallerOptions:
    """Where the DaemonSet installer runs and with what image."""

    image: str = INSTALLER_IMAGE
    namespace: str = INSTALLER


def operator_name(engine: Engine) -> str:
    """The name of the engine's Security Profiles Operator ``SeccompProfile`` object."""
    return for_engine(OPERATOR_NAME, engine)


def _operator_object(engine: Engine) -> str:
    spec: dict[str, Any] = rootless_profile(engine)
    return render("kubernetes/profiles/operator.yml.j2", {
        "name": operator_name(engine), "engine": engine,
        "labels": labels("node-profiles", engine), "spec": json.dumps(spec, indent=2)})


def _installer(options: InstallerOptions) -> dict[str, str]:
    files = {f"seccomp-{e}.json": rootless_json(e) for e in ENGINES}
    files |= {f"apparmor-{apparmor_name(e)}": apparmor_text(e) for e in ENGINES}
    context: dict[str, Any] = {
        "name": INSTALLER, "namespace": options.namespace, "image": options.image,
        "labels": labels("node-profiles"),
        "namespace_labels": {**labels("node-profiles"),
                             "pod-security.kubernetes.io/enforce": "privileged"},
        "kubelet_seccomp": KUBELET_SECCOMP,
        "apparmor_dir": APPARMOR_DIR, "seccomp_dir": SECCOMP_DIR,
        "engines": [(e, apparmor_name(e)) for e in ENGINES],
    }
    context["script"] = render("kubernetes/profiles/install.sh.j2", context)
    context["files"] = sorted({**files, "install.sh": context["script"]}.items())
    return {f"installer/{part}.yaml": render("kubernetes/profiles/installer.yml.j2",
                                            {**context, "part": part})
            for part in ("namespace", "networkpolicy", "configmap", "daemonset")}


def render_profiles(options: InstallerOptions | None = None) -> dict[str, str]:
    """Every file of ``render profiles``, keyed by path under the output directory."""
    files: dict[str, str] = {}
    for engine in ENGINES:
        files[f"seccomp/{seccomp_file(engine)}"] = rootless_json(engine)
        files[f"apparmor/{apparmor_name(engine)}"] = apparmor_text(engine)
        files[f"operator/seccompprofile-{engine}.yaml"] = _operator_object(engine)
    return files | _installer(options or InstallerOptions())
