"""Builds the way a runner-ext Buildah job runs them, outside CI: the planner's plan, run as is.

Used by the Dockerfile-fix build test and by ``bench/dockerfile_fix.py``. Each build gets a
fresh :class:`Storage`, like a fresh build pod, so anything reused comes from the registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from runner_ext.config import OrgConfig, parse_config
from runner_ext.dockerfile import analyze_dockerfile
from runner_ext.lab.buildah import Storage
from runner_ext.lab.registry import Registry
from runner_ext.lab.tools import require_tool
from runner_ext.planner import plan
from runner_ext.planner.engines import (
    buildah_storage_flags,
    buildah_warmer_argvs,
    registries_conf,
    store_sync_argv,
)
from runner_ext.planner.from_config import registry_options, spec_from_config

# A stand-in for `npm ci`: as slow as RESTORE_SECONDS, and it writes node_modules from the
# lock file, so a restore that ran is visible in the image.
FAKE_NPM = """#!/bin/sh
sleep "$RESTORE_SECONDS"
mkdir -p node_modules
cp package-lock.json node_modules/.installed-from-lock
"""


# Buildah prints this line before it pushes a step's layer to the registry cache
# (``--cache-to``), and the step's next line once the push is done.
CACHE_PUSH_LINE = "--> Pushing cache "
# Each Dockerfile instruction starts with such a line (a stage prefix in multi-stage builds);
# the image's commit starts with COMMIT.
_STEP_LINE = re.compile(r"^(?:\[[^\]]*\] )?STEP \d+/\d+: (.*)")


@dataclass(frozen=True)
class Build:
    """One finished build: wall time, the engine's output, the pushed reference, the wall
    time of each planned command (``buildah build``, then one ``buildah push`` each), the
    bytes of files the build left in its own storage (layers it unpacked or wrote there,
    not those it read from an image store), and the seconds ``buildah build`` spent pushing
    layers to the registry cache."""

    seconds: float
    output: str
    reference: str
    steps: tuple[float, ...] = ()
    stored_bytes: int = 0
    cache_push_seconds: float = 0.0
    # (instruction, seconds) of each step of ``buildah build``, its cache push left out.
    step_seconds: tuple[tuple[str, float], ...] = ()
    # (instruction, seconds from its STEP line to its own last line of output): for a RUN
    # step whose command prints a summary as it ends (pip, npm), the command's own time; the
    # rest of the step is the layer's commit.
    step_output_seconds: tuple[tuple[str, float], ...] = ()


Timed = list[tuple[float, str]]  # (seconds since the command started, output line)


def cache_push_seconds(lines: Timed, end: float) -> float:
    """Seconds between each cache push line and the line after it (``end`` for the last):
    the time ``buildah build`` spent pushing layers to the registry cache."""
    total = 0.0
    for index, (at, text) in enumerate(lines):
        if text.startswith(CACHE_PUSH_LINE):
            total += (lines[index + 1][0] if index + 1 < len(lines) else end) - at
    return total


def _steps(lines: Timed) -> Iterator[tuple[str, int, int]]:
    """Each step's instruction, the index of its STEP line and that of the line that ends it
    (the next step's, the commit's, or ``len(lines)``)."""
    bounds = [index for index, (_, text) in enumerate(lines)
              if _STEP_LINE.match(text) or text.startswith("COMMIT")] + [len(lines)]
    for first, stop in pairwise(bounds):
        match = _STEP_LINE.match(lines[first][1])
        if match:
            yield match.group(1).strip(), first, stop


def step_seconds(lines: Timed, end: float) -> tuple[tuple[str, float], ...]:
    """Each step's instruction and the seconds from its STEP line to the next step (or the
    commit, or ``end``), less the time it spent pushing to the registry cache."""
    found = []
    for instruction, first, stop in _steps(lines):
        until = lines[stop][0] if stop < len(lines) else end
        pushing = cache_push_seconds(lines[first:stop], until)
        found.append((instruction, until - lines[first][0] - pushing))
    return tuple(found)


def step_output_seconds(lines: Timed) -> tuple[tuple[str, float], ...]:
    """Each step's instruction and the seconds from its STEP line to the last line of output
    that is not Buildah's own (``--> …``), 0 for a step that printed none. A RUN step's
    command prints that line; when it is a summary printed at the end (``added 478 packages
    in 6s``, ``Successfully installed …``), this is the command's time, and the step's time
    after it is Buildah committing the layer."""
    found = []
    for instruction, first, stop in _steps(lines):
        own = [at for at, text in lines[first + 1:stop] if not text.startswith("--> ")]
        found.append((instruction, own[-1] - lines[first][0] if own else 0.0))
    return tuple(found)


def run_timed(argv: list[str], env: dict[str, str], cwd: Path | None = None
              ) -> tuple[int, Timed, float]:
    """Run ``argv`` (in ``cwd``) with stdout and stderr merged; its exit code, each line
    with the time it appeared, and the seconds it ran."""
    start = time.monotonic()
    lines: Timed = []
    if cwd is not None:
        cwd.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, cwd=cwd) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.monotonic() - start, line))
        code = process.wait()
    return code, lines, time.monotonic() - start


def build(registry: Registry, work: Path, *, context: Path, dockerfile: Path,
          destination: str, build_args: tuple[str, ...] = (), cache: bool = True,
          cache_repo: str = "", storage_driver: str = "vfs",
          image_store: ImageStore | None = None) -> Build:
    """Run the Buildah plan for one build in a fresh storage; raise if it fails.

    ``cache=False`` plans the build without the registry layer cache; ``cache_repo``
    overrides the config's ``{image}/cache``; ``image_store`` is the warmer's store of base
    images, read as a build pod reads its read-only mount."""
    require_tool("buildah")
    config = build_config(registry, storage_driver, image_store)
    spec = spec_from_config(config, "buildah", context=str(context), dockerfile=str(dockerfile),
                            destinations=[destination], build_args=build_args, cache=cache,
                            cache_repo=cache_repo, work_dir=str(work / "plan"))
    result = plan(spec, "buildah")
    for path, content in result.file_contents().items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(content)
    auth = Path(result.auth_file.literal or "")
    auth.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(auth, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(registry.docker_config(), handle)
    storage = Storage(work / "storage", storage_driver).create()
    env = {**os.environ, **result.environment(), **storage.env()}
    output: list[str] = []
    steps: list[float] = []
    pushing_cache = 0.0
    timed_steps: tuple[tuple[str, float], ...] = ()
    output_steps: tuple[tuple[str, float], ...] = ()
    start = time.monotonic()
    try:
        for argv in result.argv():
            code, lines, ran = run_timed([*read_only_prefix(image_store), *argv], env)
            steps.append(ran)
            output.append("".join(text for _, text in lines))
            if code != 0:
                raise RuntimeError(f"{argv[:4]} failed ({code}):\n{output[-1]}")
            pushing_cache += cache_push_seconds(lines, ran)
            timed_steps = timed_steps or step_seconds(lines, ran)  # pushes have no steps
            output_steps = output_steps or step_output_seconds(lines)
        seconds = time.monotonic() - start
        return Build(seconds, "".join(output), destination, tuple(steps),
                     tree_bytes(storage.root / "graph"), pushing_cache, timed_steps,
                     output_steps)
    finally:
        storage.remove()
        auth.unlink(missing_ok=True)


@dataclass(frozen=True)
class ImageStore:
    """A warmer's image store: base images pulled once, read by every later build."""

    path: Path
    images: tuple[str, ...]


