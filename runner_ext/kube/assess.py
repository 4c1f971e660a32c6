"""Hold rendered pods to the Pod Security level they claim and the namespace enforces."""

from __future__ import annotations

from collections.abc import Mapping

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.pss import Level, check_pod, highest_level
from runner_ext.kube.pss.load import pods_from_text
from runner_ext.rules.base import Finding


def _claim_broken(source: str, claimed: Level, findings: list[Finding]) -> RunnerExtError:
    problems = [Problem(f"rendered pod does not meet the '{claimed.value}' level it claims: "
                        f"{f.message}", file=source, key=f.details.get("field"))
                for f in findings]
    return RunnerExtError(Category.TEMPLATE, problems)


def _refusal(what: str, enforce: Level, met: Level, namespace: str,
             findings: list[Finding], reasons: Mapping[str, str]) -> RunnerExtError:
    head = Problem(
        f"{what} cannot run in namespace {namespace!r}, which enforces the "
        f"'{enforce.value}' Pod Security level: the pod meets '{met.value}' at most",
        key="kubernetes.enforce", value=repr(enforce.value),
        hint=f"run {what} in a namespace enforcing '{met.value}' (and set kubernetes.enforce "
        "to match), or choose another engine; nothing was written",
    )
    details = [Problem(f"{f.message}; {reasons[f.rule_id]}" if f.rule_id in reasons
                       else f.message, key=f.details.get("field"))
               for f in findings]
    return RunnerExtError(Category.CONFIG, [head, *details])


def assess(text: str, source: str, *, what: str, claimed: Level, enforce: Level,
           namespace: str, reasons: Mapping[str, str]) -> Level:
    """The level every pod in ``text`` meets; raises when below the claim or the enforce."""
    met = Level.restricted
    for pod in pods_from_text(text, source):
        broken = check_pod(pod, claimed)
        if broken:
            raise _claim_broken(source, claimed, broken)
        pod_level = highest_level(pod)
        if enforce.rank > pod_level.rank:
            raise _refusal(what, enforce, pod_level, namespace, check_pod(pod, enforce),
                           reasons)
        met = min(met, pod_level, key=lambda level: level.rank)
    return met
