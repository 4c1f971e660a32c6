"""Cached daemonless builds of real projects, measured the way the Kaniko article measured.

For each project in bench/projects (a Python service: pandas, numpy, requests, flask; a
TypeScript service: 480 npm packages) and each Dockerfile (as written, `COPY . .` before the
install; as `runner-ext migrate-project` fixed it), each build runs against a local registry
in a fresh storage, like a fresh build pod, the way a CI job runs it (--path):

  job             the Buildah job's script: the generated plan, then our entrypoint
                  (registry auth, the build with the registry cache, the push, the report)
  shim            a kept script's `docker build` and `docker push`, through the shim's
                  `docker` wrapper (podman)
  plan            the planner's Buildah commands run one by one (no entrypoint)

It measures:

  uncached        no registry cache
  first cached    registry cache on, cache repo empty
  warm            one source file changed
  deps changed    one pinned dependency changed
  floor           pushing only the warm rebuild's changed layers, config and manifest
                  (registry API, runner_ext.lab.floor)

and where a warm rebuild's time goes: Buildah's build and push commands apart, a pull of the
cached image into an empty storage, the bytes the rebuild wrote into its own storage, and the
project's own step that re-runs after the source changed (`npm run build`) timed alone; and
where the uncached and first cached builds' time goes: the dependency install split at its
command's last line of output (pip's and npm's closing summary) into the command itself and
Buildah's commit of the layer after it.

--without-own-step takes the project's own step out of both Dockerfiles (node-service's
`RUN npm run build`; python-service has none) and measures the rest: what the warm rebuild
costs apart from the project's compile.

Base images are Debian bookworm (Python 3.11, Node.js 18) made by mmdebstrap
(runner_ext.lab.bases), pushed once per run. Real pip and npm downloads from PyPI and npm.

    python3 bench/seed_table.py [--runs 3] [--quick] [--project NAME] [--path job|shim|plan]
                                [--storage-driver overlay] [--image-store [--warm-images]]
                                [--storage-dir /dev/shm] [--without-own-step]
    python3 bench/bench_table.py RESULT.json [RESULT.json …]   # one table from several runs

Writes seed_table.md, seed_table.json and seed_table.png to --out (default bench/results).
A failed build or an unreachable registry ends the run with one line and exit code 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from bench_table import write_outputs

from runner_ext.lab.bases import NODE, PYTHON, Base, push_debian_base, rootfs_tarball
from runner_ext.lab.builds import (
    ImageStore,
    build,
    fill_image_store,
    fixed_dockerfile,
    pull_seconds,
    run_seconds,
)
from runner_ext.lab.floor import push_floor
from runner_ext.lab.job_builds import PATHS, job_build, shim_build
from runner_ext.lab.registry import Registry, running_registry
from runner_ext.lab.tools import exit_on_sigterm

PROJECTS_DIR = Path(__file__).resolve().parent / "projects"
VARIANTS = {"as written": "Dockerfile", "migrated": "Dockerfile.migrated"}
Edit = tuple[str, str, str]  # file, old text, new text


@dataclass(frozen=True)
class Project:
    """A fixture project, its base image and the two edits the bench makes to it."""

    name: str
    base: Base
    source_edit: Edit
    dependency_edits: tuple[Edit, ...]
    # The RUN step after `COPY . .` that every rebuild re-runs (the project's own compile).
    source_step: tuple[str, ...] = ()

    @property
    def source_instruction(self) -> str:
        """The Dockerfile line of :attr:`source_step`, as both Dockerfiles write it."""
        return "RUN " + " ".join(self.source_step)


_ZOD = "https://registry.npmjs.org/zod/-/zod-"
_ZOD_OLD = (f'"version": "3.23.8",\n      "resolved": "{_ZOD}3.23.8.tgz",\n      "integrity": '
            '"sha512-XBx9AXhXktjUqnepgTiE5flcKIYWi/rme0Eaj+5Y0lftuGBq+jyRu/md4Wnux'
            'qgP1ubdpNCsYEYPxrzVHD8d6g=="')
_ZOD_NEW = (f'"version": "3.23.7",\n      "resolved": "{_ZOD}3.23.7.tgz",\n      "integrity": '
            '"sha512-NBeIoqbtOiUMomACV/y+V3Qfs9+Okr18vR5c/5pHClPpufWOrsx8TENboDPe2'
            '65lFdfewX2yBtNTLPvnmCxwog=="')
PROJECTS = (
    Project("python-service", PYTHON, ("app/main.py", 'VERSION = "1"', 'VERSION = "2"'),
            (("requirements.txt", "urllib3==2.2.3", "urllib3==2.2.2"),)),
    Project("node-service", NODE, ("src/index.ts", 'VERSION = "1"', 'VERSION = "2"'),
            (("package.json", '"zod": "3.23.8"', '"zod": "3.23.7"'),
             ("package-lock.json", '"zod": "3.23.8"', '"zod": "3.23.7"'),
             ("package-lock.json", _ZOD_OLD, _ZOD_NEW)), ("npm", "run", "build")),
)
REACHABLE = ("https://pypi.org/simple/pip/", "https://registry.npmjs.org/zod")


class BenchFailed(RuntimeError):
    """A build or a service failed; the run reports no numbers."""


def _edit(root: Path, edit: Edit) -> None:
    path = root / edit[0]
    text = path.read_text()
    if edit[1] not in text:
        raise BenchFailed(f"{path.name}: {edit[1]!r} not found; the fixture changed")
    path.write_text(text.replace(edit[1], edit[2]))


def check_fixtures(projects: tuple[Project, ...]) -> None:
    """Each Dockerfile.migrated must be what runner-ext's fixer makes of the Dockerfile."""
    for project in projects:
        root = PROJECTS_DIR / project.name
        if fixed_dockerfile(root) != (root / "Dockerfile.migrated").read_text():
            raise BenchFailed(f"{root}/Dockerfile.migrated is not what the fixer makes; "
                              "re-run runner-ext migrate-project on a copy")


