"""Rewriting one build job in place: splices on the original text, nothing re-dumped.

The job keeps its key, its position and every key the template does not replace (rules,
needs, artifacts, variables…), byte for byte. Removed: image, services, scripts and runner
tags (the template brings its own) and the Docker client's variables. Added, where needed:
``extends:`` (classic mode, or next to an existing ``extends:``), ``stage: test`` (a job
without a stage ran in ``test``; the template's default is ``build``), ``inherit:`` (so
``default:`` services and scripts don't follow the job onto the Kubernetes runner), and the
classic mode's ``RUNNER_EXT_*`` variables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.migrate.analyse.decision import MANUAL, RESHAPE, BuildRequest, Refused
from runner_ext.migrate.analyse.jobs import CiJob, Pipeline
from runner_ext.migrate.parse.merge_keys import Inlined, inline_merges, merge_entries, merged
from runner_ext.migrate.parse.spans import entry_span, is_empty
from runner_ext.migrate.parse.yamlnodes import Node, Reference, target_of, to_data
from runner_ext.migrate.rewrite.emit import block_text, dump_flow, dump_mapping, flow_list
from runner_ext.migrate.rewrite.template_values import (
    classic_variables,
    component_hidden_job,
    template_job,
)
from runner_ext.rules.base import Splice
from runner_ext.variables import references

KEEP = frozenset({"stage", "rules", "only", "except", "needs", "dependencies", "artifacts",
                  "when", "variables", "environment", "allow_failure", "timeout", "retry",
                  "interruptible", "resource_group", "start_in", "parallel", "cache",
                  "coverage", "inherit", "id_tokens", "secrets", "manual_confirmation"})
DROP = frozenset({"image", "services", "before_script", "script", "after_script", "tags"})
# What `default:` would add that the template's hidden job does not override.
LEAKING_DEFAULTS = frozenset({"services", "before_script", "after_script", "hooks"})
# Docker setup a job may inherit through extends: that the template's hidden job does not
# override; a migrated job that inherits one sets it empty.
LEAKING_PARENT_KEYS = ("services", "before_script", "after_script")


def inherited_setup(job: CiJob) -> set[str]:
    """The Docker keys (image, services, scripts, tags) the job inherits via extends:."""
    return {k for keys in job.parent_keys.values() for k in keys & DROP} - set(job.own)


@dataclass
class JobRewrite:
    """The splices that turn one job into a runner-ext job, and what they change."""

    splices: list[Splice] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)


def check_keys(job: CiJob) -> None:
    """Refuse jobs with keys (own or inherited) the migration can't carry over."""
    unknown = sorted(set(job.effective) - KEEP - DROP - {"extends"})
    if unknown:
        raise Refused(f"the job uses '{unknown[0]}', which runner-ext does not carry over",
                      f"move '{unknown[0]}' into a job of its own that needs: the build, then "
                      "run migrate-project again")
    check_readable(job)
    if not isinstance(job.own.get("extends", []), (str, list)):
        raise Refused("the job's extends: is not a name or a list of names", RESHAPE)


def check_readable(job: CiJob) -> None:
    """Refuse a job defined in several files or extending a job runner-ext can't read."""
    if len(job.defined_in) > 1:
        raise Refused(f"the job is defined in several files ({', '.join(job.defined_in)})",
                      MANUAL)
    if job.unresolved:
        raise Refused(f"the job extends '{job.unresolved[0]}', which runner-ext can't read "
                      "(another project or a missing job)", MANUAL)
    _check_shadowed(job)


# Keys a rewrite may edit or delete: a duplicate of one of them would take over when the
# last one goes (GitLab uses the last), so such a job is left for a person to tidy.
_EDITED = DROP | {"variables", "extends", "<<"}


def _check_shadowed(job: CiJob) -> None:
    mappings = [job.node, *[v for k, v in job.node.pairs if k.value == "variables"]]
    for mapping in mappings:
        seen: dict[str, Node] = {}
        for key, _ in mapping.pairs:
            if key.value in seen and (mapping is not job.node or key.value in _EDITED):
                raise Refused(f"the job writes '{key.value}' twice (lines {seen[key.value].line} "
                              f"and {key.line}); GitLab uses the last, and the migration "
                              "would uncover the first", "delete the first one, then run "
                              "migrate-project again")
            seen[key.value] = key


