"""Migrating one project: analyse every job, rewrite the safe ones, fix their Dockerfiles."""

from __future__ import annotations

from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.migrate.analyse import kaniko
from runner_ext.migrate.analyse.adopt import check_pushes
from runner_ext.migrate.analyse.decision import Refusal, Refused
from runner_ext.migrate.analyse.facts import IMAGE_COPY_TOOLS, IMAGE_TEMPLATE_NAME, job_facts
from runner_ext.migrate.analyse.interpret import interpret
from runner_ext.migrate.analyse.jobs import CiJob, Pipeline
from runner_ext.migrate.analyse.promote import is_promotion, promote_request
from runner_ext.migrate.analyse.request import build_request
from runner_ext.migrate.parse.cifiles import (
    ROOT_CI_FILE,
    CiFile,
    decode_text,
    load_ci_files,
    parse_ci_file,
)
from runner_ext.migrate.parse.source import ProjectSource
from runner_ext.migrate.report.masking import ci_secrets, copies_a_secret, dockerfile_secrets
from runner_ext.migrate.report.outcomes import (
    JobWork,
    dockerfile_errors,
    engine_of,
    not_a_build,
    outcome,
)
from runner_ext.migrate.report.result import MigrationResult
from runner_ext.migrate.rewrite.dockerfiles import Analysis, DockerfileWork, analyze
from runner_ext.migrate.rewrite.dockerfiles import outcome as outcome_of
from runner_ext.migrate.rewrite.includes import include_splice
from runner_ext.migrate.rewrite.rewrite import (
    KEEP,
    LEAKING_PARENT_KEYS,
    check_anchors,
    check_keys,
    rewrite_job,
)
from runner_ext.migrate.rewrite.template_plan import plan_templates, settle_templates
from runner_ext.migrate.rewrite.template_values import classic_entry, component_entry
from runner_ext.migrate.rules import check_job
from runner_ext.migrate.rules.hidden_build import opaque_command
from runner_ext.migrate.shim.strategy import (
    STRATEGIES,
    Strategy,
    choose_strategies,
    shim_instead,
)
from runner_ext.migrate.split_push import DEFAULT_STAGES, keep_shared_images, pair_split_pushes
from runner_ext.rules.base import Finding, Splice, apply_splices

_BUILDISH = ("build", "bake", "compose-build", "run", "tag", "push", "manifest", "pull")


class _Reader:
    def __init__(self, source: ProjectSource) -> None:
        self.source = source
        self.cache: dict[str, str | None] = {}

    def text(self, path: str) -> str | None:
        if path not in self.cache:
            try:  # a Makefile or script the rules can't read (or leading out) isn't followed
                raw = self.source.read(path)
                self.cache[path] = None if raw is None else decode_text(path, raw)[0]
            except RunnerExtError:
                self.cache[path] = None
        return self.cache[path]


