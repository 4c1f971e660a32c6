"""Checks on a hand-written Kaniko job's build request that only Kaniko jobs need.

The Kaniko image brings credential helpers for Amazon ECR, Google's registries and Azure
(its own ``/kaniko/.docker/config.json``), so a Kaniko job may push to such a registry with
no login line at all. The runner-ext template logs in to ``$CI_REGISTRY`` and to the
registries of ``RUNNER_EXT_REGISTRY_AUTH`` (user and password) only, so a push elsewhere
stays where it is, with the registry named.
"""

from __future__ import annotations

from runner_ext.migrate.analyse.decision import BuildRequest, Refused
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.request import own_registry


def check_pushes(facts: JobFacts, request: BuildRequest) -> None:
    """Refuse a Kaniko job that pushes outside this project's registry."""
    for destination in request.destinations:
        if not own_registry(destination, facts):
            raise Refused(f"it pushes {destination}, outside this project's registry, with "
                          "the credentials the Kaniko image finds itself (its built-in "
                          "credential helpers for Amazon ECR, Google and Azure registries); "
                          "the runner-ext template logs in to $CI_REGISTRY and the "
                          "RUNNER_EXT_REGISTRY_AUTH registries only",
                          "keep the job as it is, or put that registry's user and password "
                          "into the RUNNER_EXT_REGISTRY_AUTH CI/CD variable and push with "
                          "docker-style credentials, then run migrate-project again")
