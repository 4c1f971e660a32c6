"""The organisation configuration (``runner-ext.toml``) as typed, validated models.

Every model forbids unknown keys and is strict about types, so a typo in the
file is an error that names the key instead of a silently ignored setting.
Documentation for each key lives in ``runner-ext.example.toml``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from runner_ext import __version__
from runner_ext.engines import ENGINES, Engine

_EXECUTOR_REPO = "$CI_REGISTRY/platform/runner-ext/executor"
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$")
_DURATION = re.compile(r"^([0-9]+(h|m|s))+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _require_pin(value: str) -> str:
    name = value.rsplit("/", 1)[-1]
    if ":" not in name and "@" not in value:
        raise ValueError("must carry a tag, e.g. 'quay.io/buildah/stable:v1.41.0'")
    if name.endswith(":latest"):
        raise ValueError("':latest' is not a pin; use a release tag or a digest")
    return value


class EngineImage(_Strict):
    """An engine's upstream image, and the runner-ext executor image built from it.

    ``image`` is what build pods run and what ``executor/`` builds on; ``executor`` is the
    image CI jobs run (the engine plus our entrypoint), published by the platform team.
    """

    image: str
    digest: str = ""
    executor: str

    @field_validator("image", "executor")
    @classmethod
    def _pinned(cls, value: str) -> str:
        return _require_pin(value)

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        if value and not _DIGEST.match(value):
            raise ValueError("must look like 'sha256:' followed by 64 hex digits")
        return value

    @property
    def reference(self) -> str:
        """The image reference to run: pinned by digest when one is configured."""
        return f"{self.image}@{self.digest}" if self.digest else self.image


class BuildahImage(EngineImage):
    """Buildah's image plus its storage and isolation choices."""

    storage_driver: Literal["vfs", "overlay"] = "vfs"
    isolation: Literal["chroot", "oci", "rootless"] = "chroot"
    # Where build pods mount the warmer's read-only image store (when [warmer].images is set).
    image_store: str = "/var/lib/runner-ext/images"

    @field_validator("image_store")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/") or any(c.isspace() for c in value) or "," in value:
            raise ValueError("must be an absolute path without spaces or commas "
                             "(example: /var/lib/runner-ext/images)")
        return value


class ShimImage(EngineImage):
    """The shim executor: Debian's podman and podman-compose behind our ``docker`` wrapper.

    ``image`` is the Debian image ``executor/shim/Dockerfile`` builds on; ``executor`` is the
    image jobs migrated with the shim strategy run. Builds run like Buildah's.
    """

    storage_driver: Literal["vfs", "overlay"] = "vfs"
    isolation: Literal["chroot"] = "chroot"


class Engines(_Strict):
    """Pinned executor images, one per engine, and the shim's."""

    kaniko: EngineImage = EngineImage(
        image="ghcr.io/osscontainertools/kaniko:v1.28.0-debug",
        executor=f"{_EXECUTOR_REPO}/kaniko:{__version__}",
    )
    buildkit: EngineImage = EngineImage(
        image="moby/buildkit:v0.23.2-rootless",
        executor=f"{_EXECUTOR_REPO}/buildkit:{__version__}",
    )
    buildah: BuildahImage = BuildahImage(
        image="quay.io/buildah/stable:v1.41.0",
        executor=f"{_EXECUTOR_REPO}/buildah:{__version__}",
    )
    shim: ShimImage = ShimImage(
        image="debian:12.11-slim",
        executor=f"{_EXECUTOR_REPO}/shim:{__version__}",
    )


class Registry(_Strict):
    """Registry mirrors, trust and extra registries."""

    mirrors: list[str] = Field(default_factory=list)
    ca_file: str = ""
    ca_hosts: list[str] = Field(default_factory=list)
    insecure: list[str] = Field(default_factory=list)

    @field_validator("mirrors", "insecure", "ca_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if "://" in host or not host or " " in host:
                raise ValueError(f"'{host}' must be a host[:port][/path] without a scheme")
        return value

    @model_validator(mode="after")
    def _ca_needs_hosts(self) -> Registry:
        if bool(self.ca_file) != bool(self.ca_hosts):
            raise ValueError(
                "registry.ca_file and registry.ca_hosts go together: name the PEM file and the "
                "registries (host[:port]) it signs"
            )
        return self


class Cache(_Strict):
    """Registry layer cache."""

    enabled: bool = True
    repo: str = "{image}/cache"
    ttl: str = "336h"

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str) -> str:
        if "{image}" not in value and "/" not in value:
            raise ValueError("must be a repository or a template using '{image}'")
        if ":" in value.rsplit("/", 1)[-1]:
            raise ValueError("a cache repo carries no tag; the engine picks cache tags")
        return value

    @field_validator("ttl")
    @classmethod
    def _ttl(cls, value: str) -> str:
        if not _DURATION.match(value):
            raise ValueError("must be a Go duration such as '336h' or '72h30m'")
        return value


class Kaniko(_Strict):
    """Kaniko options from the Kaniko article's lessons."""

    snapshot_mode: Literal["full", "redo", "time"] = "redo"
    use_new_run: bool = True
    cache_copy_layers: bool = True
    compressed_caching: bool = False
    single_snapshot: bool = False
    cache_dir: str = "/cache"


