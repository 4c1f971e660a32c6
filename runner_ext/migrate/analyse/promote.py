"""Promote-only jobs: ``docker pull A; docker tag A B; docker push B`` with no build.

Such a job becomes a registry copy (:mod:`runner_ext.planner.promote`, skopeo keeping
digests) run by the template's promote job, with the source and destinations as its
``from``/``to`` inputs (``RUNNER_EXT_PROMOTE_FROM``/``_TO`` in classic mode). Pushes under a
condition stay under it: the carried-over script adds them to ``RUNNER_EXT_PROMOTE_TO``.
"""

from __future__ import annotations

from runner_ext.config.model import OrgConfig
from runner_ext.migrate.analyse.decision import BuildRequest, Refused
from runner_ext.migrate.analyse.expand import references
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.interpret import ScriptState
from runner_ext.migrate.analyse.request import credential_attention, own_registry
from runner_ext.migrate.rewrite import carry
from runner_ext.migrate.rules import retag_only
from runner_ext.planner.promote import FROM_VARIABLE, TO_VARIABLE


def is_promotion(state: ScriptState) -> bool:
    """True when the script pushes pulled images (or tags of them) and builds nothing."""
    return state.build is None and bool(state.pushed or state.guarded) and all(
        r in state.origin for r in [*state.pushed, *state.guarded])


def promote_request(facts: JobFacts, state: ScriptState, config: OrgConfig) -> BuildRequest:
    """The template values for a promotion :func:`interpret` accepted."""
    source = state.origin[(state.pushed or state.guarded)[0]]
    destinations = [d for d in dict.fromkeys(state.pushed) if d != source]
    guarded = [d for d in dict.fromkeys(state.guarded) if d != source]
    if not destinations and not guarded:
        raise Refused(f"the job pushes {source} back where it pulled it from",
                      "drop the job, or tag the image before pushing it", retag_only.ID)
    request = BuildRequest(dockerfile="", context="", destinations=destinations,
                           promote_from=source, cache=False)
    _carry(facts, state, request, guarded)
    request.changes.append(f"copies {source} to {', '.join(request.destinations)} with "
                           "skopeo, registry to registry (digests kept, every platform)")
    if guarded:
        request.changes.append(", ".join(guarded) + ": copied where the script's condition "
                               "or loop says, as before")
    credential_attention(facts, state, request, config)
    if not own_registry(source, facts) and not state.logins:
        request.attention.append(f"{source} is read from outside this project's registry: "
                                 f"make sure {config.build.registries_variable} holds "
                                 "credentials for it if it is not public")
    return request


def _carry(facts: JobFacts, state: ScriptState, request: BuildRequest,
           guarded: list[str]) -> None:
    """Carry the script's own lines over; destinations computed there or under a condition
    are computed at run time, like a build's."""
    runtime = bool(guarded) or any(set(references(d)) & state.runtime
                                   for d in request.destinations)
    source_at_runtime = bool(set(references(request.promote_from)) & state.runtime)
    carried = carry.carry_over(facts.items, state.roles, state.build_item,
                               request.destinations, runtime, TO_VARIABLE)
    request.script = list(carried.lines)
    if source_at_runtime:
        request.script.append(f"export {FROM_VARIABLE}=" +
                              carry.shell_value(request.promote_from))
    if runtime:
        request.runtime_inputs = {"destinations"}
    request.destinations = [*request.destinations, *guarded]
    kept = len(carried.lines) - runtime
    if request.script:
        request.changes.append(f"keeps {kept} line(s) of its script in "
                               "before_script: (run by the executor image's shell)")
    if carried.dropped:
        request.changes.append("dropped after the copy: " + "; ".join(carried.dropped))
