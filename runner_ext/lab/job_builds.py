"""Builds run the way a CI job runs them: the Buildah job's script, or a kept script in the shim.

:func:`job_build` runs what the Buildah job of ``runner-ext render ci`` runs: its variables,
its generated plan, then our entrypoint (auth, destinations, the plan, the dotenv report),
in ``sh``. :func:`shim_build` runs a script's own ``docker build`` and ``docker push``
through the shim's ``docker`` wrapper (podman). Both time each command from the lines it
prints, as :func:`runner_ext.lab.builds.build` does for the bare plan, and each gets a fresh
:class:`Storage`, like a fresh build pod.
"""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path
from string import Template

from runner_ext.lab.buildah import Storage
from runner_ext.lab.builds import (
    Build,
    ImageStore,
    Timed,
    build_config,
    cache_push_seconds,
    read_only_prefix,
    run_timed,
    step_output_seconds,
    step_seconds,
    tree_bytes,
)
from runner_ext.lab.registry import Registry
from runner_ext.lab.tools import ENTRYPOINT, SHIM_WRAPPER, require_tool
from runner_ext.render.ci import engine_job

# The entrypoint's line before each command it runs (runner_ext_run).
RUNNING_LINE = "runner-ext: running: "
# The ways a build can be run here, as the seed bench's --path names and describes them.
PATHS = {
    "job": "run by the Buildah job's script (its generated plan, then our entrypoint)",
    "shim": "run by a kept script's docker build and docker push through the shim's wrapper "
            "(podman)",
    "plan": "the planner's Buildah commands run one by one",
}


def job_variables(registry: Registry, work: Path, *, context: Path, dockerfile: Path,
                  destination: str, build_args: tuple[str, ...], cache: bool,
                  cache_repo: str, storage_driver: str, image_store: ImageStore | None
                  ) -> tuple[dict[str, str], str]:
    """The Buildah job's variables for one build (its defaults, then this build's values,
    ``$NAME`` references expanded in order as GitLab does) and its plan script."""
    job = engine_job(build_config(registry, storage_driver, image_store), "buildah")
    values = {
        "RUNNER_EXT_ENTRYPOINT": str(ENTRYPOINT), "RUNNER_EXT_WORK_DIR": str(work / "job"),
        "RUNNER_EXT_CONTEXT": str(context), "RUNNER_EXT_DOCKERFILE": str(dockerfile),
        "RUNNER_EXT_IMAGE": destination.rsplit(":", 1)[0],
        "RUNNER_EXT_DESTINATIONS": destination, "RUNNER_EXT_BUILD_ARGS": "\n".join(build_args),
        "RUNNER_EXT_CACHE": "true" if cache else "false",
        **({"RUNNER_EXT_CACHE_REPO": cache_repo} if cache_repo else {}),
    }
    known = {"CI_REGISTRY": registry.host, "CI_REGISTRY_USER": registry.user,
             "CI_REGISTRY_PASSWORD": registry.password}
    for name, default in job.variables:
        known[name] = values.get(name, Template(default).safe_substitute(known))
    return known, job.plan_shell + "\n"


def command_seconds(lines: Timed, end: float, marker: str) -> tuple[float, ...]:
    """Seconds of each command in one output: from each ``marker`` line to the next (the
    last one to ``end``)."""
    starts = [at for at, text in lines if text.startswith(marker)]
    return tuple(stop - start for start, stop in pairwise([*starts, end])) if starts else ()


