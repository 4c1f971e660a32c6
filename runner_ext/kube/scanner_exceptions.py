"""checkov findings on rendered manifests that runner-ext accepts, each with the engine's reason.

The one list: ``tests/test_kube_checkov.py`` runs checkov on every manifest ``render pod``,
``render warmer`` and ``render profiles`` (subject ``node-profiles``: its installer) produce
and fails on any finding not listed here (and on a listed one that no longer occurs), and
checks the table in ``docs/kubernetes.md`` against it. Everything else
checkov reports was fixed in the templates (digest pins, pull policy, NetworkPolicy, NET_RAW,
read-only helpers).
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.engines import ENGINES, ROOTLESS
from runner_ext.kube.profiles import KANIKO_CAPABILITIES


@dataclass(frozen=True)
class Accepted:
    """A checkov check that fails for these subjects (engines' build pods, or ``warmer``)."""

    subjects: tuple[str, ...]
    reason: str


_ROOTLESS: tuple[str, ...] = ROOTLESS
_ENGINES: tuple[str, ...] = ENGINES
# The DaemonSet that installs the rootless engines' node profiles (runner_ext.kube.node_profiles)
# writes host paths and loads AppArmor profiles into the kernel: privileged by necessity, alone
# in its own namespace, with no service account token and no network.
_INSTALLER = "node-profiles"
_PRIVILEGED = (" The node-profile installer is privileged (CKV_K8S_16), which grants this "
               "anyway")
ACCEPTED: dict[str, Accepted] = {
    "CKV_K8S_8": Accepted((*_ENGINES, _INSTALLER), "a build pod runs to completion and serves "
                          "nothing: there is no endpoint to probe, and with restartPolicy Never a "
                          "failed liveness probe could only kill the build. The node-profile "
                          "installer serves nothing either: it installs, then sleeps"),
    "CKV_K8S_9": Accepted((*_ENGINES, _INSTALLER), "as CKV_K8S_8: no traffic ever goes to a "
                          "build pod or the installer, so readiness means nothing"),
    "CKV_K8S_16": Accepted((_INSTALLER,), "the node-profile installer writes "
                           "/var/lib/kubelet/seccomp and /etc/apparmor.d on the node and runs the "
                           "node's apparmor_parser in the host's mount namespace to load the "
                           "AppArmor profiles into the kernel"),
    "CKV_K8S_17": Accepted((_INSTALLER,), "the installer enters the host's mount namespace "
                           "(nsenter --target 1) to run the node's own apparmor_parser"),
    "CKV_K8S_20": Accepted((*_ROOTLESS, _INSTALLER), "newuidmap and newgidmap, which map the user "
                           "namespace of rootlesskit and rootless Buildah, are setuid programs; "
                           "allowPrivilegeEscalation=false (no_new_privs) stops them. Kubernetes "
                           "refuses allowPrivilegeEscalation=false on a privileged container such "
                           "as the node-profile installer"),
    "CKV_K8S_22": Accepted(("kaniko", *_ROOTLESS), "Kaniko unpacks the base image into its own "
                           "root filesystem and runs RUN steps there; BuildKit and Buildah write "
                           "to their home, /tmp, /var/tmp and the runtime dir besides the state "
                           "volume; Buildah's warmer is Buildah, with a build pod's settings. "
                           "The helpers (clone, Kaniko's warmer) do run read-only"),
    "CKV_K8S_23": Accepted(("kaniko", _INSTALLER), "Kaniko must be UID 0: it gives unpacked files "
                           "their owners and runs RUN steps as any user without a nested "
                           "container. The node-profile installer writes root-owned host paths"),
    "CKV_K8S_25": Accepted(("kaniko", "buildah"), "Kaniko drops ALL and adds back "
                           + ", ".join(KANIKO_CAPABILITIES) + " (each explained above); rootless "
                           "Buildah adds SETUID, SETGID, SETFCAP for newuidmap/newgidmap "
                           "(CRI-O's default set lacks SETFCAP)"),
    "CKV_K8S_28": Accepted((_INSTALLER,), "the rootless engines drop NET_RAW, Kaniko drops ALL."
                           + _PRIVILEGED + "; its NetworkPolicy denies all traffic"),
    "CKV_K8S_29": Accepted((_INSTALLER,), "build pods and the warmer set pod and container "
                           "security contexts." + _PRIVILEGED + ", so a pod-level context would "
                           "only pretend to restrict it"),
    "CKV_K8S_31": Accepted((_INSTALLER,), "build pods set RuntimeDefault or the shipped "
                           "Localhost profiles; a privileged container runs without seccomp "
                           "whatever the pod says, so the installer does not pretend"),
    "CKV_K8S_37": Accepted((*_ROOTLESS, _INSTALLER), "dropping ALL would take "
                           "CAP_SETUID/CAP_SETGID from newuidmap/newgidmap and bound what root "
                           "inside the build's user namespace may do (chown, setuid in RUN "
                           "steps); NET_RAW is dropped." + _PRIVILEGED),
    "CKV_K8S_40": Accepted(("kaniko", *_ROOTLESS, _INSTALLER), "Kaniko is root (CKV_K8S_23); the "
                           "rootless images run as their own user, UID 1000, whose /etc/subuid "
                           "and /etc/subgid ranges map the user namespace; another UID has none. "
                           "The node-profile installer is root (CKV_K8S_23)"),
}
