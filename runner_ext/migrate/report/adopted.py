"""What the report says about a hand-written Kaniko job taken onto the template."""

from __future__ import annotations

from runner_ext.migrate.analyse import kaniko
from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.kaniko_auth import CONFIG_FILE, own_text


def moved(note: str) -> str:
    """The first change of an adopted job."""
    return f"hand-written Kaniko build ({note}) moved onto the runner-ext template"


def stays(note: str) -> str:
    """The start of the reason a hand-written Kaniko job is left."""
    return f"hand-written Kaniko build ({note}) stays as it is: "


def adopted_changes(note: str, facts: JobFacts) -> list[str]:
    """The report lines of an adopted job: moved, which flags and lines were dropped."""
    if not note:
        return []
    changes = [moved(note)]
    dropped: list[str] = []
    for command in facts.commands:
        if kaniko.is_executor(facts, command):
            try:
                dropped += kaniko.parse_executor(command.words[1:]).dropped
            except Refused:  # not reached: the analysis accepted the command
                continue
    if dropped:
        changes.append("dropped " + ", ".join(dict.fromkeys(dropped)) + ": the template owns "
                       "caching (registry layer cache, snapshot mode and run mode from the org "
                       "config)")
    lines = [own_text(c) for c in facts.commands if CONFIG_FILE in own_text(c)]
    if any("CI_DEPENDENCY_PROXY_SERVER" in line for line in lines):
        changes.append(f"dropped the line writing {CONFIG_FILE} ($CI_REGISTRY and the "
                       "dependency proxy with the job's own credentials): the template logs "
                       "in to both itself, with CI_REGISTRY_USER/CI_REGISTRY_PASSWORD and "
                       "CI_DEPENDENCY_PROXY_USER/CI_DEPENDENCY_PROXY_PASSWORD")
    elif lines:
        changes.append(f"dropped the line writing {CONFIG_FILE} ($CI_REGISTRY with the "
                       "job's own credentials): the template logs in to $CI_REGISTRY itself "
                       "with CI_REGISTRY_USER/CI_REGISTRY_PASSWORD")
    return changes
