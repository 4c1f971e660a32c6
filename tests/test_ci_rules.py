"""The CI rule catalog: registered, documented, and its documented examples behave."""

from __future__ import annotations

import pkgutil
import re

import pytest

import runner_ext.migrate.rules as rules_package
from runner_ext.migrate.analyse.facts import JobFacts, job_facts
from runner_ext.migrate.analyse.jobs import Pipeline
from runner_ext.migrate.parse.cifiles import parse_ci_file
from runner_ext.migrate.rules import RULES, check_job, rule_by_id
from runner_ext.rules.base import Rule, Severity
from runner_ext.rules.docs import parse

# Files the documented examples refer to (RXC111's Makefile).
EXAMPLE_FILES = {"Makefile": "image:\n\tdocker build -t $(IMAGE) .\n"}


def facts_of(yaml_text: str, files: dict[str, str] | None = None) -> list[JobFacts]:
    """Facts of every visible job of a CI file given as text."""
    ci = parse_ci_file(".gitlab-ci.yml", yaml_text.encode())
    pipeline = Pipeline([ci])
    sources = files or {}
    return [job_facts(job, pipeline, sources.get) for job in pipeline.jobs.values()
            if not job.hidden]


def test_every_rule_module_is_registered() -> None:
    modules = {name for _, name, _ in pkgutil.iter_modules(rules_package.__path__)
               if not name.startswith("_") and name != "docs"}
    registered = {getattr(rule, "__name__", "").rsplit(".", 1)[-1] for rule in RULES}
    assert modules == registered


def test_ids_names_severities() -> None:
    ids = [rule.ID for rule in RULES]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for rule in RULES:
        assert re.fullmatch(r"RXC1\d\d", rule.ID)
        assert re.fullmatch(r"[a-z][a-z-]+", rule.NAME)
        assert isinstance(rule.SEVERITY, Severity)
        assert rule_by_id(rule.ID) is rule
    with pytest.raises(KeyError):
        rule_by_id("RXC999")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_flagged_example_is_flagged(rule: Rule[JobFacts]) -> None:
    example = parse(rule).code("Example")
    found = [f for facts in facts_of(example, EXAMPLE_FILES)
             for f in rule.check(facts)]
    assert found, "the documented Example yields no finding"
    assert {f.rule_id for f in found} == {rule.ID}
    assert all(f.severity is rule.SEVERITY for f in found)
    assert all(f.file == ".gitlab-ci.yml" and f.line for f in found)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_instead_example_passes(rule: Rule[JobFacts]) -> None:
    example = parse(rule).code("Instead")
    jobs = facts_of(example, EXAMPLE_FILES)
    assert jobs
    assert [f for facts in jobs for f in rule.check(facts)] == []


def test_findings_name_the_job_not_the_secret() -> None:
    (facts,) = facts_of("build:\n  script:\n    - docker login -u me -p hunter2-canary reg\n"
                        "    - docker build --build-arg DB_PASSWORD=hunter2-canary .\n")
    messages = " ".join(f.message for f in check_job(facts))
    assert "hunter2-canary" not in messages
    assert all(f.details["job"] == "build" for f in check_job(facts))


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("j:\n  variables: {DOCKER_HOST: 'tcp://docker:2376'}\n  script: [docker info]\n",
     {"RXC103"}),
    ("j:\n  services: [{name: 'registry.example.com/docker:24-dind', alias: docker}]\n"
     "  script: [docker info]\n", {"RXC102"}),
    ("j:\n  image: docker:27\n  script:\n    - docker run -v /var/run/docker.sock:/s x\n",
     {"RXC101", "RXC109"}),
    ("j:\n  tags: [docker_shell]\n  script: [make test]\n", {"RXC104"}),
    ("j:\n  tags: [shellcheck]\n  script: [make test]\n", set()),
    ("j:\n  script:\n    - docker compose up --build -d\n", {"RXC108"}),
    ("j:\n  script:\n    - docker buildx imagetools create -t a:2 a:1\n", {"RXC110"}),
    ("j:\n  script:\n    - docker build -t x:`date +%s` .\n    - docker push x:1\n",
     {"RXC105", "RXC106", "RXC113"}),
])
def test_rules_on_small_jobs(yaml_text: str, expected: set[str]) -> None:
    (facts,) = facts_of(yaml_text)
    assert {f.rule_id for f in check_job(facts)} == expected
