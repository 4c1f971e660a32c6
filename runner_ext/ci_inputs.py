"""The inputs of our CI component and the job variables they become.

One table, used by the template renderer (component ``spec:inputs`` and the classic
hidden job's variables) and by the migration (which writes inputs or variables).
Lists are strings with one item per line (destinations and tags may also be separated
by spaces), because the job's shell expands them at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runner_ext.config.model import OrgConfig
from runner_ext.engines import ENGINES
from runner_ext.planner.from_config import VARIABLES

InputType = Literal["string", "boolean", "array", "number"]


@dataclass(frozen=True)
class CiInput:
    """One component input; ``variable`` is the job variable carrying it (if any)."""

    name: str
    type: InputType
    description: str
    variable: str | None
    options: tuple[str, ...] = ()


INPUTS: tuple[CiInput, ...] = (
    CiInput("job_name", "string", "Name of the build job this include creates.", None),
    CiInput("stage", "string", "Stage of the build job.", None),
    CiInput("engine", "string", "Build engine.", None, options=ENGINES),
    CiInput("runner_tags", "array", "Tags selecting the Kubernetes runner.", None),
    CiInput("context", "string", "Build context directory.", VARIABLES["context"]),
    CiInput("dockerfile", "string", "Dockerfile path, relative to the project directory.",
            VARIABLES["dockerfile"]),
    CiInput("image", "string", "Image repository the default tags are pushed to.",
            "RUNNER_EXT_IMAGE"),
    CiInput("destinations", "string",
            "Full image references to push, one per line or space-separated; empty means the "
            "default tags: commit SHA, ref slug, 'latest' on the default branch, the git tag "
            "on tag pipelines.", VARIABLES["destinations"]),
    CiInput("extra_tags", "string", "More tags of 'image' to push, space-separated.",
            "RUNNER_EXT_EXTRA_TAGS"),
    CiInput("build_args", "string", "Build args, NAME=value, one per line.",
            VARIABLES["build_args"]),
    CiInput("target", "string", "Target stage of a multi-stage Dockerfile.",
            VARIABLES["target"]),
    CiInput("labels", "string", "Image labels, NAME=value, one per line.", VARIABLES["labels"]),
    CiInput("platform", "string", "Target platform, e.g. linux/arm64.", VARIABLES["platform"]),
    CiInput("cache", "boolean", "Use the registry layer cache.", VARIABLES["cache"]),
    CiInput("cache_repo", "string", "Repository holding cache layers.", VARIABLES["cache_repo"]),
    CiInput("push", "boolean", "Push the image; false only checks that it builds (the layer "
            "cache is read, not written).", VARIABLES["push"]),
    CiInput("extra_args", "string", "Extra engine arguments, one per line.",
            VARIABLES["extra_args"]),
)


def input_defaults(config: OrgConfig) -> dict[str, str | bool | list[str]]:
    """Default value of every input under an org config."""
    cache_repo = config.cache.repo.replace("{image}", "${RUNNER_EXT_IMAGE}")
    return {
        "job_name": "build-image",
        "stage": "build",
        "engine": config.build.engine,
        "runner_tags": list(config.runner.tags),
        "context": "$CI_PROJECT_DIR",
        "dockerfile": "Dockerfile",
        "image": "$CI_REGISTRY_IMAGE",
        "destinations": "",
        "extra_tags": "",
        "build_args": "",
        "target": "",
        "labels": "",
        "platform": "",
        "cache": config.cache.enabled,
        "cache_repo": cache_repo,
        "push": True,
        "extra_args": "",
    }


def input_variable(name: str) -> str:
    """The job variable an input sets (KeyError for inputs that set none)."""
    found = next(i for i in INPUTS if i.name == name)
    if found.variable is None:
        raise KeyError(name)
    return found.variable
