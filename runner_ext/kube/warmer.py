"""``render warmer``: a PVC of pre-pulled base images, a Job that fills it, a CronJob.

Build pods mount the PVC read-only where :mod:`runner_ext.kube.warm_store` says, and the
planner adds the engine's flag when ``[warmer].images`` is set, so a build starts without
pulling its base image. Kaniko's warmer runs ``/kaniko/warmer`` into its ``--cache-dir``;
Buildah's runs ``buildah pull`` into an image store that build pods read through
``--storage-opt DRIVER.imagestore``. Base images come from the config and from the ``FROM``
lines of given Dockerfiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.dockerfile.source import parse_dockerfile
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.assess import assess
from runner_ext.kube.labels import BUILDAH_WARMER, WARMER, WARMER_COMPONENTS, labels
from runner_ext.kube.pod import Rendered, sh_script
from runner_ext.kube.profiles import engine_profile
from runner_ext.kube.pss import Level
from runner_ext.kube.warm_store import WarmStore, warm_store
from runner_ext.planner.engines import buildah_warmer_argvs, kaniko_warmer_argv, registries_conf
from runner_ext.planner.from_config import WORK_DIRS, registry_options
from runner_ext.planner.spec import RegistryOptions
from runner_ext.render.environment import render

# Any non-root UID works (the warmer writes only to the cache volume, owned through fsGroup);
# one of 10000 and above cannot collide with a user of the node.
WARMER_UID = 65532
FILES = {"pvc": "kaniko-cache-pvc.yaml", "job": "kaniko-warmer-job.yaml",
         "cronjob": "kaniko-warmer-cronjob.yaml", "netpol": "kaniko-warmer-networkpolicy.yaml"}
BUILDAH_FILES = {"pvc": "buildah-image-store-pvc.yaml",
                 "configmap": "buildah-warmer-configmap.yaml",
                 "job": "buildah-warmer-job.yaml", "cronjob": "buildah-warmer-cronjob.yaml",
                 "netpol": "buildah-warmer-networkpolicy.yaml"}
# Buildah's run root (locks, mount points) while it pulls: scratch, never the store.
BUILDAH_RUN_ROOT = "/tmp/runner-ext-warmer"
# The registry Secret is optional; Buildah refuses a REGISTRY_AUTH_FILE that does not exist.
_AUTH_GUARD = ('# Without the registry Secret, pull anonymously.',
               '[ -f "$REGISTRY_AUTH_FILE" ] || unset REGISTRY_AUTH_FILE')


def base_images(text: str, source: str) -> list[str]:
    """External base images of a Dockerfile, as rule RXD109 reads them: ``FROM`` resolved
    through the global ``ARG`` defaults, no stage names, no scratch."""
    return [image for _, image, _ in parse_dockerfile(source, text).base_images()]


def warmer_argv(config: OrgConfig, images: Sequence[str]) -> list[str]:
    """Arguments of ``/kaniko/warmer``: the cache dir, the images, mirrors, insecure hosts."""
    registry = RegistryOptions(mirrors=tuple(config.registry.mirrors),
                               insecure=tuple(config.registry.insecure))
    return kaniko_warmer_argv(registry, config.kaniko.cache_dir, list(images))


def buildah_warmer_script(config: OrgConfig, images: Sequence[str]) -> str:
    """The ``sh -c`` script of Buildah's warmer: one ``buildah pull`` per image into the
    store, stopping at the first failure."""
    buildah = config.engines.buildah
    steps = buildah_warmer_argvs(buildah.storage_driver, buildah.image_store, list(images),
                                 BUILDAH_RUN_ROOT)
    return sh_script(steps, *_AUTH_GUARD)


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


def _shared(config: OrgConfig, store: WarmStore) -> dict[str, Any]:
    w = config.warmer
    return {"k": config.kubernetes, "claim": store.claim, "mount": store.mount,
            "schedule": w.schedule, "storage": w.storage, "storage_class": w.storage_class}


def _kaniko_context(config: OrgConfig, images: Sequence[str]) -> dict[str, Any]:
    context = {
        **_shared(config, warm_store(config, "kaniko")), "uid": WARMER_UID, "name": WARMER,
        "labels": labels(WARMER_COMPONENTS["kaniko"]), "engine_name": "Kaniko",
        "store_what": "Base-image cache", "store": "cache",
        "image": config.warmer.image or config.engines.kaniko.reference,
        "args": warmer_argv(config, images),
    }
    context["podspec"] = render("kubernetes/_warmer-podspec.yml.j2", context)
    return context


def _buildah_context(config: OrgConfig, images: Sequence[str]) -> dict[str, Any]:
    work_dir = WORK_DIRS["buildah"]
    conf = registries_conf(registry_options(config))
    env = [("REGISTRY_AUTH_FILE", f"{work_dir}/config.json"),
           *([("CONTAINERS_REGISTRIES_CONF", f"{work_dir}/registries.conf")] if conf else [])]
    context = {
        **_shared(config, warm_store(config, "buildah")), "name": BUILDAH_WARMER,
        "labels": labels(WARMER_COMPONENTS["buildah"]), "engine_name": "Buildah",
        "store_what": "Base-image store", "store": "image store",
        "profile": engine_profile(config, "buildah"),
        "image": config.warmer.image or config.engines.buildah.reference,
        "script": buildah_warmer_script(config, images), "env": env, "work_dir": work_dir,
        "configmap": f"{BUILDAH_WARMER}-files" if conf else "", "registries_conf": conf,
    }
    context["podspec"] = render("kubernetes/_buildah-warmer-podspec.yml.j2", context)
    return context


def render_warmer(config: OrgConfig, dockerfiles: Mapping[str, str],
                  engine: Engine = "kaniko") -> Rendered:
    """The PVC, Job, CronJob and NetworkPolicy (and Buildah's registries.conf ConfigMap);
    Kaniko's warmer pods must meet restricted, Buildah's the level of its build pods."""
    warm_store(config, engine)  # an engine without a warmer is refused before anything else
    images = warm_images(config, dockerfiles)
    if engine == "buildah":
        context, parts = _buildah_context(config, images), dict(BUILDAH_FILES)
        if not context["configmap"]:
            del parts["configmap"]
        profile = context["profile"]
        claimed, reasons = profile.claimed, profile.reasons
    else:
        context, parts = _kaniko_context(config, images), FILES
        claimed, reasons = Level.restricted, {}
    files = {path: render("kubernetes/warmer.yml.j2", {**context, "part": part})
             for part, path in parts.items()}
    met = Level.restricted
    for path, text in files.items():
        level = assess(text, path, what=f"the {context['engine_name']} warmer",
                       claimed=claimed, enforce=Level(config.kubernetes.enforce),
                       namespace=config.kubernetes.namespace, reasons=reasons)
        met = min(met, level, key=lambda found: found.rank)
    return Rendered(files, met)
