"""Which jobs of a project build or push a container image, by any means.

This classifier is deliberately independent of the migration's own analysis (which it is
used to judge): it reads each job's effective scripts (``extends:``, anchors, ``default:``
and ``!reference`` resolved) as text and looks for any tool that builds, pushes or copies an
image — the Docker or Podman CLI, Compose, Buildx, Kaniko, Buildah, BuildKit, img, Jib, ko,
Cloud Native Buildpacks, Spring Boot, skopeo/crane copies — and for ``make`` targets or
scripts in the project whose name or text says so. A job that only *runs* containers
(``docker run``, ``docker pull``) does not build images. Hidden jobs (``.name``) never run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from runner_ext.migrate.analyse.facts import IMAGE_TEMPLATE_NAME
from runner_ext.migrate.analyse.jobs import Pipeline

_IMAGE_TOOLS = re.compile(
    r"""(?x)
    \b(?:docker|podman|nerdctl)\s+(?:--?[\w-]+(?:[ =]\S+)?\s+)*
        (?:image\s+)?(?:build|push|buildx\s+(?:\S+\s+)*?(?:build|bake)|manifest\s+push
           |compose\s+(?:\S+\s+)*?(?:build|push))\b
    | \bdocker-compose\s+(?:\S+\s+)*?(?:build|push)\b
    | /kaniko/executor | \bexecutor\s+--(?:context|dockerfile|destination)
    | \bbuildah\s+(?:\S+\s+)*?(?:bud|build|push|commit)\b
    | \bbuildctl(?:-daemonless\.sh)?\s+(?:\S+\s+)*?build\b
    | \bimg\s+build\b | \bskopeo\s+copy\b | \bcrane\s+(?:copy|push|append|tag)\b
    | \bregctl\s+image\s+copy\b | \bjib(?:Build|DockerBuild)?\b | \bjib:build\b
    | \bbootBuildImage\b | \bspring-boot:build-image\b | \bko\s+(?:build|publish|resolve)\b
    | \bpack\s+build\b | \bnix\s+build\b.*\b(?:docker|image|container)
    """)
_MAKE_TARGET = re.compile(r"\bmake\b[^|;&]*\b[\w.-]*(?:docker|image|container)[\w.-]*")
_SCRIPT = re.compile(r"(?:^|\s|/)((?:\./)?[\w./-]+\.(?:sh|bash|py))\b")
_TEMPLATES = re.compile(
    r"(?i)(?:^|/)(?:docker|kaniko|auto-devops|jobs/build)[\w.-]*\.gitlab-ci\.yml$")


def _lines(pipeline: Pipeline, job: dict[str, Any]) -> list[str]:
    """Every command line of the job's scripts; shell comments dropped."""
    lines: list[str] = []
    for key in ("before_script", "script", "after_script"):
        for entry in pipeline.script(job.get(key)) or []:
            lines.extend(line for line in str(entry).splitlines()
                         if not line.lstrip().startswith("#"))
    return lines


def _script_builds(line: str, read: Callable[[str], str | None]) -> bool:
    """A script the line runs, found in the project, that builds or pushes an image."""
    for name in _SCRIPT.findall(line):
        text = read(name.removeprefix("./"))
        if text is not None and any(_IMAGE_TOOLS.search(t) for t in text.splitlines()
                                    if not t.lstrip().startswith("#")):
            return True
    return False


_MAKE_CALL = re.compile(r"\bmake\b((?:\s+[^\s|;&]+)*)")


def _make_builds(line: str, read: Callable[[str], str | None]) -> bool:
    """A ``make`` target the line runs that builds or pushes an image: by its recipe (or a
    prerequisite's) when the project's Makefile defines it, else by its name."""
    found = _MAKE_CALL.search(line)
    if found is None:
        return False
    makefile = read("Makefile")
    targets = [w for w in found.group(1).split() if not w.startswith("-") and "=" not in w]
    return any(_recipe_builds(makefile, t, depth=0) if makefile is not None
               and _recipe(makefile, t) is not None else bool(_MAKE_TARGET.search(f"make {t}"))
               for t in targets)


def _recipe(makefile: str, target: str) -> re.Match[str] | None:
    return re.search(rf"(?m)^{re.escape(target)}\s*:(?!=)([^\n]*)\n((?:\t[^\n]*\n?|[ \t]*\n)*)",
                     makefile)


def _recipe_builds(makefile: str, target: str, depth: int) -> bool:
    head = _recipe(makefile, target)
    if head is None or depth > 3:
        return False
    if any(_IMAGE_TOOLS.search(r) for r in head.group(2).splitlines()):
        return True
    return any(_recipe_builds(makefile, p, depth + 1) for p in head.group(1).split("##")[0].split())


def line_builds(line: str, read: Callable[[str], str | None]) -> bool:
    """True when one script line builds or pushes an image: directly, through a ``make``
    target whose recipe in the project's Makefile does (or, when the Makefile has no such
    target, one named for it), or through a script in the project that does."""
    return bool(_IMAGE_TOOLS.search(line) or _make_builds(line, read)
                or _script_builds(line, read))


def image_jobs(pipeline: Pipeline, read: Callable[[str], str | None]) -> list[str]:
    """Names of the jobs that build or push an image, in file order; a GitLab image-build
    template (``include: template: Docker.gitlab-ci.yml`` and the like) counts as its job."""
    found = [name for name, job in pipeline.jobs.items()
             if not job.hidden and (
                 any(line_builds(line, read) for line in _lines(pipeline, job.effective))
                 or any(IMAGE_TEMPLATE_NAME.search(p) for p in job.unresolved))]
    found.extend(f"include:{t}" for t in _templates(pipeline))
    return found


def _templates(pipeline: Pipeline) -> list[str]:
    names = []
    for ci in pipeline.files:
        entries = ci.data.get("include")
        for entry in entries if isinstance(entries, list) else [entries]:
            template = entry.get("template") if isinstance(entry, dict) else None
            if isinstance(template, str) and _TEMPLATES.search(template):
                names.append(template)
    return names
