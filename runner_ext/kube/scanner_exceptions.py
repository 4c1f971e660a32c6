"""checkov findings on rendered manifests that runner-ext accepts, each with the engine's reason.

The one list: ``tests/test_kube_checkov.py`` runs checkov on every manifest ``render pod`` and
``render warmer`` produce and fails on any finding not listed here (and on a listed one that no
longer occurs), and checks the table in ``docs/kubernetes.md`` against it. Everything else
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
ACCEPTED: dict[str, Accepted] = {
    "CKV_K8S_8": Accepted(_ENGINES, "a build pod runs to completion and serves "
                          "nothing: there is no endpoint to probe, and with restartPolicy Never a "
                          "failed liveness probe could only kill the build"),
    "CKV_K8S_9": Accepted(_ENGINES, "as CKV_K8S_8: no traffic ever goes to a build "
                          "pod, so readiness means nothing"),
    "CKV_K8S_20": Accepted(_ROOTLESS, "newuidmap and newgidmap, which map the user namespace "
                           "of rootlesskit and rootless Buildah, are setuid programs; "
                           "allowPrivilegeEscalation=false (no_new_privs) stops them"),
    "CKV_K8S_22": Accepted(("kaniko", *_ROOTLESS), "Kaniko unpacks the base image into its own "
                           "root filesystem and runs RUN steps there; BuildKit and Buildah write "
                           "to their home, /tmp, /var/tmp and the runtime dir besides the state "
                           "volume. The helpers (clone, warmer) do run read-only"),
    "CKV_K8S_23": Accepted(("kaniko",), "Kaniko must be UID 0: it gives unpacked files their "
                           "owners and runs RUN steps as any user without a nested container"),
    "CKV_K8S_25": Accepted(("kaniko", "buildah"), "Kaniko drops ALL and adds back "
                           + ", ".join(KANIKO_CAPABILITIES) + " (each explained above); rootless "
                           "Buildah adds SETUID, SETGID, SETFCAP for newuidmap/newgidmap "
                           "(CRI-O's default set lacks SETFCAP)"),
    "CKV_K8S_37": Accepted(_ROOTLESS, "dropping ALL would take CAP_SETUID/CAP_SETGID from "
                           "newuidmap/newgidmap and bound what root inside the build's user "
                           "namespace may do (chown, setuid in RUN steps); NET_RAW is dropped"),
    "CKV_K8S_40": Accepted(("kaniko", *_ROOTLESS), "Kaniko is root (CKV_K8S_23); the rootless "
                           "images run as their own user, UID 1000, whose /etc/subuid and "
                           "/etc/subgid ranges map the user namespace; another UID has none"),
}
