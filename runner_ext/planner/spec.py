"""The engine-neutral description of one image build."""

from __future__ import annotations

from dataclasses import dataclass, field

from runner_ext.planner.words import Flag, Items, Text


@dataclass(frozen=True)
class KanikoOptions:
    """Snapshot and cache knobs only Kaniko has (see the Kaniko article)."""

    snapshot_mode: str = "redo"
    use_new_run: bool = True
    cache_copy_layers: bool = True
    compressed_caching: bool = False
    single_snapshot: bool = False
    cache_dir: str = ""


@dataclass(frozen=True)
class BuildahOptions:
    """Storage and isolation for Buildah."""

    storage_driver: str = "vfs"
    isolation: str = "chroot"
    image_store: str = ""  # a read-only containers-storage of base images ("" for none)


@dataclass(frozen=True)
class RegistryOptions:
    """Mirrors, plain-HTTP registries and a custom CA, from the org config."""

    mirrors: tuple[str, ...] = ()
    insecure: tuple[str, ...] = ()
    ca_file: Text = ""
    ca_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildSpec:
    """One image build: what to build, where to push it, how to cache it.

    Paths are relative to the job's working directory (the project directory in CI).
    ``work_dir`` is where registry auth and engine config files are written; it must lie
    outside the build context (Kaniko keeps only ``/kaniko`` and mounted volumes).
    ``build_args`` and ``labels`` hold ``NAME=value`` strings. Any field typed with
    :class:`Var` may instead name a job variable, which is how CI templates carry a spec.
    """

    context: Text
    destinations: Items
    dockerfile: Text = "Dockerfile"
    build_args: Items = ()
    target: Text = ""
    labels: Items = ()
    platform: Text = ""
    cache: Flag = True
    cache_repo: Text = ""
    # False: only check that the image builds; nothing is pushed, the layer cache is read
    # but not written (a merge request's build check must not fill the shared cache).
    push: Flag = True
    cache_ttl: str = "336h"
    digest_file: Text = ""
    work_dir: Text = "/kaniko/.docker"
    extra_args: Items = ()
    allow_secret_build_args: tuple[str, ...] = ()
    kaniko: KanikoOptions = field(default_factory=KanikoOptions)
    buildah: BuildahOptions = field(default_factory=BuildahOptions)
    registry: RegistryOptions = field(default_factory=RegistryOptions)
