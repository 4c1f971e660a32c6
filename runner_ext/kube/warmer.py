"""``render warmer``: a PVC of pre-pulled base images, a Job that fills it, a CronJob.

Kaniko build pods mount the PVC read-only and pass it as ``--cache-dir`` (the planner adds
the flag when ``[warmer].images`` is set), so a build starts without pulling its base
image. Base images come from the config and from the ``FROM`` lines of given Dockerfiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dockerfile

from runner_ext.config.model import OrgConfig
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.assess import assess
from runner_ext.kube.labels import CACHE_PVC, WARMER, labels
from runner_ext.kube.pod import Rendered
from runner_ext.kube.pss import Level
from runner_ext.planner.engines import kaniko_warmer_argv
from runner_ext.planner.spec import RegistryOptions
from runner_ext.render.environment import render
from runner_ext.variables import substitute

WARMER_UID = 1000
FILES = {"pvc": "kaniko-cache-pvc.yaml", "job": "kaniko-warmer-job.yaml",
         "cronjob": "kaniko-warmer-cronjob.yaml"}


def _global_args(commands: Sequence[Any]) -> dict[str, str]:
    """Defaults of the ARGs declared before the first FROM (the only ones FROM can use)."""
    found: dict[str, str] = {}
    for command in commands:
        if command.cmd.upper() == "FROM":
            break
        if command.cmd.upper() == "ARG":
            for item in command.value:
                name, sep, default = item.partition("=")
                if sep:
                    found[name] = default.strip("\"'")
    return found


def base_images(text: str, source: str) -> list[str]:
    """External base images of a Dockerfile: no stage names, no scratch, ARGs resolved."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise RunnerExtError(Category.INPUT, Problem(f"cannot parse Dockerfile: {exc}",
                                                     file=source)) from exc
    args, stages, images = _global_args(commands), set(), []
    for command in commands:
        if command.cmd.upper() != "FROM" or not command.value:
            continue
        image = substitute(command.value[0], args)
        if len(command.value) >= 3 and command.value[1].upper() == "AS":
            stages.add(command.value[2].lower())
        if image.lower() in stages or image == "scratch" or "$" in image:
            continue
        images.append(image)
    return images


def warmer_argv(config: OrgConfig, images: Sequence[str]) -> list[str]:
    """Arguments of ``/kaniko/warmer``: the cache dir, the images, mirrors, insecure hosts."""
    registry = RegistryOptions(mirrors=tuple(config.registry.mirrors),
                               insecure=tuple(config.registry.insecure))
    return kaniko_warmer_argv(registry, config.kaniko.cache_dir, list(images))


def warm_images(config: OrgConfig, dockerfiles: Mapping[str, str]) -> list[str]:
    """Configured images plus those of the Dockerfiles, first occurrence kept."""
    found = list(config.warmer.images)
    for source, text in dockerfiles.items():
        found += base_images(text, source)
    if not found:
        raise RunnerExtError(Category.USAGE, Problem(
            "no base images to warm", key="warmer.images",
            hint="list them in [warmer].images or pass --dockerfile PATH"))
    return list(dict.fromkeys(found))


def _context(config: OrgConfig, images: Sequence[str]) -> dict[str, Any]:
    k, w = config.kubernetes, config.warmer
    context: dict[str, Any] = {
        "k": k, "uid": WARMER_UID, "claim": CACHE_PVC, "name": WARMER,
        "labels": labels("kaniko-cache"), "cache_dir": config.kaniko.cache_dir,
        "image": w.image or config.engines.kaniko.reference,
        "args": warmer_argv(config, images), "schedule": w.schedule, "storage": w.storage,
        "storage_class": w.storage_class,
    }
    context["podspec"] = render("kubernetes/_warmer-podspec.yml.j2", context)
    return context


def render_warmer(config: OrgConfig, dockerfiles: Mapping[str, str]) -> Rendered:
    """The PVC, Job and CronJob; the warmer's pods must meet the restricted level."""
    context = _context(config, warm_images(config, dockerfiles))
    files = {path: render("kubernetes/warmer.yml.j2", {**context, "part": part})
             for part, path in FILES.items()}
    for path, text in files.items():
        assess(text, path, what="the Kaniko warmer", claimed=Level.restricted,
               enforce=Level(config.kubernetes.enforce), namespace=config.kubernetes.namespace,
               reasons={})
    return Rendered(files, Level.restricted)
