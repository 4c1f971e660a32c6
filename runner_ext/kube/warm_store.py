"""Which engine's build pods mount which warmer volume, and where: one home.

``render warmer`` fills the volume; ``render pod`` and ``render runner`` mount it read-only
in the engine's build pods when ``[warmer].images`` is set (the planner then adds the
engine's flag: Kaniko's ``--cache-dir``, Buildah's ``--storage-opt DRIVER.imagestore``).
BuildKit has no warmer: it keeps no store of base images that a volume could hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.labels import CACHE_PVC, IMAGE_STORE_PVC


@dataclass(frozen=True)
class WarmStore:
    """The warmer's volume of one engine: its claim, the pod volume's name, the mount path,
    and what the build does with it (for notes in rendered files)."""

    engine: Engine
    claim: str
    volume: str
    mount: str
    use: str


def _kaniko(config: OrgConfig) -> WarmStore:
    return WarmStore("kaniko", CACHE_PVC, "kaniko-cache", config.kaniko.cache_dir,
                     "for --cache-dir")


def _buildah(config: OrgConfig) -> WarmStore:
    driver = config.engines.buildah.storage_driver
    return WarmStore("buildah", IMAGE_STORE_PVC, "image-store",
                     config.engines.buildah.image_store,
                     f"read through --storage-opt {driver}.imagestore")


_STORES = {"kaniko": _kaniko, "buildah": _buildah}


def warm_store(config: OrgConfig, engine: Engine) -> WarmStore:
    """The volume the engine's warmer fills; a usage error for an engine without a warmer."""
    if engine not in _STORES:
        raise RunnerExtError(Category.USAGE, Problem(
            "BuildKit has no warmer: it keeps no store of base images that a volume could "
            "hold (its registry cache serves the layers)", key="--engine", value=repr(engine),
            hint="use --engine kaniko or --engine buildah"))
    return _STORES[engine](config)


def mounted_store(config: OrgConfig, engine: Engine) -> WarmStore | None:
    """The warmer's volume the engine's build pods mount read-only, or None (no warmer for
    the engine, or no ``[warmer].images``: then the planner passes no flag for it either)."""
    if engine not in _STORES or not config.warmer.images:
        return None
    return _STORES[engine](config)