def drop_source_step(root: Path, project: Project) -> None:
    """Remove the project's own step after `COPY . .` from both Dockerfiles under ``root``,
    the rest of each file as it was: what a warm rebuild costs apart from the project's
    compile. Raises unless each Dockerfile has the step exactly once (the fixture changed)."""
    if not project.source_step:
        raise BenchFailed(f"{project.name} has no step of its own after `COPY . .`")
    line = project.source_instruction + "\n"
    for dockerfile in VARIANTS.values():
        path = root / dockerfile
        text = path.read_text()
        if text.count(line) != 1:
            raise BenchFailed(f"{path}: {line.strip()!r} is not there once; the fixture changed")
        path.write_text(text.replace(line, ""))


def check_reachable() -> None:
    """PyPI and the npm registry answer (the builds download from them)."""
    for url in REACHABLE:
        try:
            requests.head(url, timeout=20).raise_for_status()
        except requests.RequestException as exc:
            raise BenchFailed(f"{url} unreachable ({type(exc).__name__}); builds need it") from exc


def _build(registry: Registry, work: Path, root: Path, dockerfile: str, base: str,
           destination: str, driver: str, store: ImageStore | None, *, cache: bool = True,
           path: str = "job") -> dict[str, float]:
    args = (f"BASE_IMAGE={base}",)
    try:
        if path == "shim":
            done = shim_build(registry, work, context=root, dockerfile=root / dockerfile,
                              destination=destination, build_args=args, cache=cache,
                              storage_driver=driver, image_store=store)
        else:
            done = (job_build if path == "job" else build)(
                registry, work, context=root, dockerfile=root / dockerfile,
                destination=destination, build_args=args, cache=cache, storage_driver=driver,
                image_store=store)
    except RuntimeError as exc:
        lines = str(exc).strip().splitlines()
        raise BenchFailed(f"build of {destination} failed: {lines[0]} … {lines[-1]}") from exc
    print(f"  {destination.split('/', 1)[1]}: {done.seconds:.1f} s", file=sys.stderr, flush=True)
    return {"seconds": done.seconds, "build_step": done.steps[0], "push_step": done.steps[-1],
            "stored_bytes": done.stored_bytes, "cache_push": done.cache_push_seconds,
            "steps": [list(step) for step in done.step_seconds],
            "step_output": [list(step) for step in done.step_output_seconds]}