def migrate_project(source: ProjectSource, *, config: OrgConfig, engine: Engine | None = None,
                    dockerfile_fixes: str = "safe", strategy: Strategy = "auto",
                    ci_config_path: str = ROOT_CI_FILE,
                    keep_daemonless: bool = False) -> MigrationResult:
    """Analyse and rewrite a project; returns the result without writing anything.

    ``dockerfile_fixes`` is ``"safe"`` (apply the Dockerfile fixes marked safe) or
    ``"none"`` (report only); ``strategy`` is ``"auto"``, ``"declarative"`` or ``"shim"``
    (docs/migrate.md, Strategies); ``ci_config_path`` is the project's root CI file.
    Hand-written Kaniko jobs are adopted onto the template unless ``keep_daemonless``
    (docs/migrate.md, Hand-written Kaniko jobs).
    """
    if strategy not in STRATEGIES:
        raise RunnerExtError(Category.USAGE, Problem(
            "unknown migration strategy", key="strategy", value=strategy,
            hint=f"use one of {', '.join(STRATEGIES)}"))
    if dockerfile_fixes not in ("safe", "none"):
        raise RunnerExtError(Category.USAGE, Problem(
            "unknown Dockerfile fix level", key="dockerfile_fixes", value=dockerfile_fixes,
            hint="use 'safe' or 'none'"))
    chosen: Engine = engine or config.build.engine
    ci_files, notes = load_ci_files(source, ci_config_path)
    pipeline = Pipeline(ci_files)
    files = source.list_files()
    reader = _Reader(source)
    adopt = not keep_daemonless
    work = [w for w in (_analyze(j, pipeline, reader, config, chosen, set(files), adopt)
                        for j in pipeline.jobs.values()) if w is not None]
    pair_split_pushes(work, _stages(pipeline), config)
    choose_strategies(work, strategy, config)
    ours = (f"component: {config.include.component}/build@",
            f"component: {config.include.component}/promote@",
            f"project: {config.include.project}")
    result = MigrationResult(engine=chosen, include_mode=config.include.mode,
                             ci_files=[c.path for c in ci_files],
                             notes=[n for n in notes if not any(o in n for o in ours)])
    result.notes.extend(f"{c.path} is a CI/CD component; left alone"
                        for c in ci_files if c.component_spec)
    _lock_daemonless_files(work)
    work.extend(plan_templates(work, pipeline, reader.text, config, chosen))
    for item in work:
        if item.request is not None and item.via_template is None:
            _try(item, lambda i=item: _rewrite(i, pipeline, config, chosen))
            if item.refusal is not None and strategy != "declarative":
                shim_instead(item, config)  # the YAML form stopped the declarative rewrite
    keep_shared_images(work, rewritten=True)
    analyses = _check_dockerfiles(work, source, files, chosen)
    result.secrets = frozenset(ci_secrets([c.data for c in ci_files], [w.facts for w in work])
                               .union(*(dockerfile_secrets(a.text) for a in analyses.values())))
    settle_templates(work)
    _apply(ci_files, work, config, chosen, result)
    _note_global_docker_variables(pipeline, work, result)
    _dockerfile_outcomes(work, analyses, dockerfile_fixes, result)
    errors = {d.path: dockerfile_errors(d) for d in result.dockerfiles}
    order = {c.path: i for i, c in enumerate(ci_files)}
    work.sort(key=lambda w: (order.get(w.job.file.path, len(order)), w.job.line))
    result.jobs = [outcome(w, list(config.runner.tags), errors) for w in work]
    return result


def _stages(pipeline: Pipeline) -> list[str]:
    stages = pipeline.top.get("stages")
    if isinstance(stages, list):
        return [str(s) for s in stages]
    return list(DEFAULT_STAGES)


def _try(item: JobWork, step: Any) -> None:
    """Run one job's step; a job that can't go on is left with the reason, never the run."""
    try:
        step()
    except Refused as refused:
        item.request, item.rewrite, item.refusal = None, None, refused.refusal
    except RunnerExtError as error:
        item.request, item.rewrite = None, None
        item.refusal = Refusal(str(error), "fix it, then run migrate-project again")


def _analyze(job: CiJob, pipeline: Pipeline, reader: _Reader, config: OrgConfig,
             engine: Engine, files: set[str], adopt: bool = True) -> JobWork | None:
    if job.hidden:
        return None
    facts = job_facts(job, pipeline, reader.text)
    daemonless = "runner-ext" if job.name in _runner_ext_jobs(pipeline, config) \
        else facts.daemonless()
    item = JobWork(job, facts, _sorted(check_job(facts)), daemonless=daemonless)
    unread = [p for p in job.unresolved
              if IMAGE_TEMPLATE_NAME.search(p) and p != config.include.job_template]
    if not item.findings and not item.daemonless and unread:
        item.refusal = Refusal(
            f"the job extends '{unread[0]}', which runner-ext can't read (another project or "
            "a missing job); by its name it builds an image",
            "run migrate-project in GitLab mode (it fetches project: and remote: includes), "
            "or migrate the job by hand (docs/migrate.md)")
        return item
    if not item.findings and not item.daemonless:
        return None
    if item.daemonless == "kaniko" and adopt and kaniko.hand_written(facts):
        item.daemonless, item.adopted = None, kaniko.archived_note(facts)
        _try(item, lambda: _adopt(item, config, engine, files))
        return item
    if item.daemonless:
        return item
    if not facts.calls_of(*_BUILDISH) and not any(f.rule_id == "RXC111" for f in item.findings):
        item.refusal = not_a_build(item.findings, config, opaque_command(facts))
        return item
    _try(item, lambda: _request(item, config, engine, files))
    return item