def rewrite_job(job: CiJob, pipeline: Pipeline, request: BuildRequest, *, config: OrgConfig,
                engine: Engine) -> JobRewrite:
    """Splices for one job; raises :class:`Refused` when the text can't be edited safely."""
    node = job.node
    if node.kind != "map" or node.flow or not node.pairs:
        raise Refused("the job is written in flow style or as an alias", RESHAPE)
    result = JobRewrite()
    _drop_docker_keys(job, result)
    classic = config.include.mode == "project"
    extra_vars = classic_variables(request) if classic else {}
    if not _merge_keys(job, request, extra_vars, result):
        _variables(job, request, extra_vars, result, pipeline)
    _extends(job, engine, config, result, request)
    _top_keys(job, pipeline, engine, config, extra_vars, result, request)
    if request.script:
        result.splices.append(_insert_top(job, {"before_script": [
            block_text(line) for line in request.script]}))
    return result  # anchors are checked per file, with every rewrite (check_anchors)


def rewrite_template_child(job: CiJob, request: BuildRequest, extra: dict[str, Any]
                           ) -> JobRewrite:
    """Splices for a job whose build comes from a rewritten template: its own Docker keys
    go, and it keeps the template's inputs where its build differs (``extra``)."""
    if job.node.kind != "map" or job.node.flow or not job.node.pairs:
        raise Refused("the job is written in flow style or as an alias", RESHAPE)
    result = JobRewrite()
    _drop_docker_keys(job, result)
    if not _merge_keys(job, request, extra, result):
        _variables(job, request, extra, result)
    return result


def _drop_docker_keys(job: CiJob, result: JobRewrite) -> None:
    for key, value in job.node.pairs:
        if key.value in DROP:
            span = entry_span(job.file.text, key, value)
            if span is None:
                raise Refused(f"the job's '{key.value}' is not on a line of its own", RESHAPE)
            result.splices.append(Splice(span[0], span[1], ""))
            result.deleted.append(span)


def _merge_keys(job: CiJob, request: BuildRequest, extra: dict[str, Any],
                result: JobRewrite) -> bool:
    """Write the job's merge keys out without what the rewrite drops (:mod:`merge_keys`);
    True when the job's ``variables:`` came from them and were written here."""
    if job.file.root is None:
        return False
    own_variables = job.node.get("variables") is not None
    if job.node.get("extends") is None and "extends" in job.own and merge_entries(job.node):
        raise Refused("the job merges its extends: from an anchor (<<:)",
                      "write extends: in the job itself, then run migrate-project again")

    def variables(key: Node, value: Node, col: int) -> str | None:
        if key.value != "variables" or own_variables:
            return None
        data = to_data(value, job.file.anchors, source=job.file.path)
        if not isinstance(data, dict) or any(isinstance(v, Reference) for v in data.values()):
            raise Refused("the job's merged variables: are written in a form runner-ext "
                          "can't edit", RESHAPE)
        used = _request_references(request) | {
            n for v in data.values() for n in references(" ".join(_strings(v)))}
        kept = {str(k): v for k, v in data.items()
                if not (str(k).startswith("DOCKER_") and str(k) not in used)}
        kept.update(extra)
        if len(kept) < len(data):
            result.changes.append("removed variables " + ", ".join(
                k for k in map(str, data) if k not in kept))
        return dump_mapping({"variables": kept}, col) if kept else ""

    inherited = {str(k.value): v for k, v in merged(job.node, job.file.anchors)}
    merged_variables = job.effective.get("variables") if "variables" in inherited \
        and not own_variables else None
    if not set(inherited) & DROP and not (isinstance(merged_variables, dict) and (
            extra or any(str(n).startswith("DOCKER_") for n in merged_variables))):
        return False  # nothing the rewrite changes comes through the merge: it stays
    inlined = inline_merges(job.file.text, job.node, job.file.anchors, job.file.root,
                            lambda name: name not in DROP, variables)
    result.splices.extend(inlined.splices)
    result.deleted.extend(inlined.deleted)
    if inlined.splices:
        result.changes.append("writes out the keys it merged (<<:) without the Docker ones")
    return not own_variables and "variables" in inherited


