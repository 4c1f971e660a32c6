"""Build spec → each engine's command line. The only place engine flags are written."""

from __future__ import annotations

from collections.abc import Callable

from runner_ext.planner.plan import BuildPlan, DigestOutput, PlanFile, Step, steps_for_each
from runner_ext.planner.secrets import SECRET_NAME_PATTERNS
from runner_ext.planner.spec import BuildSpec, RegistryOptions
from runner_ext.planner.words import (
    Arg,
    Items,
    Text,
    Var,
    Word,
    basename,
    dirname,
    each,
    joined,
    unless,
    when,
    when_set,
    word,
    words,
)

# Inside an engine's work dir: the folder holding the org CA, and the CA's copy in it (a
# folder is what Buildah's and skopeo's --cert-dir take; a file is what the others take).
CERT_DIR = "/certs"
CA_COPY = f"{CERT_DIR}/ca.crt"


def _build_args(spec: BuildSpec, build: Callable[[Text], list[Arg]]) -> list[Arg]:
    return each(spec.build_args, build, refuse_names=SECRET_NAME_PATTERNS,
                allow_names=spec.allow_secret_build_args)


def _kaniko_ca_flags(registry: RegistryOptions, *ca: Text) -> list[Arg]:
    """``--registry-certificate`` for each registry the org CA signs, the CA read at ``ca``:
    Kaniko's executor and its warmer take the same flag."""
    if not registry.ca_file:
        return []
    return [word("--registry-certificate=", host, "=", *ca) for host in registry.ca_hosts]


def plan_kaniko(spec: BuildSpec) -> BuildPlan:
    """Kaniko executor flags, following the Kaniko article's cache and snapshot lessons."""
    k = spec.kaniko
    argv: list[Arg] = [
        *words("/kaniko/executor"),
        word("--context=", spec.context),
        word("--dockerfile=", spec.dockerfile),
        *each(spec.destinations, lambda d: [word("--destination=", d)]),
        # A build check: neither the image nor cache layers are pushed (the cache is read).
        *unless(spec.push, lambda: words("--no-push", "--no-push-cache")),
        *_build_args(spec, lambda a: [word("--build-arg=", a)]),
        *when_set(spec.target, lambda t: [word("--target=", t)]),
        *each(spec.labels, lambda label: [word("--label=", label)]),
        *when_set(spec.platform, lambda p: [word("--custom-platform=", p)]),
        *when(spec.cache, lambda: [
            *words("--cache=true"),
            word("--cache-repo=", spec.cache_repo),
            word("--cache-ttl=", spec.cache_ttl),
            *([word("--cache-copy-layers=true")] if k.cache_copy_layers else []),
            *([word("--cache-dir=", k.cache_dir)] if k.cache_dir else []),
        ]),
        word("--snapshot-mode=", k.snapshot_mode),
        *([word("--use-new-run")] if k.use_new_run else []),
        *([] if k.compressed_caching else [word("--compressed-caching=false")]),
        *([word("--single-snapshot")] if k.single_snapshot else []),
        *_kaniko_registry_flags(spec.registry),
        *_kaniko_ca_flags(spec.registry, spec.work_dir, CA_COPY),
        *when_set(spec.digest_file, lambda f: [word("--digest-file=", f)]),
        *each(spec.extra_args, lambda x: [word(x)]),
    ]
    return BuildPlan(
        engine="kaniko",
        steps=(Step(tuple(argv)),),
        env=(("DOCKER_CONFIG", word(spec.work_dir)),),
        # Kaniko pushes after its root swap: the CA must be where the swap keeps it.
        files=tuple(_ca_copy(spec)),
        auth_file=word(spec.work_dir, "/config.json"),
        digest=_digest(spec, "plain"),
    )


def _kaniko_registry_flags(registry: RegistryOptions) -> list[Arg]:
    """Mirrors and plain-HTTP registries, shared by Kaniko's executor and its warmer."""
    return [
        *[word("--registry-mirror=", m) for m in registry.mirrors],
        *[word("--insecure-registry=", h) for h in registry.insecure],
    ]


def kaniko_warmer_argv(registry: RegistryOptions, cache_dir: str, images: list[str]
                       ) -> list[str]:
    """Arguments of ``/kaniko/warmer``, which pre-pulls base images into ``cache_dir``
    (``registry.ca_file``, when set, is where the warmer's pod holds the org CA)."""
    args = [word("--cache-dir=", cache_dir), *[word("--image=", i) for i in images],
            *_kaniko_registry_flags(registry), *_kaniko_ca_flags(registry, registry.ca_file)]
    return [a.literal or "" for a in args if isinstance(a, Word)]


