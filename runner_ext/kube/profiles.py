"""What each engine needs from Kubernetes, once, for build pods and runner config alike.

The profiles are the least privilege each engine runs with; ``reasons`` explains, per
Pod Security Standards check, why the engine cannot give up what that check forbids.
Those reasons are what a refusal to render for a stricter namespace prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner_ext.config.model import OrgConfig
from runner_ext.engines import SUMMARIES, Engine
from runner_ext.kube.node_profiles import APPARMOR_SETTING, SECCOMP_SETTING, for_engine
from runner_ext.kube.pss.base import Level


@dataclass(frozen=True)
class Confinement:
    """A seccomp or AppArmor profile: ``RuntimeDefault``, ``Unconfined`` or ``Localhost``."""

    type: str
    localhost: str = ""


RUNTIME_DEFAULT = Confinement("RuntimeDefault")
UNCONFINED = Confinement("Unconfined")


@dataclass(frozen=True)
class EngineProfile:
    """The security settings, users and volumes of an engine's build container."""

    engine: Engine
    summary: str
    run_as_user: int
    run_as_non_root: bool
    allow_privilege_escalation: bool
    seccomp: Confinement
    apparmor: Confinement | None
    host_users: bool
    capabilities_add: tuple[str, ...] = ()
    capabilities_drop: tuple[str, ...] = ()
    state_dir: str = ""
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def run_as_group(self) -> int | None:
        """Group of the build user (root keeps the image's)."""
        return self.run_as_user or None

    @property
    def fs_group(self) -> int | None:
        """Group owning mounted secrets and volumes, so a non-root user can read them."""
        return self.run_as_user or None

    @property
    def secret_mode(self) -> int:
        """File mode of mounted credentials: owner-only for root, group-read otherwise."""
        return 0o400 if self.run_as_user == 0 else 0o440

    @property
    def claimed(self) -> Level:
        """The Pod Security Standards level this profile is designed to meet."""
        confinements = [self.seccomp, self.apparmor]
        if any(c is not None and c.type == "Unconfined" for c in confinements):
            return Level.privileged
        return Level.baseline


_ROOTLESS_SECCOMP = (
    "{tool} creates a user namespace and mounts inside it (unshare, mount); the container "
    "runtime's default seccomp profile refuses those calls to a process without "
    "CAP_SYS_ADMIN. Install runner-ext's profiles on the nodes (runner-ext render profiles) "
    f"and set kubernetes.seccomp_localhost_profile = '{SECCOMP_SETTING}' to reach the "
    "baseline level"
)
_ROOTLESS_APPARMOR = (
    "the runtime's default AppArmor profile denies the mounts {tool} makes ('failed to "
    "share mount point: /: permission denied'). Load runner-ext's profiles (runner-ext render "
    f"profiles) and set kubernetes.apparmor_localhost_profile = '{APPARMOR_SETTING}' to reach "
    "the baseline level"
)
_ROOTLESS_ESCALATION = (
    "newuidmap and newgidmap, which map the IDs of {tool}'s user namespace, are setuid "
    "programs; allowPrivilegeEscalation=false sets no_new_privs and stops them"
)
_ROOTLESS_CAPABILITIES = (
    "dropping ALL capabilities takes CAP_SETUID/CAP_SETGID from newuidmap/newgidmap and "
    "bounds what root inside the build's user namespace may do (chown, setuid in RUN steps)"
)
_KANIKO_ROOT = (
    "Kaniko runs as UID 0: it unpacks the base image into its own root filesystem with the "
    "files' original owners and runs RUN steps itself, without a nested container"
)
# What Kaniko needs back after dropping ALL, and why: it unpacks images as root into its own
# root filesystem, keeping owners, modes and file capabilities, and runs RUN steps as the
# Dockerfile's USER. All are in the Pod Security baseline's allowed set (PSS104).
KANIKO_CAPABILITIES: dict[str, str] = {
    "CHOWN": "give unpacked and copied files their owners from the image "
             "(without it: 'chown /bin: operation not permitted')",
    "DAC_OVERRIDE": "read and write files whatever their mode, as root normally can: unpacking "
                    "read-only directories, snapshotting, saving files between stages "
                    "(without it: 'mkdir /kaniko/0/…: permission denied')",
    "FOWNER": "chmod and set times on files owned by other users while unpacking "
              "(without it: 'chmod /var/cache/apt/archives/partial: operation not permitted')",
    "FSETID": "keep setuid/setgid bits on files of other groups (e.g. setgid tools in Debian "
              "base images); without it the kernel clears them",
    "SETUID": "run RUN steps as the Dockerfile's USER, and let su, setpriv and package "
              "scripts inside RUN switch users",
    "SETGID": "the same for groups (USER user:group, supplementary groups)",
    "SETFCAP": "write file capabilities (security.capability), e.g. when rpm or dnf installs "
               "ping; without it package installs fail",
}
_KANIKO_CAPABILITIES = (
    "Kaniko drops ALL capabilities but adds back " + ", ".join(KANIKO_CAPABILITIES)
    + " to give files their owners, modes and file capabilities and to run RUN steps as "
    "other users; with only NET_BIND_SERVICE, most Dockerfiles fail"
)


