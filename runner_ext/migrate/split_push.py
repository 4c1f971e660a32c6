"""A build in one job and its push in a later one: ``build: docker build -t X .`` in stage
``build``, ``upload: docker push X`` in stage ``deploy``.

That pipeline only ever worked on a runner whose jobs share one Docker daemon: the push job
pushes what the build job left in the daemon's image store. Kubernetes jobs share none, so
the push job becomes a build-and-push of the same context, Dockerfile, args and tags (warm
from the registry layer cache), and the build job stays the build check it was (push off).

This is exact only when exactly one job of an earlier stage builds or tags the reference,
runner-ext migrates that job declaratively with nothing computed at run time, and no other
job up to the push builds, tags, pulls or loads the same reference. Otherwise the push job
is left, with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.migrate.analyse.decision import Refusal
from runner_ext.migrate.analyse.docker import (
    DockerCall,
    classify,
    is_login_pipe,
    parse_build,
    parse_login,
)
from runner_ext.migrate.analyse.expand import normalize_ref, substitute
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.interpret import HARMLESS, ScriptState
from runner_ext.migrate.analyse.request import credential_attention
from runner_ext.migrate.report.outcomes import JobWork
from runner_ext.migrate.rules import retag_only
from runner_ext.migrate.shim.verbs import archive_verb

# GitLab's stages when the CI file names none; .pre and .post always frame them.
DEFAULT_STAGES = ("build", "test", "deploy")
_SETUP = frozenset({"login", "logout", "info"})


def pair_split_pushes(work: list[JobWork], stages: Sequence[str], config: OrgConfig) -> None:
    """Give each push-only job whose image an earlier job builds a build-and-push request
    (in place); a push-only job that can't be paired keeps its refusal, made precise."""
    order = {name: i for i, name in enumerate([".pre", *stages, ".post"])}
    for item in work:
        pushed = _push_only(item)
        if pushed is not None and item.refusal is not None \
                and item.refusal.rule == retag_only.ID:
            _pair(item, pushed[0], pushed[1], work, order, config)
    keep_shared_images(work)


def keep_shared_images(work: list[JobWork], *, rewritten: bool = False) -> None:
    """Build checks whose image another job still takes from the shared Docker daemon
    (pushes, tags, runs or saves it) stay where they are: moved alone, they would leave
    that job without the image. Run before the rewrites (jobs with a request count as
    building their own image) and after them (``rewritten``: only rewritten ones do)."""
    for item in work:
        if item.request is not None and not item.request.push and (
                item.rewrite is not None or not rewritten):
            _keep_shared_image(item, work, rewritten)


def _keep_shared_image(check: JobWork, work: list[JobWork], rewritten: bool) -> None:
    assert check.request is not None
    tags = {_expanded(t, check.facts) for t in check.request.tags}
    for other in work:
        builds_itself = other.request is not None and (other.rewrite is not None
                                                       or not rewritten)
        if other is check or builds_itself:
            continue
        used = [c for c in other.facts.calls if c.kind not in ("build", "login", "logout")
                and tags & {_expanded(a, other.facts) for a in c.args}]
        if used:
            check.request, check.rewrite = None, None
            check.refusal = Refusal(
                f"the image is built here but never pushed: job {other.job.name} uses it from "
                f"the shared Docker daemon ('{used[0].command.text}') and is left as it is, "
                "so this job stays with it",
                f"migrate {other.job.name} first (build and push in one job), then run "
                "migrate-project again")
            return


def _stage(item: JobWork, order: dict[str, int]) -> int:
    return order.get(str(item.job.effective.get("stage", "test")), -1)


def _push_only(item: JobWork) -> tuple[list[str], ScriptState] | None:
    """The references a job pushes (expanded with its variables) when its script only logs
    in and pushes; None for any other script."""
    facts = item.facts
    if facts.script_problems or item.request is not None or facts.after_commands:
        return None
    state = ScriptState()
    refs: list[str] = []
    for command in facts.commands:
        call = classify(command)
        if is_login_pipe(command, call):
            if call is not None:
                state.logins.append(parse_login(call).registry)
            continue
        if call is None and command.name in HARMLESS and not command.construct:
            continue
        if call is None or command.construct or command.may_fail:
            return None
        if call.kind == "login":
            state.logins.append(parse_login(call).registry)
        elif call.kind == "push" and len(call.args) == 1 and not call.args[0].startswith("-"):
            refs.append(_expanded(call.args[0], facts))
        elif call.kind not in _SETUP:
            return None
    return (refs, state) if refs else None