def _request_references(request: BuildRequest) -> set[str]:
    return {n for v in [*request.destinations, *request.build_args, *request.labels,
                        request.target, request.platform, request.dockerfile]
            for n in references(v)}


def check_anchors(job: CiJob, own: list[tuple[int, int]], removed: list[tuple[int, int]],
                  sharing: Sequence[tuple[int, int]] = ()) -> None:
    """Refuse when the rewrite would remove an anchor that an alias still uses.

    ``own`` are the spans this job's rewrite removes; ``removed`` those every rewrite of the
    file removes (an alias inside one of them goes away too); an alias of the job itself
    inside ``sharing`` (jobs rewritten the same way, which set every key the rewrite edits
    themselves) may stay.
    """
    def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
        return any(start <= pos < end for start, end in spans)

    for alias in job.file.alias_uses():
        if inside(alias.start, removed):
            continue
        target = target_of(alias, job.file.anchors)
        if target is job.node and not inside(alias.start, list(sharing)):
            raise Refused(f"the job is reused elsewhere through its anchor &{alias.value}",
                          "give the jobs that reuse it their own keys (or migrate both by "
                          "hand), then run migrate-project again")
        if target is not None and inside(target.start, own):
            raise Refused(f"anchor &{alias.value} in a removed key is used elsewhere", RESHAPE)


def _child_indent(job: CiJob) -> int:
    return job.node.pairs[0][0].col


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
    elif isinstance(data, str):
        yield data


def _still_used(job: CiJob, node: Node, pipeline: Pipeline | None) -> set[str]:
    """Variables of the job that something the rewrite keeps refers to.

    That is: the keys the job keeps, the variables it keeps, jobs that extend it (they
    inherit its variables) and aliases of anchors inside its ``variables:``.
    """
    names = {str(k.value) for k, _ in node.pairs}
    # A hidden template is rewritten together with every job that extends it.
    if pipeline is not None and not job.hidden and any(job.name in other.parents
                                    for other in pipeline.jobs.values() if other is not job):
        return names
    aliased = {a.value for a in job.file.alias_uses()}
    if any(n.anchor in aliased for n in node.walk()):
        return names
    kept = {k: v for k, v in job.own.items() if k in KEEP and k != "variables"}
    used = {n for text in _strings(kept) for n in references(text)}
    own = job.own.get("variables")
    values = {str(k): v for k, v in own.items()} if isinstance(own, dict) else {}
    pending = {n for n in names if not n.startswith("DOCKER_")}
    while pending:
        name = pending.pop()
        for ref in references(" ".join(_strings(values.get(name)))):
            if ref in names and ref not in used:
                used.add(ref)
                pending.add(ref)
    return used


