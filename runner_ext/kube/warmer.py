"""``render warmer``: a PVC of pre-pulled base images, a Job that fills it, a CronJob.

Kaniko build pods mount the PVC read-only and pass it as ``--cache-dir`` (the planner adds
the flag when ``[warmer].images`` is set), so a build starts without pulling its base
image. Base images come from the config and from the ``FROM`` lines of given Dockerfiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.dockerfile.source import parse_dockerfile
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.assess import assess
from runner_ext.kube.labels import CACHE_PVC, WARMER, labels
from runner_ext.kube.pod import Rendered
from runner_ext.kube.pss import Level
from runner_ext.planner.engines import kaniko_warmer_argv
from runner_ext.planner.spec import RegistryOptions
from runner_ext.render.environment import render

# Any non-root UID works (the warmer writes only to the cache volume, owned through fsGroup);
# one of 10000 and above cannot collide with a user of the node.
WARMER_UID = 65532
FILES = {"pvc": "kaniko-cache-pvc.yaml", "job": "kaniko-warmer-job.yaml",
         "cronjob": "kaniko-warmer-cronjob.yaml", "netpol": "kaniko-warmer-networkpolicy.yaml"}


def base_images(text: str, source: str) -> list[str]:
    """External base images of a Dockerfile, as rule RXD109 reads them: ``FROM`` resolved
    through the global ``ARG`` defaults, no stage names, no scratch."""
    return [image for _, image, _ in parse_dockerfile(source, text).base_images()]


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
    """The PVC, Job, CronJob and NetworkPolicy; the warmer's pods must meet restricted."""
    context = _context(config, warm_images(config, dockerfiles))
    files = {path: render("kubernetes/warmer.yml.j2", {**context, "part": part})
             for part, path in FILES.items()}
    for path, text in files.items():
        assess(text, path, what="the Kaniko warmer", claimed=Level.restricted,
               enforce=Level(config.kubernetes.enforce), namespace=config.kubernetes.namespace,
               reasons={})
    return Rendered(files, Level.restricted)
