"""``render warmer``: a PVC of pre-pulled base images, a Job that fills it, a CronJob.

Build pods mount the PVC read-only where :mod:`runner_ext.kube.warm_store` says, and the
planner adds the engine's flag when ``[warmer].images`` is set, so a build starts without
pulling its base image. Kaniko's warmer runs ``/kaniko/warmer`` into its ``--cache-dir``;
Buildah's runs ``buildah pull`` into an image store that build pods read through
``--storage-opt DRIVER.imagestore``. Base images come from the config and from the ``FROM``
lines of given Dockerfiles.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.dockerfile.source import parse_dockerfile
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.assess import assess
from runner_ext.kube.labels import BUILDAH_WARMER, WARMER, WARMER_COMPONENTS, labels
from runner_ext.kube.pod import Rendered, ca_path, require_ca_pem, sh_script
from runner_ext.kube.profiles import engine_profile
from runner_ext.kube.pss import Level
from runner_ext.kube.warm_store import WarmStore, warm_store
from runner_ext.planner.engines import (
    CA_COPY,
    CERT_DIR,
    buildah_store_argv,
    buildah_warmer_argvs,
    kaniko_warmer_argv,
    registries_conf,
    store_sync_argv,
)
from runner_ext.planner.from_config import WORK_DIRS, registry_options
from runner_ext.render.environment import render

# Any non-root UID works (the warmer writes only to the cache volume, owned through fsGroup);
# one of 10000 and above cannot collide with a user of the node.
WARMER_UID = 65532
FILES = {"pvc": "kaniko-cache-pvc.yaml", "configmap": "kaniko-warmer-configmap.yaml",
         "job": "kaniko-warmer-job.yaml", "cronjob": "kaniko-warmer-cronjob.yaml",
         "netpol": "kaniko-warmer-networkpolicy.yaml"}
BUILDAH_FILES = {"pvc": "buildah-image-store-pvc.yaml",
                 "configmap": "buildah-warmer-configmap.yaml",
                 "job": "buildah-warmer-job.yaml", "cronjob": "buildah-warmer-cronjob.yaml",
                 "netpol": "buildah-warmer-networkpolicy.yaml"}
# Buildah's run root (locks, mount points) while it pulls: scratch, never the store.
BUILDAH_RUN_ROOT = "/tmp/runner-ext-warmer"
# In the store: each superseded image's ID and when the warmer first saw it so (epoch s).
SUPERSEDED_RECORD = "runner-ext-superseded"
# The registry Secret is optional; Buildah refuses a REGISTRY_AUTH_FILE that does not exist.
_AUTH_GUARD = ('# Without the registry Secret, pull anonymously.',
               '[ -f "$REGISTRY_AUTH_FILE" ] || unset REGISTRY_AUTH_FILE')


def base_images(text: str, source: str) -> list[str]:
    """External base images of a Dockerfile, as rule RXD109 reads them: ``FROM`` resolved
    through the global ``ARG`` defaults, no stage names, no scratch."""
    return [image for _, image, _ in parse_dockerfile(source, text).base_images()]


def warmer_argv(config: OrgConfig, images: Sequence[str]) -> list[str]:
    """Arguments of ``/kaniko/warmer``: the cache dir, the images, mirrors, insecure hosts
    and, when ``registry.ca_file`` is set, the org CA where the warmer's pod holds it."""
    registry = replace(registry_options(config),
                       ca_file=ca_path("kaniko") if config.registry.ca_file else "")
    return kaniko_warmer_argv(registry, config.kaniko.cache_dir, list(images))


def buildah_warmer_script(config: OrgConfig, images: Sequence[str]) -> str:
    """The ``sh -c`` script of Buildah's warmer: one ``buildah pull`` per image into the
    store (with the org CA's folder when ``registry.ca_file`` is set), stopping at the first
    failure, then the prune of superseded images, then a sync of the store to disk."""
    driver, store = config.engines.buildah.storage_driver, warm_store(config, "buildah").mount
    cert_dir = f"{WORK_DIRS['buildah']}{CERT_DIR}" if config.registry.ca_file else ""
    steps = buildah_warmer_argvs(driver, store, list(images), BUILDAH_RUN_ROOT, cert_dir)
    prune = _prune_superseded(buildah_store_argv(driver, store, BUILDAH_RUN_ROOT), store,
                              config.warmer.keep_superseded_seconds)
    return sh_script(steps, *_AUTH_GUARD) + prune + shlex.join(store_sync_argv(store)) + "\n"


def _prune_superseded(buildah: list[str], store: str, keep_seconds: int) -> str:
    """Shell lines removing the images whose tag moved to a newer pull (dangling) once they
    have been superseded for ``keep_seconds``, a time noted in the store at the first run
    that saw them so; a build pod reading their layers has finished by then."""
    record = shlex.quote(f"{store}/{SUPERSEDED_RECORD}")
    store_cmd = shlex.join(buildah)
    return "".join(f"{line}\n" for line in (
        f"# Superseded images (their tag now names a newer pull) go {keep_seconds} s after",
        "# this warmer first saw them so: no build that started from them is still running.",
        f"dangling=$({store_cmd} images --quiet --no-trunc --filter dangling=true)",
        "now=$(date +%s)",
        f"touch {record}",
        f": > {record}.new",
        "for id in $dangling; do",
        f'  since=$(sed -n "s/^$id //p" {record})',
        '  since=${since:-$now}',
        f'  if [ $((now - since)) -ge {keep_seconds} ]; then',
        f'    {store_cmd} rmi "$id" >/dev/null || echo "could not remove superseded $id" >&2',
        "  else",
        f'    echo "$id $since" >> {record}.new',
        "  fi",
        "done",
        f"mv {record}.new {record}",
    ))


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