def measure(registry: Registry, tmp: Path, project: Project, variant: str, base: str,
            run: int, driver: str, store: ImageStore | None, pods: Path,
            warm_images: bool = False, path: str = "job",
            without_source_step: bool = False) -> dict[str, object]:
    """The four builds and the floor for one project, Dockerfile and run; ``pods`` is where
    each build's storage goes. With ``warm_images`` the two rebuilds read a store that the
    warmer filled with the base image and the first build's image, as when the project's
    image is listed in ``[warmer].images``; with ``without_source_step`` both Dockerfiles
    lose the project's own step (:func:`drop_source_step`). The uncached build touches no
    cache, so odd runs make it after the first cached one: neither gets a place in the order
    every time."""
    root = tmp / f"{project.name}-{run}-{variant.replace(' ', '-')}"
    shutil.copytree(PROJECTS_DIR / project.name, root)
    if without_source_step:
        drop_source_step(root, project)
    dockerfile = VARIANTS[variant]
    name = f"bench/{root.name}"
    image = f"{registry.host}/{name}"

    def step(tag: str, store: ImageStore | None = store, **kwargs: bool) -> dict[str, float]:
        return _build(registry, pods / f"w-{root.name}-{tag}", root, dockerfile, base,
                      f"{image}:{tag}", driver, store, path=path, **kwargs)

    order = ("uncached", "first_cached") if run % 2 == 0 else ("first_cached", "uncached")
    result: dict[str, object] = {
        measure: step("uncached", cache=False) if measure == "uncached" else step("v1")
        for measure in order}
    _edit(root, project.source_edit)
    result["pull_previous"] = pull_seconds(registry, f"{image}:v1", pods / f"p-{root.name}",
                                           driver, store)
    rebuild_store, warmer = store, tmp / f"warmer-{root.name}"
    if warm_images:
        started = time.monotonic()
        rebuild_store = fill_image_store(registry, warmer, (base, f"{image}:v1"), driver)
        result["warmer_pull"] = time.monotonic() - started
    result["warm"] = step("v2", rebuild_store)
    if project.source_step and not without_source_step:
        result["source_step"] = run_seconds(registry, f"{image}:v1", project.source_step,
                                            pods / f"r-{root.name}", driver, store)
    floor = push_floor(registry, name, "v2", "v1")
    result["floor"] = {"seconds": floor.seconds, "changed_layers": floor.changed_layers,
                       "changed_bytes": floor.changed_bytes}
    for edit in project.dependency_edits:
        _edit(root, edit)
    result["deps_changed"] = step("v3", rebuild_store)
    for folder in (root, warmer):
        shutil.rmtree(folder, ignore_errors=True)
    return result


def compare_drivers(registry: Registry, tmp: Path, project: Project,
                    base: str) -> dict[str, float]:
    """One warm rebuild (migrated Dockerfile, one file changed) per storage driver.

    The first build fills the registry cache (vfs); each driver then rebuilds in a fresh
    storage of its own from that same cache."""
    root = tmp / f"{project.name}-drivers"
    shutil.copytree(PROJECTS_DIR / project.name, root)
    image = f"{registry.host}/bench/{root.name}"
    cache = f"{image}/cache"

    def step(tag: str, driver: str) -> float:
        done = build(registry, tmp / f"w-{root.name}-{tag}", context=root,
                     dockerfile=root / VARIANTS["migrated"], destination=f"{image}:{tag}",
                     build_args=(f"BASE_IMAGE={base}",), cache_repo=cache,
                     storage_driver=driver)
        print(f"  {tag}: {done.seconds:.1f} s", file=sys.stderr, flush=True)
        return done.seconds

    step("v1", "vfs")
    _edit(root, project.source_edit)
    return {driver: step(f"v2-{driver}", driver) for driver in ("vfs", "overlay")}


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def longest_step(runs: list[dict[str, object]], measure: str = "uncached") -> str:
    """The instruction of the first run's longest step in ``measure`` (uncached: the
    dependency install; a warm rebuild: what it had to run again)."""
    steps = dict(runs[0][measure]["steps"])  # type: ignore[index]
    return str(max(steps, key=steps.get))


