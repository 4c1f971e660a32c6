"""Rewriting a shared hidden template once for the jobs that run its build.

:mod:`shared_template` decides which templates qualify; this module turns a qualifying
template into a :class:`JobWork` of its own and gives each of its jobs the small splices it
still needs (its own Docker keys removed, ``RUNNER_EXT_*`` variables where it differs).
"""

from __future__ import annotations

from runner_ext.ci_inputs import input_variable
from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.migrate.analyse.decision import MANUAL, BuildRequest, Refusal, Refused
from runner_ext.migrate.analyse.facts import ReadText, job_facts
from runner_ext.migrate.analyse.jobs import CiJob, Pipeline
from runner_ext.migrate.report.outcomes import JobWork, engine_of
from runner_ext.migrate.rewrite.rewrite import (
    JobRewrite,
    check_keys,
    rewrite_job,
    rewrite_template_child,
)
from runner_ext.migrate.rewrite.shared_template import (
    blocker,
    differing,
    shared_request,
    sibling_refusal,
    template_groups,
)
from runner_ext.migrate.rewrite.template_values import classic_variables


def plan_templates(work: list[JobWork], pipeline: Pipeline, read_text: ReadText,
                    config: OrgConfig, engine: Engine) -> list[JobWork]:
    """Hidden templates to rewrite once for the jobs that run their build (see
    :mod:`shared_template`); the jobs are marked and get only their own small splices."""
    ready = {w.job.name: w for w in work if w.request is not None
             and not w.request.promote_from}  # promotions are rewritten one by one
    templates: list[JobWork] = []
    for group in template_groups(pipeline, list(ready)):
        if blocker(pipeline, group, set(ready)) is not None:
            continue  # each job is rewritten on its own, extending the template first
        children = [ready[name] for name in group.children]
        template = _template_work(group.template, children, pipeline, read_text, config, engine)
        if template is not None:
            templates.append(template)
    return templates


def _template_work(template: CiJob, children: list[JobWork], pipeline: Pipeline,
                   read_text: ReadText, config: OrgConfig, engine: Engine) -> JobWork | None:
    requests = [c.request for c in children if c.request is not None]
    if len({r.engine for r in requests}) > 1:
        return None  # the jobs need different engines: each is rewritten on its own
    shared = shared_request(requests)
    engine = engine_of(shared, engine)
    facts = job_facts(template, pipeline, read_text)
    item = JobWork(template, facts, [], request=shared,
                   template_for=tuple(c.job.name for c in children))
    try:
        check_keys(template)
        item.rewrite = rewrite_job(template, pipeline, shared, config=config, engine=engine)
        rewrites = [_child_rewrite(c, shared) for c in children]
    except Refused:
        return None
    names = ", ".join(c.job.name for c in children)
    shared.changes = [f"becomes the runner-ext build of {names}",
                      *(c for c in shared.changes if c.startswith("pushes "))][:2]
    for child, rewrite in zip(children, rewrites, strict=True):
        child.rewrite, child.via_template = rewrite, template.name
        assert child.request is not None
        child.request.changes.insert(0, f"builds through its template {template.name}, "
                                        "now a runner-ext build")
    return item


def _child_rewrite(child: JobWork, shared: BuildRequest) -> JobRewrite:
    assert child.request is not None
    own = {input_variable(f) for f in differing(child.request, shared)}
    extra = {k: v for k, v in classic_variables(child.request).items() if k in own}
    return rewrite_template_child(child.job, child.request, extra)


def settle_templates(work: list[JobWork]) -> None:
    """A template is rewritten only while every job that runs its build is migrated."""
    for template in (w for w in work if w.template_for and w.rewrite is not None):
        children = [w for w in work if w.via_template == template.job.name]
        failed = next((c for c in children if c.rewrite is None), None)
        if failed is None:
            continue
        why = failed.refusal or Refusal("it can't be migrated", MANUAL)
        template.request, template.rewrite = None, None
        template.refusal = sibling_refusal(template.job.name, failed.job.name, why)
        for child in children:
            if child is not failed:
                child.request, child.rewrite = None, None
                child.refusal = sibling_refusal(template.job.name, failed.job.name, why)