def tree_bytes(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (each hard-linked file once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            info = os.lstat(os.path.join(directory, name))
            if stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total


def build_config(registry: Registry, storage_driver: str, image_store: ImageStore | None
            ) -> OrgConfig:
    registries = {"insecure": [registry.host]}
    buildah = parse_config({"registry": registries}).engines.buildah.model_dump()
    buildah["storage_driver"] = storage_driver
    warmer: dict[str, object] = {}
    if image_store is not None:
        buildah["image_store"] = str(image_store.path)
        warmer["images"] = list(image_store.images)
    return parse_config({"registry": registries, "engines": {"buildah": buildah},
                         "warmer": warmer})


def read_only_prefix(image_store: ImageStore | None) -> list[str]:
    """A prefix that runs a command with the image store mounted read-only, as a build pod
    mounts the warmer's volume (root only: a private mount namespace; else nothing)."""
    if image_store is None or os.geteuid() != 0:
        return []
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    return [require_tool("unshare"), "-m", "sh", "-c", script, str(image_store.path)]


def fill_image_store(registry: Registry, folder: Path, images: tuple[str, ...],
                     storage_driver: str = "vfs", *, sync: bool = True) -> ImageStore:
    """Pull ``images`` into a new image store with the warmer's commands, its closing sync
    included unless ``sync`` is false (to measure what the sync saves); raise if one fails."""
    require_tool("buildah")
    config = build_config(registry, storage_driver, None)
    folder.mkdir(parents=True, exist_ok=True)
    auth = folder / "warmer-auth.json"
    auth.write_text(json.dumps(registry.docker_config()))
    conf = folder / "registries.conf"
    conf.write_text(registries_conf(registry_options(config)))
    store = ImageStore(folder / "store", images)
    env = {**os.environ, "REGISTRY_AUTH_FILE": str(auth), "CONTAINERS_REGISTRIES_CONF": str(conf)}
    try:
        for argv in [*buildah_warmer_argvs(storage_driver, str(store.path), list(images),
                                           str(folder / "run")),
                     *([store_sync_argv(str(store.path))] if sync else [])]:
            done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                                   f"{done.stderr}")
    finally:
        auth.unlink(missing_ok=True)
    return store


def image_tree(registry: Registry, reference: str, work: Path, folder: str) -> dict[str, str]:
    """Path → sha256 of every file under ``folder`` in a pushed image (for comparing images)."""
    with _fresh_buildah(registry, work, "vfs", None) as (buildah, env, pull):
        container = subprocess.run([*buildah, "from", *pull, reference], env=env,
                                   capture_output=True, text=True, check=True).stdout.strip()
        mount = Path(subprocess.run([*buildah, "mount", container], env=env,
                                    capture_output=True, text=True, check=True).stdout.strip())
        root = mount / folder.lstrip("/")
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}