def buildah_storage_flags(storage_driver: str, image_store: str = "") -> list[str]:
    """Buildah's global storage flags: the driver and, when given, the read-only image store
    (the warmer's) that containers-storage reads images from before pulling them."""
    store = ["--storage-opt", f"{storage_driver}.imagestore={image_store}"] if image_store \
        else []
    return ["--storage-driver", storage_driver, *store]


def buildah_store_argv(storage_driver: str, image_store: str, run_root: str) -> list[str]:
    """``buildah`` working on the warmer's image store itself (the warmer's pulls and prunes)."""
    return ["buildah", "--root", image_store, "--runroot", run_root,
            *buildah_storage_flags(storage_driver)]


def buildah_warmer_argvs(storage_driver: str, image_store: str, images: list[str],
                         run_root: str, cert_dir: str = "") -> list[list[str]]:
    """One ``buildah pull`` per image into the image store that Buildah build pods
    mount read-only and read through ``--storage-opt DRIVER.imagestore=…`` (plan_buildah).
    ``--policy always``: Buildah's default (``missing``) would leave a tag that moved
    pointing at the image the first run pulled. ``cert_dir`` holds the org CA, if any."""
    store = buildah_store_argv(storage_driver, image_store, run_root)
    certs = ["--cert-dir", cert_dir] if cert_dir else []
    return [[*store, "pull", "--policy", "always", *certs, "--quiet", image]
            for image in images]


def store_sync_argv(image_store: str) -> list[str]:
    """The warmer's last step: write the store's file system to disk (``syncfs``). A warmer
    that ends with its pulls still in the page cache leaves a node crash able to tear layers
    that the store's index already lists, and hands the first build pod that starts soon
    after the writeback: its ``buildah build`` flushes it outside any build step
    (``bench/store_sync.py`` measures it)."""
    return ["sync", "-f", image_store]


def plan_buildkit(spec: BuildSpec) -> BuildPlan:
    """``buildctl-daemonless.sh`` in BuildKit's rootless image, cache exported to a registry."""
    config = _buildkitd_toml(spec)
    flags = "--oci-worker-no-process-sandbox"
    argv: list[Arg] = [
        *words("buildctl-daemonless.sh", "build", "--frontend", "dockerfile.v0"),
        *words("--local"), word("context=", spec.context),
        *words("--local"), word("dockerfile=", dirname(spec.dockerfile)),
        *words("--opt"), word("filename=", basename(spec.dockerfile)),
        *_build_args(spec, lambda a: [word("--opt"), word("build-arg:", a)]),
        *when_set(spec.target, lambda t: [word("--opt"), word("target=", t)]),
        *each(spec.labels, lambda label: [word("--opt"), word("label:", label)]),
        *when_set(spec.platform, lambda p: [word("--opt"), word("platform=", p)]),
        *when(spec.push, lambda: [
            *words("--output"),
            joined('type=image,"name=', spec.destinations, ",", '",push=true')]),
        *when(spec.cache, lambda: [
            *when(spec.push, lambda: [
                *words("--export-cache"),
                word("type=registry,ref=", spec.cache_repo, ",mode=max")]),
            *words("--import-cache"), word("type=registry,ref=", spec.cache_repo),
        ]),
        *when_set(spec.digest_file, lambda f: [word("--metadata-file"), word(f)]),
        *each(spec.extra_args, lambda x: [word(x)]),
    ]
    env = [("DOCKER_CONFIG", word(spec.work_dir))]
    files = _ca_copy(spec)
    if config:
        flags += " --config="
        env.append(("BUILDKITD_FLAGS", word(flags, spec.work_dir, "/buildkitd.toml")))
        files.append(PlanFile(word(spec.work_dir, "/buildkitd.toml"), content=config))
    else:
        env.append(("BUILDKITD_FLAGS", word(flags)))
    return BuildPlan("buildkit", (Step(tuple(argv)),), tuple(env), tuple(files),
                     word(spec.work_dir, "/config.json"), _digest(spec, "buildkit-metadata"))


