"""Turning a job's way through the migration into the :class:`JobOutcome` of the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.engines import ENGINES, Engine
from runner_ext.migrate.analyse.decision import BuildRequest, Refusal
from runner_ext.migrate.analyse.facts import IMAGE_COPY_TOOLS, JobFacts
from runner_ext.migrate.analyse.jobs import CiJob
from runner_ext.migrate.report.adopted import adopted_changes, stays
from runner_ext.migrate.report.result import DockerfileOutcome, JobOutcome
from runner_ext.migrate.rewrite.rewrite import JobRewrite
from runner_ext.migrate.rules import plaintext_password
from runner_ext.migrate.shim.rewrite import ShimRewrite
from runner_ext.rules.base import Finding, Severity


@dataclass
class JobWork:
    """One job on its way through the migration."""

    job: CiJob
    facts: JobFacts
    findings: list[Finding]
    daemonless: str | None = None
    request: BuildRequest | None = None
    rewrite: JobRewrite | None = None
    refusal: Refusal | None = None
    strategy: str = "declarative"
    # A job that runs a hidden template's build: the template is rewritten, not the job.
    via_template: str | None = None
    # A hidden template rewritten once for the jobs that run its build.
    template_for: tuple[str, ...] = ()
    # A hand-written Kaniko job taken onto the template: its image, for the report.
    adopted: str = ""


def engine_of(request: BuildRequest | None, chosen: Engine) -> Engine:
    """The engine a job builds with: the project's, unless the job needs another."""
    if request is not None and request.engine in ENGINES:
        return request.engine
    return chosen


_NOT_A_BUILD = {
    "RXC101": "reaches the host's Docker socket",
    "RXC102": "starts a Docker-in-Docker service",
    "RXC103": "points DOCKER_HOST at a Docker daemon",
    "RXC104": "runs on a shell runner",
}


def not_a_build(findings: list[Finding], config: OrgConfig,
                opaque: str | None = None) -> Refusal:
    """Why a job that uses Docker but shows no image build is left.

    ``opaque`` is a ``make`` or script command the job runs: then the job is not called
    "not an image build", because runner-ext can't see what that command does.
    """
    ids = {f.rule_id for f in findings}
    what = [text for rule, text in _NOT_A_BUILD.items() if rule in ids] or ["uses Docker"]
    tags = ", ".join(config.runner.tags)
    if opaque:
        return Refusal(f"it {' and '.join(what)} and runs '{opaque}', in which runner-ext "
                       "finds no image build it can follow, so it can't tell what the job "
                       "does with Docker",
                       "if it builds an image, call docker build in the job itself and run "
                       "migrate-project again; if not, drop the Docker daemon and give it "
                       f"tags: [{tags}]")
    if ids & {"RXC101", "RXC102", "RXC103"}:
        todo = ("drop the Docker daemon it does not use (services, DOCKER_HOST), give it an "
                f"image: with its tools and tags: [{tags}]")
    else:
        todo = f"give it an image: with the tools its script needs and tags: [{tags}]"
    return Refusal(f"not an image build; it {' and '.join(what)}", todo)


def _changes(item: JobWork, runner_tags: list[str]) -> tuple[str, ...]:
    facts, own = item.facts, item.job.own
    assert item.request is not None and item.rewrite is not None
    changes = [*adopted_changes(item.adopted, facts), *item.request.changes]
    if "image" in own and facts.image:
        changes.append(f"image {facts.image} replaced by the runner-ext executor image")
    changes.extend(f"removed service {s}" for s in facts.dind_services() if "services" in own)
    if facts.calls_of("login"):
        changes.append("removed docker login (the template authenticates with the job's "
                       "registry credentials)")
    if "tags" in own:
        changes.append(f"runner tags {', '.join(facts.tags)} → {', '.join(runner_tags)}")
    return tuple(changes + item.rewrite.changes)


def dockerfile_errors(outcome: DockerfileOutcome) -> list[str]:
    return [f"{outcome.path}:{f.line}: {f.rule_id} {f.message}; fix it before merging"
            for f in outcome.findings if f.severity is Severity.ERROR
            and (f.fix is None or f.fix.description not in outcome.applied_fixes)]


def outcome(item: JobWork, runner_tags: list[str], errors: dict[str, list[str]]
             ) -> JobOutcome:
    job = item.job
    base: dict[str, Any] = {"name": job.name, "file": job.file.path, "line": job.line,
                            "findings": tuple(item.findings)}
    if item.daemonless:
        reason = (f"copies images with {item.daemonless}, which needs no Docker daemon"
                  if item.daemonless in IMAGE_COPY_TOOLS
                  else f"already builds with {item.daemonless}")
        return JobOutcome(status="already-daemonless", reason=reason, **base)
    if isinstance(item.rewrite, ShimRewrite):
        return JobOutcome(status="migrated", strategy="shim", changes=tuple(item.rewrite.changes),
                          attention=tuple(item.rewrite.attention), **base)
    if item.rewrite is not None and item.request is not None:
        attention = [*item.request.attention, *(e for d, _ in item.request.built()
                                                for e in errors.get(d, []))]
        attention += [f"{f.message} (it stays in the repository history)"
                      for f in item.findings if f.rule_id == plaintext_password.ID]
        return JobOutcome(status="migrated", strategy="declarative",
                          changes=_changes(item, runner_tags),
                          attention=tuple(attention),
                          dockerfile=item.request.dockerfile, **base)
    refusal = item.refusal or Refusal("not migrated", "")
    reason = f"{stays(item.adopted)}{refusal.reason}" if item.adopted else refusal.reason
    return JobOutcome(status="left", reason=reason, suggestion=refusal.suggestion, **base)