ORIGINAL = """FROM {base}
WORKDIR /app
ENV NODE_ENV=production
COPY . .
RUN npm ci
CMD ["node", "src/index.js"]
"""


def node_base(registry: Registry, root: Path, busybox: str, restore_seconds: int = 3) -> str:
    """Push busybox + the fake ``npm`` as a base image, built by the same planner; its ref."""
    folder = root / "node-base"
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    (folder / "bin" / "npm").write_text(FAKE_NPM)
    (folder / "bin" / "npm").chmod(0o755)
    (folder / "Dockerfile").write_text(f"FROM {busybox}\nENV RESTORE_SECONDS={restore_seconds}\n"
                                       "COPY bin/npm /usr/local/bin/npm\n")
    reference = f"{registry.host}/base/node-stand-in:1"
    build(registry, root / "work-base", context=folder, dockerfile=folder / "Dockerfile",
          destination=reference)
    return reference


def node_project(root: Path, base: str, source_files: int = 20) -> Path:
    """A small Node.js-shaped project whose Dockerfile copies everything before `npm ci`."""
    project = root / "project"
    (project / "src").mkdir(parents=True, exist_ok=True)
    (project / "package.json").write_text(
        '{"name": "demo", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}\n')
    (project / "package-lock.json").write_text('{"name": "demo", "lockfileVersion": 3}\n')
    (project / ".dockerignore").write_text("node_modules\n.git\nDockerfile.*\n")
    for n in range(source_files):
        (project / "src" / f"module{n}.js").write_text(f"module.exports = {n};\n")
    (project / "src" / "index.js").write_text("console.log('v1');\n")
    (project / "Dockerfile.original").write_text(ORIGINAL.format(base=base))
    return project


def fixed_dockerfile(project: Path, name: str = "Dockerfile") -> str:
    """``project/name`` with runner-ext's safe Dockerfile fixes applied (as migrate-project)."""
    report = analyze_dockerfile(
        name, (project / name).read_text(), engine="buildah",
        context_files=context_files(project),
        has_dockerignore=(project / ".dockerignore").is_file(),
        read_file=lambda p: (project / p).read_bytes() if (project / p).is_file() else None)
    return report.fixed_text


def context_files(project: Path) -> list[str]:
    """Every file of the project, relative to it."""
    return sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())


@contextmanager
def _fresh_buildah(registry: Registry, work: Path, storage_driver: str,
                   image_store: ImageStore | None) -> Iterator[tuple[list[str], dict[str, str],
                                                                   list[str]]]:
    """``buildah`` with its storage flags, the environment of a fresh storage, and the
    registry flags (auth file, plain HTTP); everything removed afterwards."""
    buildah = require_tool("buildah")
    storage = Storage(work / "fresh", storage_driver).create()
    isolation = parse_config({}).engines.buildah.isolation
    env = {**os.environ, **storage.env(), "BUILDAH_ISOLATION": isolation}
    auth = work / "fresh-auth.json"
    auth.write_text(json.dumps(registry.docker_config()))
    store = str(image_store.path) if image_store else ""
    try:
        yield ([*read_only_prefix(image_store), buildah,
                *buildah_storage_flags(storage_driver, store)],
               env, ["--authfile", str(auth), "--tls-verify=false"])
    finally:
        storage.remove()
        auth.unlink(missing_ok=True)


def pull_seconds(registry: Registry, reference: str, work: Path,
                 storage_driver: str = "vfs", image_store: ImageStore | None = None) -> float:
    """Seconds to pull ``reference`` into a fresh storage (what a new pod pays to reuse it;
    with ``image_store``, the layers it holds are not pulled again)."""
    with _fresh_buildah(registry, work, storage_driver, image_store) as (buildah, env, pull):
        start = time.monotonic()
        subprocess.run([*buildah, "pull", "--quiet", *pull, reference],
                       env=env, capture_output=True, text=True, check=True)
        return time.monotonic() - start


def run_seconds(registry: Registry, reference: str, command: tuple[str, ...], work: Path,
                storage_driver: str = "vfs", image_store: ImageStore | None = None) -> float:
    """Seconds ``command`` takes in a container of ``reference`` (pulled untimed into a fresh
    storage), run with the plan's isolation: the project's own work in a rebuild."""
    with _fresh_buildah(registry, work, storage_driver, image_store) as (buildah, env, pull):
        container = subprocess.run([*buildah, "from", "--quiet", *pull, reference], env=env,
                                   capture_output=True, text=True, check=True).stdout.strip()
        start = time.monotonic()
        done = subprocess.run([*buildah, "run", container, "--", *command], env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} in {reference} failed "
                               f"({done.returncode}):\n{done.stderr}")
        return time.monotonic() - start