def _runner_ext_jobs(pipeline: Pipeline, config: OrgConfig) -> set[str]:
    """Jobs created by a runner-ext component include (an earlier migration)."""
    names = set()
    prefix = f"{config.include.component}/build@"
    for ci in pipeline.files:
        entries = ci.data.get("include")
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, dict) and str(entry.get("component", "")).startswith(prefix):
                inputs = entry.get("inputs")
                name = inputs.get("job_name") if isinstance(inputs, dict) else None
                names.add(str(name or "build-image"))
    return names


def _request(item: JobWork, config: OrgConfig, engine: Engine, files: set[str]) -> None:
    others = [s for s in item.facts.services if s not in item.facts.dind_services()]
    if others:
        raise Refused(f"the job uses service {others[0]} besides Docker",
                      "keep it where it is, or split the build into its own job")
    check_keys(item.job)
    state = interpret(item.facts)
    if is_promotion(state):
        item.request = promote_request(item.facts, state, config)
        return
    item.request = build_request(item.facts, state, config=config, engine=engine, files=files)


def _adopt(item: JobWork, config: OrgConfig, engine: Engine, files: set[str]) -> None:
    """A hand-written Kaniko job read as a build (docs/migrate.md, Hand-written Kaniko
    jobs)."""
    _request(item, config, engine, files)
    if item.request is not None:
        check_pushes(item.facts, item.request)


def _sorted(findings: list[Finding]) -> list[Finding]:
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity.value], f.rule_id))


def _lock_daemonless_files(work: list[JobWork]) -> None:
    locked: dict[str, str] = {}
    for item in work:
        if item.daemonless and not item.daemonless.startswith("runner-ext") \
                and item.daemonless not in IMAGE_COPY_TOOLS:  # a copy builds from no file
            locked.setdefault(item.job.file.path, f"{item.daemonless} (job {item.job.name})")
    for item in work:
        where = locked.get(item.job.file.path)
        if where and not item.daemonless and item.request is not None:
            item.request = None
            item.refusal = Refusal(
                f"{item.job.file.path} already builds with {where}; runner-ext leaves such "
                "files alone", "migrate this job by hand, following the daemonless job next "
                "to it")


def _rewrite(item: JobWork, pipeline: Pipeline, config: OrgConfig, engine: Engine) -> None:
    assert item.request is not None
    item.rewrite = rewrite_job(item.job, pipeline, item.request, config=config,
                               engine=engine_of(item.request, engine))


def _settle_anchors(items: list[JobWork]) -> list[JobWork]:
    """Check anchors against what all rewrites of a file remove together, until stable."""
    while True:
        removed = [span for i in items if i.rewrite for span in i.rewrite.deleted]
        # Shim jobs all get the same image, services and tags, each as keys of its own.
        shim = [(i.job.node.start, i.job.node.end) for i in items if i.strategy == "shim"]
        refused = []
        for item in items:
            assert item.rewrite is not None
            try:
                check_anchors(item.job, item.rewrite.deleted, removed,
                              shim if item.strategy == "shim" else [])
            except Refused as refusal:
                item.request, item.rewrite, item.refusal = None, None, refusal.refusal
                refused.append(item)
        if not refused:
            return items
        items = [i for i in items if i.rewrite is not None]


def _include_entries(ci: CiFile, items: list[JobWork], config: OrgConfig, engine: Engine,
                     classic_here: bool) -> list[dict[str, Any]]:
    if config.include.mode == "project":
        declarative = any(i.request is not None for i in items)
        return [classic_entry(config)] if classic_here and declarative else []
    return [component_entry(i.job.name, i.request, config=config,
                            engine=engine_of(i.request, engine))
            for i in items if i.request is not None and i.via_template is None]