def plan_buildah(spec: BuildSpec) -> BuildPlan:
    """``buildah build --layers`` with a registry cache, then one push per destination
    (none for a build check)."""
    storage = words("buildah", *buildah_storage_flags(spec.buildah.storage_driver,
                                                      spec.buildah.image_store))
    certs = [word("--cert-dir"), word(spec.work_dir, CERT_DIR)] if spec.registry.ca_file else []
    build: list[Arg] = [
        *storage, *words("build", "--isolation", spec.buildah.isolation, "--layers"),
        *words("-f"), word(spec.dockerfile),
        *each(spec.destinations, lambda d: [word("-t"), word(d)]),
        *_build_args(spec, lambda a: [word("--build-arg"), word(a)]),
        *when_set(spec.target, lambda t: [word("--target"), word(t)]),
        *each(spec.labels, lambda label: [word("--label"), word(label)]),
        *when_set(spec.platform, lambda p: [word("--platform"), word(p)]),
        *when(spec.cache, lambda: [
            *when(spec.push, lambda: [*words("--cache-to"), word(spec.cache_repo)]),
            *words("--cache-from"), word(spec.cache_repo),
            *words("--cache-ttl"), word(spec.cache_ttl),
        ]),
        *certs,
        *each(spec.extra_args, lambda x: [word(x)]),
        word(spec.context),
    ]
    push = steps_for_each(spec.destinations, lambda d: [
        *storage, *words("push"), *certs,
        *when_set(spec.digest_file, lambda f: [word("--digestfile"), word(f)]),
        word(d), word("docker://", d),
    ], only=spec.push)
    return BuildPlan("buildah", (Step(tuple(build)), *push), *_buildah_setup(spec),
                     word(spec.work_dir, "/config.json"), _digest(spec, "plain"))


def _buildah_setup(spec: BuildSpec) -> tuple[tuple[tuple[str, Word], ...], tuple[PlanFile, ...]]:
    env: list[tuple[str, Word]] = [("REGISTRY_AUTH_FILE", word(spec.work_dir, "/config.json"))]
    files: list[PlanFile] = []
    conf = registries_conf(spec.registry)
    if conf:
        env.append(("CONTAINERS_REGISTRIES_CONF", word(spec.work_dir, "/registries.conf")))
        files.append(PlanFile(word(spec.work_dir, "/registries.conf"), content=word(conf)))
    return tuple(env), tuple(files + _ca_copy(spec))


def _ca_copy(spec: BuildSpec) -> list[PlanFile]:
    """The org CA, copied next to the engine's other files (it may come from a file variable)."""
    if not spec.registry.ca_file:
        return []
    return [PlanFile(word(spec.work_dir, CA_COPY), copy_from=word(spec.registry.ca_file))]


def _digest(spec: BuildSpec, fmt: str) -> DigestOutput | None:
    if isinstance(spec.digest_file, Var) or spec.digest_file:
        return DigestOutput(word(spec.digest_file), fmt)
    return None


def _buildkitd_toml(spec: BuildSpec) -> Word | None:
    """buildkitd.toml for mirrors, plain-HTTP registries and the org CA (None if not needed)."""
    reg = spec.registry
    lines: list[str] = []
    if reg.mirrors:
        mirrors = ", ".join(f'"{m}"' for m in reg.mirrors)
        lines += ['[registry."docker.io"]', f"  mirrors = [{mirrors}]", ""]
    for host in dict.fromkeys([*reg.insecure, *(reg.ca_hosts if reg.ca_file else ())]):
        lines.append(f'[registry."{host}"]')
        if host in reg.insecure:
            lines += ["  http = true", "  insecure = true"]
        if reg.ca_file and host in reg.ca_hosts:
            lines.append(f'  ca = ["\x00{CA_COPY}"]')
        lines.append("")
    if not lines:
        return None
    text = "\n".join(lines)
    # \x00 marks where the work dir goes: it may be a job variable.
    parts = [p for chunk in text.split("\x00") for p in (chunk, spec.work_dir)][:-1]
    return word(*parts)


def registries_conf(reg: RegistryOptions) -> str:
    """registries.conf (v2) for mirrors and plain-HTTP registries ('' when none): Buildah's,
    and skopeo's in promote jobs."""
    lines: list[str] = []
    if reg.mirrors:
        lines += ["[[registry]]", 'prefix = "docker.io"', 'location = "docker.io"']
        for mirror in reg.mirrors:
            lines += ["[[registry.mirror]]", f'location = "{mirror}"']
        lines.append("")
    for host in reg.insecure:
        lines += ["[[registry]]", f'location = "{host}"', "insecure = true", ""]
    return "\n".join(lines)


PLANNERS: dict[str, Callable[[BuildSpec], BuildPlan]] = {
    "kaniko": plan_kaniko,
    "buildkit": plan_buildkit,
    "buildah": plan_buildah,
}

__all__ = ["PLANNERS", "Items", "plan_buildah", "plan_buildkit", "plan_kaniko"]