def _expanded(ref: str, facts: JobFacts) -> str:
    for _ in range(5):
        ref = substitute(ref, facts.variables)
    return normalize_ref(ref)


def _touched(facts: JobFacts) -> set[str]:
    """References a job builds, tags, pulls or loads into its Docker daemon."""
    found: set[str] = set()
    for call in facts.calls:
        found.update(_expanded(r, facts) for r in _call_refs(call))
    if any(archive_verb(c.words) in ("docker load", "docker image load")
           for c in facts.commands):
        found.add("*")  # a loaded archive may hold any reference
    return found


def _call_refs(call: DockerCall) -> list[str]:
    if call.kind == "build":
        return parse_build(call).tags
    if call.kind in ("tag", "pull"):
        return [a for a in call.args if not a.startswith("-")][-1:]
    return []


def _pair(item: JobWork, pushed: list[str], state: ScriptState, work: list[JobWork],
          order: dict[str, int], config: OrgConfig) -> None:
    at = _stage(item, order)
    others = [w for w in work if w is not item and w.job.name != item.job.name]
    touching = [w for w in others if (set(pushed) | {"*"}) & _touched(w.facts)
                and _stage(w, order) <= at]
    shown = ", ".join(pushed)
    if len(touching) != 1:
        names = ", ".join(w.job.name for w in touching) or "none"
        item.refusal = Refusal(
            f"the job pushes {shown}, which no job of this project builds alone in an earlier "
            f"stage (jobs that build, tag, pull or load it up to its stage: {names}); it "
            "pushed what another job left in a shared Docker daemon",
            "build and push the image in one job, then run migrate-project again",
            retag_only.ID)
        return
    builder = touching[0]
    problem = _builder_problem(item, builder, pushed, at, order)
    if problem:
        item.refusal = Refusal(
            f"the job pushes {shown} from the shared Docker daemon, built there by job "
            f"{builder.job.name}; {problem}",
            "build and push the image in one job, then run migrate-project again",
            retag_only.ID)
        return
    item.request, item.refusal = _request(item, builder, pushed, state, config), None


def _builder_problem(item: JobWork, builder: JobWork, pushed: list[str], at: int,
                     order: dict[str, int]) -> str:
    request = builder.request
    if _stage(builder, order) >= at or _stage(builder, order) < 0:
        return "that job does not run in an earlier stage"
    needs = item.job.effective.get("needs")
    if isinstance(needs, list) and builder.job.name not in _need_names(needs):
        return "this job's needs: does not wait for it"
    if request is None or request.promote_from:
        why = builder.refusal.reason if builder.refusal else "it does not build declaratively"
        return f"that job is left as it is ({why})"
    if request.script or request.runtime_inputs:
        return ("that job computes part of its build in its script, which this job would "
                "have to repeat")
    tags = {_expanded(t, builder.facts) for t in request.tags}
    missing = [p for p in pushed if p not in tags]
    if missing:
        return f"runner-ext can't match {missing[0]} to a tag that job gives its image"
    return ""


def _need_names(needs: list[Any]) -> set[str]:
    return {str(n.get("job")) if isinstance(n, dict) else str(n) for n in needs}


def _request(item: JobWork, builder: JobWork, pushed: list[str], state: ScriptState,
             config: OrgConfig) -> Any:
    source = builder.request
    assert source is not None
    request = dataclasses.replace(
        source, destinations=list(dict.fromkeys(pushed)), push=True, tags=list(pushed),
        changes=[], attention=[], script=[], runtime_inputs=set())
    stage = builder.job.effective.get("stage", "test")
    request.changes.append(
        f"builds {request.dockerfile} again, as job {builder.job.name} (stage {stage}) does: "
        "the job pushed the image that job left in the runner's shared Docker daemon, and "
        f"Kubernetes jobs share none; the registry layer cache, which {builder.job.name} "
        "reads too, keeps the rebuild short once warm")
    request.changes.append("pushes " + ", ".join(request.destinations))
    credential_attention(item.facts, state, request, config)
    return request