def _variables(job: CiJob, request: BuildRequest, extra: dict[str, Any],
               result: JobRewrite, pipeline: Pipeline | None = None) -> None:
    node, text = job.node.get("variables"), job.file.text
    key = job.node.key_node("variables")
    if node is None or key is None or is_empty(node):
        if extra:
            result.splices.append(_insert_top(job, {"variables": extra}))
        return
    used = _request_references(request)
    names = [k.value for k, _ in node.pairs if k.value != "<<"] if node.kind == "map" else []
    used |= _still_used(job, node, pipeline) if node.kind == "map" else set()
    docker = [n for n in names if n.startswith("DOCKER_") and n not in used]
    if node.kind != "map" or node.flow:
        if docker or extra or any(str(n).startswith("DOCKER_") for n in job.own.get(
                "variables", {}) or {}):
            raise Refused("the job's variables: are written in a form runner-ext can't edit "
                          "(flow style or alias)", RESHAPE)
        return
    inlined = Inlined()
    if job.file.root is not None and merge_entries(node):
        inherited = [str(k.value) for k, _ in merged(node, job.file.anchors)]
        gone = {n for n in inherited if n.startswith("DOCKER_") and n not in used}
        inlined = inline_merges(text, node, job.file.anchors, job.file.root,
                                lambda name: name not in gone)
        docker += sorted(gone)
        names += inherited
    if docker and len(docker) == len(names) and not extra:
        span = entry_span(text, key, node)
        if span is None:
            raise Refused("the job's variables: are not on lines of their own", RESHAPE)
        result.splices.append(Splice(span[0], span[1], ""))
        result.deleted.append(span)
    else:
        for k, v in node.pairs:
            if k.value in docker:
                span = entry_span(text, k, v)
                if span is None:
                    raise Refused("a variable shares its line with another", RESHAPE)
                result.splices.append(Splice(span[0], span[1], ""))
                result.deleted.append(span)
        result.splices.extend(inlined.splices)
        result.deleted.extend(inlined.deleted)
        if extra:
            last_key, last_value = node.pairs[-1]
            end = entry_span(text, last_key, last_value)
            at = end[1] if end else len(text)
            result.splices.append(Splice(at, at, dump_mapping(extra, last_key.col)))
    if docker:
        result.changes.append(f"removed variables {', '.join(docker)}")


def _extends(job: CiJob, engine: Engine, config: OrgConfig, result: JobRewrite,
             request: BuildRequest) -> None:
    value = job.node.get("extends")
    if value is None:
        return
    if value.kind not in ("scalar", "seq") or (value.kind == "seq" and not value.flow):
        raise Refused("the job's extends: is written in a form runner-ext can't edit", RESHAPE)
    ours = template_job(config, engine, request) if config.include.mode == "project" \
        else component_hidden_job(engine, request)
    # A parent that brings Docker setup must not override the template: ours goes last.
    parents = [*job.parents, ours] if inherited_setup(job) else [ours, *job.parents]
    result.splices.append(Splice(value.start, value.end, dump_flow(flow_list(parents))))
    if inherited_setup(job):
        result.changes.append(f"extends {', '.join(job.parents)} before the runner-ext "
                              "template, so the template's image, script and tags win")


def _top_keys(job: CiJob, pipeline: Pipeline, engine: Engine, config: OrgConfig,
              extra_vars: dict[str, Any], result: JobRewrite, request: BuildRequest) -> None:
    top: dict[str, Any] = {}
    if config.include.mode == "project" and job.node.get("extends") is None:
        top["extends"] = template_job(config, engine, request)
    if "stage" not in job.effective:
        top["stage"] = "test"
    elif "stage" not in job.own and inherited_setup(job):
        top["stage"] = job.effective["stage"]  # the template, extended last, sets its own
    for key in LEAKING_PARENT_KEYS:
        if key in inherited_setup(job):
            top[key] = flow_list([])
            result.changes.append(f"sets {key}: [] so the {key} inherited via extends: "
                                  "stay on the Docker runner")
    inherit = _inherit(job, pipeline)
    if inherit is not None:
        top["inherit"] = {"default": inherit}
    if top:
        result.splices.append(_insert_top(job, top))


def _inherit(job: CiJob, pipeline: Pipeline) -> Any:
    defaults = set(pipeline.defaults())
    leaking = defaults & LEAKING_DEFAULTS
    own = job.effective.get("inherit")
    if not leaking or (isinstance(own, dict) and own.get("default") is False):
        return None
    if own is not None:
        raise Refused("the job has its own inherit: while default: sets "
                      f"{sorted(leaking)[0]}, which must not reach the build",
                      "add the default: keys the job needs to its inherit:default list by "
                      "hand, or drop its inherit: and run migrate-project again")
    keep = sorted(defaults - leaking - {"image", "tags"})
    return flow_list(keep) if keep else False


def _insert_top(job: CiJob, data: dict[str, Any]) -> Splice:
    first_key, first_value = job.node.pairs[0]
    span = entry_span(job.file.text, first_key, first_value)
    at = span[0] if span else first_key.start
    return Splice(at, at, dump_mapping(data, _child_indent(job)))