class Runner(_Strict):
    """The Kubernetes runner that migrated jobs run on."""

    tags: list[str] = Field(default_factory=lambda: ["kubernetes"])
    poll_timeout: int = Field(default=600, ge=30)
    gitlab_url: str = ""
    ci_registry: str = ""
    token_secret: str = "gitlab-runner-token"
    concurrent: int = Field(default=10, ge=1)

    @field_validator("gitlab_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the GitLab URL, e.g. 'https://gitlab.example.com'")
        return value

    @field_validator("ci_registry")
    @classmethod
    def _registry_host(cls, value: str) -> str:
        if "://" in value or " " in value:
            raise ValueError("must be the value of $CI_REGISTRY: host[:port] without a scheme")
        return value


class Resources(_Strict):
    """Requests and limits for build pods (Kubernetes quantities)."""

    cpu_request: str = "500m"
    cpu_limit: str = "2"
    memory_request: str = "1Gi"
    memory_limit: str = "4Gi"
    ephemeral_storage_request: str = "2Gi"
    ephemeral_storage_limit: str = "10Gi"

    @field_validator("*")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if not _QUANTITY.match(value):
            raise ValueError("must be a Kubernetes quantity such as '500m', '2' or '4Gi'")
        return value


class Toleration(_Strict):
    """A Kubernetes toleration for build pods."""

    key: str
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str = ""
    effect: Literal["", "NoSchedule", "PreferNoSchedule", "NoExecute"] = ""


class Kubernetes(_Strict):
    """Where and how build pods run."""

    namespace: str = "gitlab-builds"
    service_account: str = ""
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[Toleration] = Field(default_factory=list)
    resources: Resources = Resources()
    enforce: Literal["privileged", "baseline", "restricted"] = "baseline"
    active_deadline_seconds: int = Field(default=3600, ge=60)
    registry_secret: str = "registry-auth"
    git_image: str = "alpine/git:v2.47.2"
    seccomp_localhost_profile: str = ""
    apparmor_localhost_profile: str = ""
    user_namespaces: bool = False

    @field_validator("git_image")
    @classmethod
    def _git_image_pinned(cls, value: str) -> str:
        return _require_pin(value)


# The hidden jobs the rendered CI templates define (templates/ci/): the build job a
# classic-mode job extends (``-ENGINE`` for one engine) and the registry copy of a
# promote-only job. ``include.job_template`` may rename the first; render defines it.
BUILD_JOB = ".runner-ext-build"
PROMOTE_JOB = ".runner-ext-promote"
_HIDDEN_JOB = re.compile(r"\.[A-Za-z0-9_][A-Za-z0-9_.-]*")


def engine_job_name(engine: str) -> str:
    """The hidden job of one engine, defined by every rendered template."""
    return f"{BUILD_JOB}-{engine}"


class Include(_Strict):
    """Where projects include the runner-ext CI templates from."""

    mode: Literal["component", "project"] = "component"
    component: str = "$CI_SERVER_FQDN/platform/runner-ext"
    version: str = "0.1.0"
    project: str = "platform/runner-ext"
    ref: str = "v0.1.0"
    file: str = "/classic/build.yml"
    job_template: str = BUILD_JOB

    @field_validator("job_template")
    @classmethod
    def _hidden_job_name(cls, value: str) -> str:
        if not _HIDDEN_JOB.fullmatch(value):
            raise ValueError("must be a hidden job name: a dot, then letters, digits, "
                             "'_', '.' or '-', e.g. '.acme-build'")
        reserved = {PROMOTE_JOB, *(engine_job_name(e) for e in ENGINES)}
        if value in reserved:
            raise ValueError(f"{value} is a job the rendered templates define already; "
                             f"choose another name, or leave the default {BUILD_JOB}")
        return value


class Build(_Strict):
    """Defaults for every build."""

    engine: Engine = "kaniko"
    allow_secret_build_args: list[str] = Field(default_factory=list)
    registries_variable: str = "RUNNER_EXT_REGISTRY_AUTH"


class Warmer(_Strict):
    """Base images pre-pulled into a shared volume: Kaniko's cache or Buildah's image store."""

    images: list[str] = Field(default_factory=list)
    schedule: str = "0 3 * * *"
    storage: str = "20Gi"
    storage_class: str = ""
    image: str = ""
    # Buildah's warmer removes an image whose tag moved to a newer pull this long after it
    # first saw it superseded: longer than any build that may have started from it runs.
    keep_superseded_seconds: int = Field(default=86400, ge=0)

    @field_validator("image")
    @classmethod
    def _warmer_pinned(cls, value: str) -> str:
        return _require_pin(value) if value else value


class OrgConfig(_Strict):
    """The whole ``runner-ext.toml``."""

    build: Build = Build()
    engines: Engines = Engines()
    registry: Registry = Registry()
    cache: Cache = Cache()
    kaniko: Kaniko = Kaniko()
    runner: Runner = Runner()
    kubernetes: Kubernetes = Kubernetes()
    include: Include = Include()
    warmer: Warmer = Warmer()

    @model_validator(mode="after")
    def _coherent(self) -> OrgConfig:
        if self.kaniko.single_snapshot and self.cache.enabled:
            raise ValueError(
                "kaniko.single_snapshot = true defeats the layer cache that cache.enabled = true "
                "asks for; set one of them to false"
            )
        return self

    def image_for(self, engine: Engine) -> EngineImage:
        """The pinned executor image of an engine."""
        return getattr(self.engines, engine)  # type: ignore[no-any-return]
