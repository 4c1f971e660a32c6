"""Choosing each job's strategy: declarative (the job becomes the template's build job),
shim (the job keeps its script and runs in the shim executor), or left with a reason.

``auto`` keeps the declarative rewrite wherever it is exact and tries the shim where a
script, Makefile or compose file drives the build, where the job runs the image it built
with a foreground, one-shot ``docker run``, where a job copies pulled images the promote
rewrite can't take (several sources), where a build's only option the template lacks is
``--output`` (the wrapper reads it), or where the job also runs a step (``git config…``,
``tar…``) with a command the declarative executor image lacks and the shim image has;
``shim`` tries the shim on every build job; ``declarative`` never does.
"""

from __future__ import annotations

from typing import Literal

from runner_ext.config.model import OrgConfig
from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.docker import classify, parse_build
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.shell import Command
from runner_ext.migrate.report.outcomes import JobWork
from runner_ext.migrate.rules import (
    compose_build,
    computed_name,
    docker_run,
    hidden_build,
    retag_only,
    script_logic,
)
from runner_ext.migrate.shim.analysis import analyse, copies_pulled, is_bake, reaches_build
from runner_ext.migrate.shim.rewrite import shim_rewrite
from runner_ext.migrate.shim.verbs import IMAGE_TOOLS, archive_verb

Strategy = Literal["auto", "declarative", "shim"]
STRATEGIES: tuple[Strategy, ...] = ("auto", "declarative", "shim")
# Declarative refusals that mean "a script drives the build": auto tries the shim there.
# A job that runs a container: the shim runs a foreground, one-shot `docker run` itself, and
# names the option or verb that needs a daemon otherwise.
SCRIPT_DRIVEN = frozenset({hidden_build.ID, compose_build.ID, computed_name.ID, script_logic.ID,
                           docker_run.ID})
SHIM_DAEMONLESS = "runner-ext (shim executor)"


def choose_strategies(work: list[JobWork], strategy: Strategy, config: OrgConfig) -> None:
    """Move the jobs the strategy gives to the shim onto it (rewrite ready), in place."""
    for item in work:
        if item.facts.image == config.engines.shim.executor:
            item.daemonless, item.request, item.refusal = SHIM_DAEMONLESS, None, None
        elif strategy != "declarative" and not item.daemonless and ((_builds(item) and (
                strategy == "shim" or _script_driven(item))) or _extra_step(item)):
            _try_shim(item, config)


def _builds(item: JobWork) -> bool:
    facts = item.facts
    return bool(facts.calls_of("build", "compose-build", "compose")) or any(
        f.rule_id == hidden_build.ID for f in item.findings) or reaches_build(facts) or (
        _loads_and_pushes(facts.commands)) or copies_pulled(facts.commands)


def _loads_and_pushes(commands: list[Command]) -> bool:
    """``docker load -i image.tar`` then ``docker push``: the image an earlier job built
    and saved is pushed from this one."""
    calls = [classify(c) for c in commands]
    return any(archive_verb(c.words) in ("docker load", "docker image load") for c in commands) \
        and any(c is not None and c.kind == "push" for c in calls)


def _script_driven(item: JobWork) -> bool:
    """Declarative refused, and a script, Makefile or compose file drives the build."""
    if item.request is not None or item.refusal is None:
        return False
    return item.refusal.rule in SCRIPT_DRIVEN or any(
        f.rule_id in (hidden_build.ID, compose_build.ID, computed_name.ID)
        for f in item.findings) or any(
        is_bake(c) for c in item.facts.commands) or (
        not item.facts.calls_of("build") and reaches_build(item.facts)) or any(
        archive_verb(c.words) for c in item.facts.commands) or (
        item.refusal.rule == retag_only.ID and copies_pulled(item.facts.commands)) or (
        _outputs_only(item.facts))


def _outputs_only(facts: JobFacts) -> bool:
    """A build whose only option the template lacks is ``--output``: the shim's wrapper
    reads registry outputs (compression…) and podman builds the others."""
    for call in facts.calls_of("build"):
        flags = parse_build(call)
        if flags.unsupported and len(flags.outputs) == len(flags.unsupported):
            return True
    return False


def _extra_step(item: JobWork) -> bool:
    """Declarative refused an extra step (``git config…``, ``tar…``) because the declarative
    executor image lacks its command, the shim image has it, and the job builds or pushes
    (the build may be a script the job fetches: ``docker tag``/``docker push`` show it)."""
    refusal = item.refusal
    return item.request is None and refusal is not None and (
        refusal.missing_tool in IMAGE_TOOLS) and (
        _builds(item) or bool(item.facts.calls_of("push")))


def _try_shim(item: JobWork, config: OrgConfig) -> None:
    try:
        rewrite = shim_rewrite(item.job, item.facts, analyse(item.facts), config)
    except Refused as refused:
        item.request, item.refusal = None, refused.refusal
        return
    if not _builds_image(item.facts) and copies_pulled(item.facts.commands):
        rewrite.changes.append(
            "copies the images it pulls as before (podman pull, tag and push: the platform "
            "the runner pulls, as Docker did); the promote rewrite, which keeps digests and "
            "every platform, takes one source image per job")
    item.request, item.refusal, item.rewrite, item.strategy = None, None, rewrite, "shim"


def _builds_image(facts: JobFacts) -> bool:
    return bool(facts.calls_of("build", "compose-build", "compose")) or reaches_build(facts)


def shim_instead(item: JobWork, config: OrgConfig) -> None:
    """The declarative rewrite could not edit the job's YAML (a merged ``extends:``, an
    anchor…): the shim, which edits fewer keys, takes the job when it can; otherwise the
    declarative reason stays."""
    if not _builds(item):
        return
    refusal = item.refusal
    _try_shim(item, config)
    if item.refusal is not None:
        item.refusal = refusal
