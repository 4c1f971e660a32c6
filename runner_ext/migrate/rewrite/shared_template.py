"""Build jobs that share a hidden template: rewrite the template once, not each job.

A common shape in real CI files is one hidden job holding the whole Docker build
(``.build-image: image, services, script``) and several jobs that only ``extends:`` it and
set variables (``COMPONENT: api``). When every job that runs the template's script maps onto
the runner-ext template, and the template is used by nothing else, the hidden job becomes the
runner-ext build: its Docker keys go, it takes the template's inputs that all its jobs share,
and each job keeps its own keys plus the ``RUNNER_EXT_*`` variables where it differs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from runner_ext.migrate.analyse.decision import BuildRequest, Refusal
from runner_ext.migrate.analyse.jobs import CiJob, Pipeline
from runner_ext.migrate.parse.yamlnodes import Reference

# BuildRequest fields the template's inputs carry, and their value when an input is unset.
_FIELD_DEFAULTS: dict[str, Any] = {
    "dockerfile": "Dockerfile", "context": "", "destinations": [], "build_args": [],
    "target": "", "labels": [], "platform": "", "cache": True, "cache_repo": "",
}


@dataclass
class TemplateGroup:
    """A hidden job whose script is the build of every job in ``children``."""

    template: CiJob
    children: list[str]


def parents_of(job: CiJob) -> list[str]:
    """The names a job's own ``extends:`` lists."""
    value = job.own.get("extends") or []
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]


def ancestors(pipeline: Pipeline, name: str, depth: int = 0) -> list[str]:
    """Every job a job extends, directly or not (nearest first, no repeats)."""
    job = pipeline.jobs.get(name)
    if job is None or depth > 10:
        return []
    found: list[str] = []
    for parent in parents_of(job):
        for name_ in [parent, *ancestors(pipeline, parent, depth + 1)]:
            if name_ not in found:
                found.append(name_)
    return found


def script_owner(pipeline: Pipeline, name: str, depth: int = 0) -> str | None:
    """The job whose own ``script:`` the named job runs (GitLab's extends: merge order)."""
    job = pipeline.jobs.get(name)
    if job is None or depth > 10:
        return None
    if "script" in job.own:
        return name
    for parent in reversed(parents_of(job)):  # a later parent overrides an earlier one
        owner = script_owner(pipeline, parent, depth + 1)
        if owner is not None:
            return owner
    return None


def template_groups(pipeline: Pipeline, candidates: list[str]) -> list[TemplateGroup]:
    """Hidden jobs whose script is run by at least one of the candidate jobs."""
    groups: dict[str, TemplateGroup] = {}
    for name in candidates:
        owner = script_owner(pipeline, name)
        if owner is None or owner == name or not owner.startswith("."):
            continue
        group = groups.setdefault(owner, TemplateGroup(pipeline.jobs[owner], []))
        group.children.append(name)
    return list(groups.values())


def blocker(pipeline: Pipeline, group: TemplateGroup, migratable: set[str]) -> str | None:
    """Why the template can't be rewritten once for all its jobs (``None``: it can)."""
    name = group.template.name
    for job in pipeline.jobs.values():
        if job.hidden or name not in ancestors(pipeline, job.name):
            continue
        if script_owner(pipeline, job.name) != name:
            return f"job {job.name} extends {name} but runs a script of its own"
        if job.name not in migratable:
            return f"job {job.name} runs {name}'s script but can't be migrated"
    if _referenced(pipeline.top, name):
        return f"!reference [{name}, …] uses the template elsewhere"
    return None


def _referenced(value: Any, name: str) -> bool:
    if isinstance(value, Reference):
        return bool(value.path) and value.path[0] == name
    if isinstance(value, dict):
        return any(_referenced(v, name) for v in value.values())
    if isinstance(value, list):
        return any(_referenced(v, name) for v in value)
    return False


def shared_request(requests: list[BuildRequest]) -> BuildRequest:
    """The template's request: every input the jobs agree on; defaults elsewhere."""
    first = requests[0]
    shared = {f: getattr(first, f) for f in _FIELD_DEFAULTS
              if all(getattr(r, f) == getattr(first, f) for r in requests)}
    values = {f: shared.get(f, default) for f, default in _FIELD_DEFAULTS.items()}
    return dataclasses.replace(first, **values, changes=list(first.changes),
                               attention=[])


def differing(request: BuildRequest, shared: BuildRequest) -> set[str]:
    """The inputs (by name) where a job's build differs from its template's."""
    return {f for f in _FIELD_DEFAULTS if getattr(request, f) != getattr(shared, f)}


def sibling_refusal(template: str, child: str, why: Refusal) -> Refusal:
    """The refusal every job of a template gets when one of them can't be migrated."""
    return Refusal(f"it runs {template}'s build, which job {child} shares and which can't be "
                   f"migrated: {why.reason}", why.suggestion, why.rule)