def summarise(runs: list[dict[str, object]], dependency: str, rebuilt: str
              ) -> dict[str, dict[str, float]]:
    """Median, min and max of each measure over the runs; ``dependency`` and ``rebuilt``
    are the longest steps (:func:`longest_step`) of the uncached build and the warm one."""
    def seconds(run: dict[str, object], key: str) -> float:
        value = run[key]
        return float(value["seconds"] if isinstance(value, dict) else value)  # type: ignore[arg-type]

    keys = ("uncached", "first_cached", "warm", "deps_changed", "floor", "pull_previous")
    summary = {key: _stats([seconds(run, key) for run in runs]) for key in keys}
    for measure in ("uncached", "first_cached", "warm"):
        for part in ("build_step", "push_step", "cache_push"):
            summary[f"{measure}_{part}"] = _stats(
                [float(run[measure][part]) for run in runs])  # type: ignore[index]
    for measure, longest in (("uncached", dependency), ("first_cached", dependency),
                             ("warm", rebuilt)):
        summary[f"{measure}_longest_step"] = _stats(
            [dict(run[measure]["steps"])[longest] for run in runs])  # type: ignore[index]
    for measure in ("uncached", "first_cached"):  # the install: the command, then the commit
        own = [dict(run[measure]["step_output"])[dependency] for run in runs]  # type: ignore[index]
        whole = [dict(run[measure]["steps"])[dependency] for run in runs]  # type: ignore[index]
        summary[f"{measure}_install_output"] = _stats(own)
        summary[f"{measure}_install_after"] = _stats(
            [w - o for w, o in zip(whole, own, strict=True)])
    summary["changed_mb"] = _stats([run["floor"]["changed_bytes"] / 1e6 for run in runs])  # type: ignore[index]
    summary["warm_stored_mb"] = _stats([run["warm"]["stored_bytes"] / 1e6 for run in runs])  # type: ignore[index]
    for key in ("warmer_pull", "source_step"):
        if all(key in run for run in runs):
            summary[key] = _stats([float(run[key]) for run in runs])  # type: ignore[arg-type]
    return summary