# Raw sockets (ping, packet crafting) serve no build step of the rootless engines, which
# cannot drop ALL (see _ROOTLESS_CAPABILITIES); GitLab Runner drops NET_RAW by default too.
_ROOTLESS_DROP = ("NET_RAW",)


def _confinement(localhost: str, engine: Engine) -> Confinement:
    """``Localhost`` with the setting (``{engine}`` filled in), or ``Unconfined`` without one."""
    return Confinement("Localhost", for_engine(localhost, engine)) if localhost else UNCONFINED


def _rootless_reasons(tool: str) -> dict[str, str]:
    return {
        "PSS111": _ROOTLESS_SECCOMP.replace("{tool}", tool),
        "PSS205": _ROOTLESS_SECCOMP.replace("{tool}", tool),
        "PSS108": _ROOTLESS_APPARMOR.replace("{tool}", tool),
        "PSS202": _ROOTLESS_ESCALATION.format(tool=tool),
        "PSS206": _ROOTLESS_CAPABILITIES,
    }


def _rootless_profile(config: OrgConfig, engine: Engine, tool: str, state_dir: str,
                      capabilities_add: tuple[str, ...] = ()) -> EngineProfile:
    """UID 1000, setuid newuidmap/newgidmap allowed, seccomp/AppArmor relaxed or node-local."""
    k = config.kubernetes
    return EngineProfile(
        engine=engine, summary=SUMMARIES[engine], run_as_user=1000, run_as_non_root=True,
        allow_privilege_escalation=True,
        seccomp=_confinement(k.seccomp_localhost_profile, engine),
        apparmor=_confinement(k.apparmor_localhost_profile, engine),
        host_users=not k.user_namespaces,
        capabilities_add=capabilities_add, capabilities_drop=_ROOTLESS_DROP,
        state_dir=state_dir, reasons=_rootless_reasons(tool),
    )


def kaniko_profile(config: OrgConfig) -> EngineProfile:
    """Root, no privilege escalation, ALL capabilities dropped but
    :data:`KANIKO_CAPABILITIES`, RuntimeDefault seccomp."""
    return EngineProfile(
        engine="kaniko", summary=SUMMARIES["kaniko"], run_as_user=0, run_as_non_root=False,
        allow_privilege_escalation=False, seccomp=RUNTIME_DEFAULT, apparmor=None,
        host_users=not config.kubernetes.user_namespaces,
        capabilities_add=tuple(KANIKO_CAPABILITIES), capabilities_drop=("ALL",),
        reasons={"PSS203": _KANIKO_ROOT, "PSS204": _KANIKO_ROOT,
                 "PSS206": _KANIKO_CAPABILITIES},
    )


def buildkit_profile(config: OrgConfig) -> EngineProfile:
    """UID 1000 (the rootless image's user), seccomp/AppArmor relaxed or node-local."""
    return _rootless_profile(config, "buildkit", "rootlesskit (BuildKit rootless)",
                             state_dir="/home/user/.local/share/buildkit")


def buildah_profile(config: OrgConfig) -> EngineProfile:
    """UID 1000 (the image's 'build' user), SETUID/SETGID/SETFCAP kept, chroot isolation."""
    return _rootless_profile(config, "buildah", "rootless Buildah",
                             state_dir="/home/build/.local/share/containers",
                             capabilities_add=("SETUID", "SETGID", "SETFCAP"))


PROFILES = {"kaniko": kaniko_profile, "buildkit": buildkit_profile, "buildah": buildah_profile}


def engine_profile(config: OrgConfig, engine: Engine) -> EngineProfile:
    """The profile of ``engine`` under this org config."""
    return PROFILES[engine](config)
