"""What the CI rules and the migration know about one job, computed once."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runner_ext.config.model import BUILD_JOB, PROMOTE_JOB
from runner_ext.migrate.analyse.docker import DockerCall, classify
from runner_ext.migrate.analyse.jobs import CiJob, Pipeline, variable_values
from runner_ext.migrate.analyse.shell import Command, parse_script
from runner_ext.variables import substitute

ReadText = Callable[[str], "str | None"]
_DAEMONLESS_COMMANDS = {
    "/kaniko/executor": "kaniko", "executor": "kaniko", "buildah": "buildah",
    "buildctl": "buildkit", "buildctl-daemonless.sh": "buildkit", "podman": "podman",
}
_DAEMONLESS_IMAGES = (("kaniko", "kaniko"), ("buildah", "buildah"), ("buildkit", "buildkit"))
# Registry-to-registry image copies, which need no Docker daemon: tool → its copying verbs.
_IMAGE_COPIES = {"skopeo": {"copy", "sync"},
                 "crane": {"copy", "cp", "push", "append", "mutate", "tag", "flatten"}}
IMAGE_COPY_TOOLS = frozenset(_IMAGE_COPIES)
# docker:dind, docker:27-dind-rootless, …/docker/dind, a mirror's …/docker:24-dind.
# The official image's plain tags are its dind variant too (docker, docker:latest,
# docker:29.6.2 start dockerd as a service); docker:cli, docker:29-cli, docker:git don't.
_DIND = re.compile(r"(^|/)docker:([^/]*-)?dind([-@:]|$)|(^|/)docker:dind"
                   r"|(^|/)([^/:@]*[-_.])?dind([-_.][^/:@]*)?([:@]|$)"
                   r"|(^|/)docker(:(latest|stable|edge|test|\d+(\.\d+)*(-rc\.?\d+)?))?"
                   r"(@sha256:[0-9a-f]+)?$")

# A job that extends a template runner-ext can't read (another project's, a remote file's)
# builds an image when the template's name says so (``.fdo.container-build@fedora``,
# ``.kaniko-build``…): the migration reports such a job instead of passing it by.
IMAGE_TEMPLATE_NAME = re.compile(
    r"(?i)kaniko|buildah|buildx|(?:container|image|docker|oci)[-_.:]?(?:build|push|publish|release)"
    r"|build[-_.:]?(?:image|container|docker|oci)")


@dataclass
class JobFacts:
    """A job's effective image, services, tags, variables and parsed script."""

    job: CiJob
    image: str
    services: list[str]
    tags: list[str]
    variables: dict[str, str]
    commands: list[Command] = field(default_factory=list)
    after_commands: list[Command] = field(default_factory=list)
    script_problems: list[str] = field(default_factory=list)
    calls: list[DockerCall] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # before_script + script, as written
    before_items: int = 0  # how many of ``items`` are before_script lines
    read_text: ReadText = lambda _path: None
    # ``parallel: matrix:`` as one name → value mapping per job instance (empty: no matrix).
    matrix: list[dict[str, str]] = field(default_factory=list)

    @property
    def matrix_names(self) -> frozenset[str]:
        """Variables ``parallel: matrix:`` sets: known before the job runs, per instance."""
        return frozenset(name for instance in self.matrix for name in instance)

    @property
    def name(self) -> str:
        """The job's name."""
        return self.job.name

    @property
    def file(self) -> str:
        """The file the job is written in."""
        return self.job.file.path

    @property
    def line(self) -> int:
        """The line of the job's key."""
        return self.job.line

    def calls_of(self, *kinds: str) -> list[DockerCall]:
        """Docker calls of the given kinds, in script order."""
        return [c for c in self.calls if c.kind in kinds]

    def dind_services(self) -> list[str]:
        """Services that run a Docker daemon."""
        return [s for s in self.services if is_dind(substitute(s, self.variables))]

    def daemonless(self) -> str | None:
        """The daemonless builder this job already uses, if any."""
        for command in self.commands:
            engine = _DAEMONLESS_COMMANDS.get(command.name)
            if engine and (command.name != "executor" or "kaniko" in self.image):
                return engine
        if any(str(p).startswith((BUILD_JOB, PROMOTE_JOB)) for p in self.job.parents):
            return "runner-ext"
        for needle, engine in _DAEMONLESS_IMAGES:
            if needle in self.image and not self.calls:
                return engine
        for command in [] if self.calls else self.commands:
            if command.words[1:2] and command.words[1] in _IMAGE_COPIES.get(command.name, ()):
                return command.name
        return None


def is_dind(service: str) -> bool:
    """True for a Docker-in-Docker service image (``docker:…dind``, the plain ``docker:29``
    tags, or a ``…/dind`` mirror)."""
    return bool(_DIND.search(service))


def _image_name(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name", "")
    return "" if value is None else str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def matrix_instances(parallel: Any) -> list[dict[str, str]]:
    """The variables of each instance ``parallel: matrix:`` starts: every entry is one
    instance per combination of its values (a list value multiplies, as in GitLab)."""
    entries = parallel.get("matrix") if isinstance(parallel, dict) else None
    instances: list[dict[str, str]] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        names = [str(name) for name in entry]
        choices = [[str(v) for v in _as_list(value)] for value in entry.values()]
        instances.extend(dict(zip(names, combo, strict=True))
                         for combo in itertools.product(*choices))
    return instances


def job_facts(job: CiJob, pipeline: Pipeline, read_text: ReadText) -> JobFacts:
    """Gather a job's facts from its effective definition."""
    effective = job.effective
    facts = JobFacts(
        job=job,
        image=_image_name(effective.get("image")),
        services=[_image_name(s) for s in _as_list(effective.get("services"))],
        tags=[str(t) for t in _as_list(effective.get("tags"))],
        variables=variable_values(effective.get("variables")),
        read_text=read_text,
        matrix=matrix_instances(effective.get("parallel")),
    )
    main: list[str] = []
    for key in ("before_script", "script"):
        lines = pipeline.script(effective.get(key))
        if lines is None:
            facts.script_problems.append(f"{key} uses a !reference runner-ext cannot resolve")
        else:
            main.extend(lines)
            facts.before_items = len(main) if key == "before_script" else facts.before_items
    facts.items = main
    facts.commands, problems = parse_script(main)
    facts.script_problems.extend(problems)
    after = pipeline.script(effective.get("after_script"))
    if after is None:
        facts.script_problems.append("after_script uses a !reference runner-ext cannot resolve")
    else:
        facts.after_commands, problems = parse_script(after)
        facts.script_problems.extend(problems)
    facts.calls = [c for c in map(classify, facts.commands + facts.after_commands) if c]
    return facts