def run_bench(args: argparse.Namespace) -> dict[str, object]:
    """All measurements, as the JSON document the table and chart are made from."""
    projects = tuple(p for p in PROJECTS if p.name in args.project)
    check_fixtures(projects)
    check_reachable()
    started = time.monotonic()
    load_start = os.getloadavg()[0]
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="seed-table-") as name, \
            tempfile.TemporaryDirectory(prefix="seed-table-pods-", dir=args.storage_dir) as pods, \
            running_registry(Path(name) / "registry", user="bench", password="bench-pw") as reg:
        tmp = Path(name)
        if args.compare_storage:
            base = push_debian_base(reg, projects[0].base, tmp / "bases")
            return {"compare_storage": compare_drivers(reg, tmp, projects[0], base)}
        for project in projects:
            rootfs_tarball(project.base)
            base = push_debian_base(reg, project.base, tmp / "bases", args.storage_driver)
            store = fill_image_store(reg, tmp / f"warmer-{project.name}", (base,),
                                     args.storage_driver) if args.image_store else None
            for variant in (["migrated"] if args.quick else VARIANTS):
                runs = [measure(reg, tmp, project, variant, base, n, args.storage_driver, store,
                                Path(pods), args.warm_images, args.path,
                                args.without_own_step)
                        for n in range(args.runs)]
                dependency, rebuilt = longest_step(runs), longest_step(runs, "warm")
                results[f"{project.name} / {variant}"] = {
                    "runs": runs, "summary": summarise(runs, dependency, rebuilt),
                    "longest_step": dependency, "warm_longest_step": rebuilt}
                print(f"measured {project.name} / {variant}", file=sys.stderr, flush=True)
    return {"runs": args.runs, "path": args.path, "storage_driver": args.storage_driver,
            "quick": args.quick,
            "image_store": args.image_store, "warm_images": args.warm_images,
            "without_own_step": args.without_own_step, "cpus": os.cpu_count(),
            "storage_dir": str(args.storage_dir or ""),
            "load_average": {"start": load_start, "end": os.getloadavg()[0]},
            "seconds_total": time.monotonic() - started, "results": results}


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per project and Dockerfile")
    parser.add_argument("--quick", action="store_true",
                        help="python-service, migrated Dockerfile only, one run (for CI)")
    parser.add_argument("--project", action="append", choices=[p.name for p in PROJECTS],
                        help="measure only this project (repeatable; default: all)")
    parser.add_argument("--path", choices=tuple(PATHS), default="job",
                        help="how each build runs: " + "; ".join(
                            f"{name}: {text}" for name, text in PATHS.items()))
    parser.add_argument("--storage-driver", choices=("vfs", "overlay"), default="vfs")
    parser.add_argument("--image-store", action="store_true",
                        help="base images from the warmer's image store (pulled once, mounted "
                             "read-only), as build pods get them with [warmer].images set")
    parser.add_argument("--warm-images", action="store_true",
                        help="with --image-store: before the rebuilds, the warmer also pulls "
                             "the first build's image into the store, as when the project's "
                             "image is listed in [warmer].images (its pull time is reported, "
                             "not counted in the builds)")
    parser.add_argument("--storage-dir", type=Path,
                        help="where each build's fresh storage goes, e.g. /dev/shm for a "
                             "memory-backed emptyDir (default: the run's temporary folder, "
                             "on disk)")
    parser.add_argument("--without-own-step", action="store_true",
                        help="leave the project's own step after `COPY . .` (node-service: "
                             "`RUN npm run build`) out of both Dockerfiles, to see what a warm "
                             "rebuild costs apart from the project's compile (node-service "
                             "only; python-service has no such step)")
    parser.add_argument("--compare-storage", action="store_true",
                        help="only time one warm rebuild on vfs and on overlay storage")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    if args.warm_images and not args.image_store:
        parser.error("--warm-images needs --image-store (the warmer fills the image store)")
    if args.quick:
        args.runs, args.project = 1, [PROJECTS[0].name]
    own = [p.name for p in PROJECTS if p.source_step]
    if args.without_own_step and (args.quick or set(args.project or own) - set(own)):
        parser.error(f"--without-own-step needs a project with a step of its own after "
                     f"`COPY . .`: {', '.join(own)} (and no --quick)")
    args.project = args.project or (own if args.without_own_step else [p.name for p in PROJECTS])
    try:
        data = run_bench(args)
    except Exception as exc:  # one line; never numbers from a failed run
        print(f"seed_table: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    if args.compare_storage:
        times = data["compare_storage"]
        print(f"{args.project[0]}, migrated Dockerfile, warm rebuild after a one-file change: "
              + ", ".join(f"{driver} {seconds:.1f} s" for driver, seconds in times.items()))
        return 0
    stem = "-".join(["seed_table", *(["quick"] if args.quick else []),
                     *([args.path] if args.path != "job" else []),
                     *(args.project if len(args.project) < len(PROJECTS) else []),
                     *([args.storage_driver] if args.storage_driver != "vfs" else []),
                     *(["image-store"] if args.image_store else []),
                     *(["warm-images"] if args.warm_images else []),
                     *(["storage-dir"] if args.storage_dir else []),
                     *(["without-own-step"] if args.without_own_step else [])])
    print(write_outputs(data, args.out, stem))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