def job_build(registry: Registry, work: Path, *, context: Path, dockerfile: Path,
              destination: str, build_args: tuple[str, ...] = (), cache: bool = True,
              cache_repo: str = "", storage_driver: str = "vfs",
              image_store: ImageStore | None = None) -> Build:
    """One build as the Buildah job's script runs it; raise if the job fails."""
    shell = require_tool("sh")
    variables, plan_shell = job_variables(
        registry, work, context=context, dockerfile=dockerfile, destination=destination,
        build_args=build_args, cache=cache, cache_repo=cache_repo,
        storage_driver=storage_driver, image_store=image_store)
    storage = Storage(work / "storage", storage_driver).create()
    env = {**os.environ, **storage.env(), **variables}
    argv = [*read_only_prefix(image_store), shell, "-c", f'{plan_shell}. "$1"\n', "job",
            str(ENTRYPOINT)]
    try:
        code, lines, seconds = run_timed(argv, env, cwd=work)
        output = "".join(text for _, text in lines)
        if code != 0:
            raise RuntimeError(f"the Buildah job failed ({code}):\n{output}")
        return Build(seconds, output, destination, command_seconds(lines, seconds, RUNNING_LINE),
                     tree_bytes(storage.root / "graph"), cache_push_seconds(lines, seconds),
                     step_seconds(lines, seconds), step_output_seconds(lines))
    finally:
        storage.remove()


def shim_environment(registry: Registry, work: Path, storage: Storage, *, cache: bool,
                     cache_repo: str, image_store: ImageStore | None) -> dict[str, str]:
    """What a shim job sees: the job token for ``CI_REGISTRY``, the image's settings (the
    warmer's image store where the pod mounts it), and a ``registries.conf`` for the
    plain-HTTP registry (the shim does not apply the org's)."""
    conf = work / "registries.conf"
    conf.write_text(f'[[registry]]\nlocation = "{registry.host}"\ninsecure = true\n')
    return {
        **os.environ, **storage.env(),
        "CI_REGISTRY": registry.host, "CI_REGISTRY_USER": registry.user,
        "CI_REGISTRY_PASSWORD": registry.password,
        "RUNNER_EXT_ENTRYPOINT": str(ENTRYPOINT), "RUNNER_EXT_WORK_DIR": str(work / "job"),
        "RUNNER_EXT_STORAGE_DRIVER": storage.driver,
        "RUNNER_EXT_IMAGE_STORE": str(image_store.path) if image_store else "",
        "RUNNER_EXT_CACHE": "true" if cache else "false",
        **({"RUNNER_EXT_CACHE_REPO": cache_repo} if cache_repo else {}),
        "CONTAINERS_REGISTRIES_CONF": str(conf),
    }


def shim_build(registry: Registry, work: Path, *, context: Path, dockerfile: Path,
               destination: str, build_args: tuple[str, ...] = (), cache: bool = True,
               cache_repo: str = "", storage_driver: str = "vfs",
               image_store: ImageStore | None = None) -> Build:
    """``docker build -f DOCKERFILE -t DESTINATION CONTEXT`` then ``docker push
    DESTINATION``, as a kept script runs them in the shim; raise if either fails."""
    require_tool("podman")
    work.mkdir(parents=True, exist_ok=True)
    storage = Storage(work / "storage", storage_driver).create()
    env = shim_environment(registry, work, storage, cache=cache, cache_repo=cache_repo,
                           image_store=image_store)
    arguments = [word for arg in build_args for word in ("--build-arg", arg)]
    docker = [*read_only_prefix(image_store), str(SHIM_WRAPPER)]
    argvs = [[*docker, "build", "-f", str(dockerfile), *arguments, "-t", destination,
              str(context)], [*docker, "push", destination]]
    output: list[str] = []
    seconds: list[float] = []
    pushing = 0.0
    steps: tuple[tuple[str, float], ...] = ()
    own: tuple[tuple[str, float], ...] = ()
    try:
        for argv in argvs:
            code, lines, ran = run_timed(argv, env, cwd=work)
            output.append("".join(text for _, text in lines))
            seconds.append(ran)
            if code != 0:
                verb = argv[len(docker)]
                raise RuntimeError(f"docker {verb} in the shim failed ({code}):\n{output[-1]}")
            pushing += cache_push_seconds(lines, ran)
            steps = steps or step_seconds(lines, ran)
            own = own or step_output_seconds(lines)
        return Build(sum(seconds), "".join(output), destination, tuple(seconds),
                     tree_bytes(storage.root / "graph"), pushing, steps, own)
    finally:
        storage.remove()
        (work / "job" / "auth.json").unlink(missing_ok=True)

