"""The CI rule catalog: one rule per module, each with a stable ``RXC`` ID.

``RULES`` is the explicit registry, in ID order; a rule module's docstring is its
documentation (shown by ``runner-ext rules`` and in ``docs/rules-ci.md``).
"""

from __future__ import annotations

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules import (
    compose_build,
    computed_name,
    dind_service,
    docker_build,
    docker_host_tcp,
    docker_login,
    docker_push,
    docker_run,
    docker_socket,
    hidden_build,
    plaintext_password,
    retag_only,
    script_logic,
    shell_runner,
)
from runner_ext.rules.base import Finding, Rule
from runner_ext.rules.docs import Catalog

_INTRO = """\
`migrate-project` (and `runner-ext rules`) check every CI job with these rules. They find
image builds and other Docker use that needs a Docker daemon — the host's socket, a
`docker:dind` service or a shell runner — and say why each matters. A job whose findings
`migrate-project` can resolve safely is rewritten to the runner-ext template; the others are
left untouched and reported with the reason and what to do (see `docs/migrate.md`).

Each rule has a stable ID and a default severity.
"""

RULES: tuple[Rule[JobFacts], ...] = (
    docker_socket, dind_service, docker_host_tcp, shell_runner, docker_build, docker_push,
    docker_login, compose_build, docker_run, retag_only, hidden_build, script_logic,
    computed_name, plaintext_password,
)
CATALOG = Catalog("ci", "CI rules", _INTRO, RULES, "docs/rules-ci.md")


def check_job(facts: JobFacts) -> list[Finding]:
    """Every finding of every CI rule for one job."""
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.check(facts))
    return findings


def rule_by_id(rule_id: str) -> Rule[JobFacts]:
    """A rule module by its ID (KeyError when unknown)."""
    for rule in RULES:
        if rule_id == rule.ID:
            return rule
    raise KeyError(rule_id)
