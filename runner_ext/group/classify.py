"""Classify a project's jobs with the migration's own analysis: job facts and the CI rules.

Nothing here reads GitLab: the jobs come from the CI files already read, and the Dockerfiles
to check are returned as paths for the caller to read.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from runner_ext.group.inventory import JobRow
from runner_ext.migrate.analyse.docker import parse_build
from runner_ext.migrate.analyse.facts import JobFacts, job_facts
from runner_ext.migrate.analyse.jobs import Pipeline
from runner_ext.migrate.parse.cifiles import CiFile
from runner_ext.migrate.parse.source import project_path
from runner_ext.migrate.report.masking import ci_secrets
from runner_ext.migrate.rules import check_job
from runner_ext.variables import substitute

_PROJECT_DIR = {"CI_PROJECT_DIR": "", "CI_BUILDS_DIR": ""}


@dataclass
class Analysis:
    """The jobs that matter, the risks, the Dockerfiles the build jobs name, secrets to mask."""

    jobs: list[JobRow] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    dockerfiles: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    secrets: frozenset[str] = frozenset()


def analyse(files: list[CiFile]) -> Analysis:
    """Classify every job of ``files``; a job that neither uses Docker nor breaks a CI rule
    is left out."""
    pipeline = Pipeline(files)
    result = Analysis()
    all_facts: list[JobFacts] = []
    for job in pipeline.jobs.values():
        if job.hidden:
            continue
        facts = job_facts(job, pipeline, lambda _path: None)
        all_facts.append(facts)
        rules = sorted({f.rule_id for f in check_job(facts)})
        kind = _kind(facts, rules)
        if kind == "no-image-build" and not rules:
            continue
        result.jobs.append(JobRow(job.name, facts.file, facts.line, kind, rules))
        _add_risks(result.risks, facts, rules, kind)
        if facts.calls_of("build"):
            _name_dockerfiles(result, facts)
    result.risks = list(dict.fromkeys(result.risks))
    result.secrets = frozenset(s for s in ci_secrets([c.data for c in files], all_facts) if s)
    return result


def _kind(facts: JobFacts, rules: list[str]) -> str:
    daemonless = facts.daemonless()
    if daemonless:
        return daemonless
    if not facts.calls:
        return "no-image-build"
    if "RXC104" in rules:
        return "shell-docker"
    if "RXC101" in rules:
        return "docker-socket"
    if facts.dind_services():
        return "dind"
    if "RXC103" in rules:
        return "remote-daemon"
    # docker commands in an image of its own, no daemon of the job's: the runner mounts one.
    return "docker-socket"


def _add_risks(risks: list[str], facts: JobFacts, rules: list[str], kind: str) -> None:
    if facts.dind_services():
        risks.append("privileged-dind")
    if "RXC101" in rules or kind == "docker-socket":
        risks.append("socket-mount")
    if "RXC104" in rules and facts.calls:
        risks.append("shell-runner-docker")
    if "RXC114" in rules:
        risks.append("plaintext-login")
    if _latest_only(facts):
        risks.append("latest-only")


def _latest_only(facts: JobFacts) -> bool:
    """The job pushes images, all tagged ``:latest`` (or untagged, which means the same)."""
    pushed = [a for c in facts.calls_of("push") for a in c.args if not a.startswith("-")]
    tags = [t for c in facts.calls_of("build") for t in parse_build(c).tags]
    names = pushed or tags
    return bool(names) and all(_is_latest(n) for n in names)


def _is_latest(image: str) -> bool:
    last = image.rsplit("/", 1)[-1]
    return "@" not in last and (":" not in last or last.endswith(":latest"))


def _name_dockerfiles(result: Analysis, facts: JobFacts) -> None:
    for call in facts.calls_of("build"):
        flags = parse_build(call)
        context = _path(flags.context or ".", facts)
        if flags.dockerfile:
            dockerfile = _path(flags.dockerfile, facts)
        else:
            dockerfile = None if context is None else project_path(
                posixpath.join(context, "Dockerfile"))
        if dockerfile is None:
            result.notes.append(f"{facts.file}:{facts.line}: job {facts.name}: the Dockerfile "
                                "path is only known at run time; not checked")
            continue
        result.dockerfiles.setdefault(dockerfile, []).append(facts.name)


def _path(text: str, facts: JobFacts) -> str | None:
    """A build path as a project path, CI variables filled in; ``None`` when not knowable."""
    value = substitute(text, {**facts.variables, **_PROJECT_DIR})
    if "$" in value or "://" in value:
        return None
    return project_path(value.lstrip("/") if text.startswith("$") else value)
