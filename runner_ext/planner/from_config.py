"""Build specs from the org config: concrete ones, and the symbolic one CI templates carry."""

from __future__ import annotations

from collections.abc import Sequence

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.planner.cache import cache_repo_for
from runner_ext.planner.spec import BuildahOptions, BuildSpec, KanikoOptions, RegistryOptions
from runner_ext.planner.words import Text, Var
from runner_ext.variables import single_reference

# Where auth and engine config go inside each engine's image: Kaniko keeps only /kaniko across
# its root-filesystem swap; BuildKit's rootless image runs as "user" (UID 1000).
WORK_DIRS: dict[str, str] = {
    "kaniko": "/kaniko/.docker",
    "buildkit": "/home/user/.docker",
    "buildah": "/var/tmp/runner-ext",
}

# Where every executor image keeps our entrypoint. In Kaniko's it need not survive the root
# filesystem swap: the job shell has it open (sourced) before the executor starts, and Kaniko
# would not write below /kaniko into an image it builds, so the path is outside /kaniko.
ENTRYPOINT = "/usr/local/lib/runner-ext/entrypoint.sh"

# The job variables a symbolic spec reads; the CI templates set them from inputs.
VARIABLES: dict[str, str] = {
    "context": "RUNNER_EXT_CONTEXT",
    "dockerfile": "RUNNER_EXT_DOCKERFILE",
    "destinations": "RUNNER_EXT_DESTINATIONS",
    "build_args": "RUNNER_EXT_BUILD_ARGS",
    "target": "RUNNER_EXT_TARGET",
    "labels": "RUNNER_EXT_LABELS",
    "platform": "RUNNER_EXT_PLATFORM",
    "cache": "RUNNER_EXT_CACHE",
    "push": "RUNNER_EXT_PUSH",
    "cache_repo": "RUNNER_EXT_CACHE_REPO",
    "digest_file": "RUNNER_EXT_DIGEST_FILE",
    "work_dir": "RUNNER_EXT_WORK_DIR",
    "extra_args": "RUNNER_EXT_EXTRA_ARGS",
}

def config_text(value: str) -> Text:
    """A config value that is exactly ``$NAME`` refers to a job variable (e.g. a CA file)."""
    name = single_reference(value)
    return Var(name) if name else value


def registry_options(config: OrgConfig) -> RegistryOptions:
    """The org's mirrors, plain-HTTP registries and CA, as the planner takes them."""
    reg = config.registry
    return RegistryOptions(mirrors=tuple(reg.mirrors), insecure=tuple(reg.insecure),
                           ca_file=config_text(reg.ca_file), ca_hosts=tuple(reg.ca_hosts))


def _shared(config: OrgConfig, engine: Engine) -> dict[str, object]:
    k, buildah = config.kaniko, config.engines.buildah
    return {
        "cache_ttl": config.cache.ttl,
        "allow_secret_build_args": tuple(config.build.allow_secret_build_args),
        "kaniko": KanikoOptions(
            snapshot_mode=k.snapshot_mode, use_new_run=k.use_new_run,
            cache_copy_layers=k.cache_copy_layers, compressed_caching=k.compressed_caching,
            single_snapshot=k.single_snapshot,
            cache_dir=k.cache_dir if config.warmer.images else "",
        ),
        "buildah": BuildahOptions(
            storage_driver=buildah.storage_driver, isolation=buildah.isolation,
            image_store=buildah.image_store if config.warmer.images else ""),
        "registry": registry_options(config),
    }


def spec_from_config(
    config: OrgConfig, engine: Engine, *, context: str, destinations: Sequence[str],
    dockerfile: str = "Dockerfile", build_args: Sequence[str] = (), target: str = "",
    labels: Sequence[str] = (), platform: str = "", cache: bool | None = None,
    cache_repo: str = "", digest_file: str = "", work_dir: str = "", push: bool = True,
) -> BuildSpec:
    """A concrete spec: per-build values plus the org's defaults."""
    if not cache_repo and destinations:
        cache_repo = cache_repo_for(destinations[0], config.cache.repo)
    return BuildSpec(
        context=context, destinations=tuple(destinations), dockerfile=dockerfile,
        build_args=tuple(build_args), target=target, labels=tuple(labels), platform=platform,
        cache=config.cache.enabled if cache is None else cache, cache_repo=cache_repo,
        push=push, digest_file=digest_file, work_dir=work_dir or WORK_DIRS[engine],
        **_shared(config, engine),  # type: ignore[arg-type]
    )


def template_spec(config: OrgConfig, engine: Engine) -> BuildSpec:
    """The symbolic spec of our CI templates: every per-build value is a job variable."""
    v = {field: Var(name) for field, name in VARIABLES.items()}
    return BuildSpec(
        context=v["context"], destinations=v["destinations"], dockerfile=v["dockerfile"],
        build_args=v["build_args"], target=v["target"], labels=v["labels"],
        platform=v["platform"], cache=v["cache"], cache_repo=v["cache_repo"], push=v["push"],
        digest_file=v["digest_file"], work_dir=v["work_dir"], extra_args=v["extra_args"],
        **_shared(config, engine),  # type: ignore[arg-type]
    )