# ConfigMap key → path in the pod's projected work dir, of each file a warmer may read.
_CONFIGMAP_PATHS = {"registries.conf": "registries.conf", "ca.crt": CA_COPY.lstrip("/")}


@dataclass(frozen=True)
class _Warmer:
    """One engine's warmer: template context, files (part → path) and the level it claims."""

    context: dict[str, Any]
    files: dict[str, str]
    claimed: Level
    reasons: Mapping[str, str] = field(default_factory=dict)


def _shared(config: OrgConfig, store: WarmStore, name: str, data: dict[str, str]
            ) -> dict[str, Any]:
    """Context both warmers share; ``data`` is their ConfigMap's (none when empty)."""
    w = config.warmer
    return {"k": config.kubernetes, "claim": store.claim, "mount": store.mount,
            "schedule": w.schedule, "storage": w.storage, "storage_class": w.storage_class,
            "labels": labels(WARMER_COMPONENTS[store.engine]), "name": name,
            "configmap": f"{name}-files" if data else "", "configmap_data": data,
            "configmap_paths": {key: _CONFIGMAP_PATHS[key] for key in data}}


def _parts(files: dict[str, str], data: dict[str, str]) -> dict[str, str]:
    return {part: path for part, path in files.items() if data or part != "configmap"}


def _kaniko(config: OrgConfig, images: Sequence[str], ca_pem: str | None) -> _Warmer:
    """``/kaniko/warmer`` as UID 65532 at the restricted level."""
    data = {"ca.crt": ca_pem} if ca_pem is not None else {}
    context = {
        **_shared(config, warm_store(config, "kaniko"), WARMER, data), "uid": WARMER_UID,
        "engine_name": "Kaniko", "store_what": "Base-image cache", "store": "cache",
        "image": config.warmer.image or config.engines.kaniko.reference,
        "args": warmer_argv(config, images), "work_dir": WORK_DIRS["kaniko"],
    }
    context["podspec"] = render("kubernetes/_warmer-podspec.yml.j2", context)
    return _Warmer(context, _parts(FILES, data), Level.restricted)


def _buildah(config: OrgConfig, images: Sequence[str], ca_pem: str | None) -> _Warmer:
    """``buildah pull`` with a Buildah build pod's security, at the level it claims."""
    work_dir = WORK_DIRS["buildah"]
    conf = registries_conf(registry_options(config))
    data = {**({"registries.conf": conf} if conf else {}),
            **({"ca.crt": ca_pem} if ca_pem is not None else {})}
    env = [("REGISTRY_AUTH_FILE", f"{work_dir}/config.json"),
           *([("CONTAINERS_REGISTRIES_CONF", f"{work_dir}/registries.conf")] if conf else [])]
    profile = engine_profile(config, "buildah")
    context = {
        **_shared(config, warm_store(config, "buildah"), BUILDAH_WARMER, data),
        "engine_name": "Buildah", "store_what": "Base-image store", "store": "image store",
        "profile": profile, "image": config.warmer.image or config.engines.buildah.reference,
        "script": buildah_warmer_script(config, images), "env": env, "work_dir": work_dir,
    }
    context["podspec"] = render("kubernetes/_buildah-warmer-podspec.yml.j2", context)
    return _Warmer(context, _parts(BUILDAH_FILES, data), profile.claimed, profile.reasons)


_WARMERS: dict[str, Callable[[OrgConfig, Sequence[str], str | None], _Warmer]] = {
    "kaniko": _kaniko, "buildah": _buildah}


def render_warmer(config: OrgConfig, dockerfiles: Mapping[str, str],
                  engine: Engine = "kaniko", ca_pem: str | None = None) -> Rendered:
    """The PVC, Job, CronJob and NetworkPolicy (and a ConfigMap with Buildah's
    registries.conf and the org CA, when there are any); Kaniko's warmer pods must meet
    restricted, Buildah's the level of its build pods. ``ca_pem`` is the org CA's PEM,
    required when ``registry.ca_file`` is set: the warmer pulls from the registries it
    signs."""
    warm_store(config, engine)  # an engine without a warmer is refused before anything else
    pem = require_ca_pem(config, ca_pem, f"the {engine} warmer")
    warmer = _WARMERS[engine](config, warm_images(config, dockerfiles), pem)
    files = {path: render("kubernetes/warmer.yml.j2", {**warmer.context, "part": part})
             for part, path in warmer.files.items()}
    levels = [assess(text, path, what=f"the {warmer.context['engine_name']} warmer",
                     claimed=warmer.claimed, enforce=Level(config.kubernetes.enforce),
                     namespace=config.kubernetes.namespace, reasons=warmer.reasons)
              for path, text in files.items()]
    return Rendered(files, min(levels, key=lambda level: level.rank))
