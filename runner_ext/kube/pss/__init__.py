"""Pod Security Standards (Kubernetes 1.37): one check per module, an explicit registry.

``check_pod(pod, level)`` runs every check of the level (restricted includes baseline,
minus the baseline checks a stricter restricted check replaces) and returns findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from runner_ext.kube.pss import (
    apparmor,
    capabilities_baseline,
    capabilities_restricted,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_probes,
    host_process,
    privilege_escalation,
    privileged,
    proc_mount,
    proc_mount_restricted,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    seccomp_baseline,
    seccomp_restricted,
    selinux,
    sysctls,
)
from runner_ext.kube.pss.base import Level, PodView, example_pod
from runner_ext.rules.base import Finding, Severity
from runner_ext.rules.docs import Catalog, register_skeleton


class PssRule(Protocol):
    """What each check module exposes."""

    ID: str
    NAME: str
    CHECK: str
    LEVEL: Level
    SEVERITY: Severity
    OVERRIDES: tuple[str, ...]

    def check(self, pod: PodView) -> Iterator[Finding]:
        """Yield a finding per violation."""
        ...


RULES: tuple[PssRule, ...] = (
    host_process, host_namespaces, privileged, capabilities_baseline, host_path_volumes,
    host_ports, host_probes, apparmor, selinux, proc_mount, seccomp_baseline, sysctls,
    restricted_volumes, privilege_escalation, run_as_non_root, run_as_user,
    seccomp_restricted, capabilities_restricted, proc_mount_restricted,
)
_INTRO = """\
`runner-ext check pod` and every `render` of a build pod check pod specs against the
Kubernetes Pod Security Standards with these rules, one per check of the standard: the
baseline level's twelve, and the restricted level's, which replace four of them with stricter
versions. A namespace labelled `pod-security.kubernetes.io/enforce: LEVEL` admits a pod only
when it passes that level's rules. They have no fixes: which privilege a workload may give up
is its owner's decision (for build pods, `docs/kubernetes.md` says what each engine needs).
"""
# The checks' docstrings write their examples as ```pod fragments of one example pod.
register_skeleton("pod", "yaml", example_pod)
CATALOG = Catalog("pod", "Pod Security rules", _INTRO, RULES, "docs/rules-pod.md",
                  required=("What it does", "Why it matters", "Example", "Instead"),
                  has_fixes=False)


def rules_for(level: Level) -> list[PssRule]:
    """The checks that make up ``level``; none for privileged."""
    chosen = [r for r in RULES if Level.baseline.rank <= r.LEVEL.rank <= level.rank]
    replaced = {old for r in chosen for old in r.OVERRIDES}
    return [r for r in chosen if r.ID not in replaced]


def check_pod(pod: PodView, level: Level) -> list[Finding]:
    """Every violation of ``level`` in one pod spec."""
    return [finding for rule in rules_for(level) for finding in rule.check(pod)]


def highest_level(pod: PodView) -> Level:
    """The strictest level the pod meets."""
    for level in (Level.restricted, Level.baseline):
        if not check_pod(pod, level):
            return level
    return Level.privileged


__all__ = ["CATALOG", "RULES", "Level", "PodView", "PssRule", "check_pod", "highest_level",
           "rules_for"]