def _apply(ci_files: list[CiFile], work: list[JobWork], config: OrgConfig, engine: Engine,
           result: MigrationResult) -> None:
    classic_done = False
    for ci in ci_files:
        items = [w for w in work if w.job.file is ci and w.rewrite is not None]
        if not items or copies_a_secret(items, result.secrets):
            continue
        items = _settle_anchors(items)
        if not items:
            continue
        entries = _include_entries(ci, items, config, engine, not classic_done)
        classic_done = classic_done or bool(entries)
        splices: list[Splice] = [s for i in items for s in i.rewrite.splices]  # type: ignore[union-attr]
        try:
            splices.append(include_splice(ci, entries)) if entries else None
        except Refused as refused:
            for item in items:
                item.request, item.rewrite, item.refusal = None, None, refused.refusal
            continue
        new_text = apply_splices(ci.text, splices)
        _verify(ci, new_text, items)
        result.originals[ci.path] = ci.original()
        result.changes[ci.path] = ci.restore(new_text)


def _note_global_docker_variables(pipeline: Pipeline, work: list[JobWork],
                                 result: MigrationResult) -> None:
    variables = pipeline.top.get("variables")
    names = sorted(n for n in variables if str(n).startswith("DOCKER_")) \
        if isinstance(variables, dict) else []
    if names and any(w.rewrite is not None for w in work):
        result.notes.append(f"the global variables {', '.join(names)} still apply to every job; "
                            "the daemonless builds ignore them — remove them once no job needs "
                            "Docker")


def _verify(ci: CiFile, new_text: str, items: list[JobWork]) -> None:
    """A rewritten file must parse and its jobs hold only keys we meant to leave there."""
    try:
        rewritten = parse_ci_file(ci.path, new_text.encode("utf-8"))
    except RunnerExtError as exc:
        raise RunnerExtError(Category.TEMPLATE, Problem(
            f"the rewritten file would not be valid ({exc}); nothing was written",
            file=ci.path)) from exc
    for item in items:
        job = rewritten.data.get(item.job.name)
        if item.strategy == "shim" and isinstance(job, dict):
            continue  # a shim job keeps its keys
        emptied = {k for k in LEAKING_PARENT_KEYS if isinstance(job, dict) and job.get(k) == []}
        if item.request is not None and item.request.script:
            emptied.add("before_script")
        if not isinstance(job, dict) or set(job) - KEEP - emptied - {"extends", "<<"}:
            raise RunnerExtError(Category.TEMPLATE, Problem(
                "the rewritten job kept keys it should not have; nothing was written",
                file=ci.path, key=item.job.name))


def _check_dockerfiles(work: list[JobWork], source: ProjectSource, files: list[str],
                       engine: Engine) -> dict[str, Analysis]:
    """Analyse the Dockerfile of every job about to be rewritten; refuse the jobs whose
    Dockerfile needs features the engine lacks."""
    analyses: dict[str, Analysis] = {}
    for item in (w for w in work if w.rewrite is not None and w.request is not None
                 and not w.template_for and not w.request.promote_from):
        req = item.request
        assert req is not None
        for dockerfile, context in req.built():  # one per parallel: matrix instance
            if dockerfile not in analyses:  # checked for the first job's engine
                analyses[dockerfile] = analyze(DockerfileWork(dockerfile, context),
                                               read=source.read, files=files,
                                               engine=engine_of(req, engine))
        gaps = [(d, analyses[d].engine_gaps()) for d, _ in req.built()]
        missing = [(d, found[0]) for d, (found, _) in gaps if found]
        if missing:
            path, gap = missing[0]
            item.request, item.rewrite = None, None
            item.refusal = Refusal(
                f"{path}:{gap.line}: {gap.message}",
                "choose an engine that has it (--engine buildkit) or change the Dockerfile, "
                "then run migrate-project again")
            continue
        req.attention.extend(f"{d}:{f.line}: {f.message}" for d, (_, partial) in gaps
                             for f in partial)
    return analyses


def _dockerfile_outcomes(work: list[JobWork], analyses: dict[str, Analysis], fixes: str,
                         result: MigrationResult) -> None:
    jobs: dict[str, list[str]] = {}
    for item in work:
        if item.rewrite is not None and item.request is not None and not item.template_for \
                and not item.request.promote_from:
            for dockerfile, _ in item.request.built():
                jobs.setdefault(dockerfile, []).append(item.job.name)
    for path, names in jobs.items():
        analysis = analyses[path]
        result.dockerfiles.append(outcome_of(analysis, names, fixes))
        if fixes == "safe" and analysis.fixed_text != analysis.text:
            result.originals[path] = analysis.text
            result.changes[path] = analysis.fixed_text


