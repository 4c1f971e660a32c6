"""What the warmer's closing ``sync -f STORE`` saves the first build after a fill.

Builds a bench project's migrated Dockerfile once with the Buildah job's script, then, run
after run: fills a fresh image store with the warmer's commands (the base image and the
first build's image, as ``[warmer].images`` would list them), with or without the closing
sync, and starts a warm rebuild right after the fill, after a source change of its own. Each
run measures both fills, in alternating order. Prints, per rebuild, the seconds of ``buildah
build`` and the part of it outside its steps (start-up and commit; the writeback of a fill
that did not sync lands there), then the medians and their ratio, all from this run.

    python3 bench/store_sync.py [--runs 5] [--project python-service|node-service]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from seed_table import PROJECTS, PROJECTS_DIR, VARIANTS

from runner_ext.lab.bases import push_debian_base, rootfs_tarball
from runner_ext.lab.builds import Build, ImageStore, fill_image_store
from runner_ext.lab.job_builds import job_build
from runner_ext.lab.registry import running_registry
from runner_ext.lab.tools import exit_on_sigterm

DRIVER = "overlay"
# How each project's edited source file starts a comment line.
COMMENT = {".py": "#", ".ts": "//"}


def outside_steps(build: Build) -> float:
    """Seconds of ``buildah build`` not spent in a step or in a cache push."""
    inside = sum(seconds for _, seconds in build.step_seconds) + build.cache_push_seconds
    return build.steps[0] - inside


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", choices=[p.name for p in PROJECTS], default="python-service")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    project = next(p for p in PROJECTS if p.name == args.project)
    measured: dict[bool, list[Build]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="store-sync-") as name, \
            running_registry(Path(name) / "registry", user="bench", password="bench-pw") as reg:
        tmp = Path(name)
        rootfs_tarball(project.base)
        base = push_debian_base(reg, project.base, tmp / "bases", DRIVER)
        store = fill_image_store(reg, tmp / "warmer", (base,), DRIVER)
        root = tmp / "project"
        shutil.copytree(PROJECTS_DIR / project.name, root)
        image = f"{reg.host}/bench/store-sync"

        def build(tag: str, image_store: ImageStore) -> Build:
            return job_build(reg, tmp / f"work-{tag}", context=root,
                             dockerfile=root / VARIANTS["migrated"], destination=f"{image}:{tag}",
                             build_args=(f"BASE_IMAGE={base}",), storage_driver=DRIVER,
                             image_store=image_store)

        def rebuild(tag: str, sync: bool) -> Build:
            warmer = tmp / f"warmer-{tag}"
            filled = fill_image_store(reg, warmer, (base, f"{image}:v1"), DRIVER, sync=sync)
            try:
                return build(tag, filled)
            finally:
                shutil.rmtree(warmer, ignore_errors=True)

        build("v1", store)
        source = root / project.source_edit[0]
        comment = COMMENT[source.suffix]
        print(f"{project.name}, migrated Dockerfile, {DRIVER}; warm rebuild right after a fill\n")
        print("| run | fill | `buildah build`, s | … outside its steps, s |\n"
              "| --- | --- | --- | --- |")
        for run in range(args.runs):
            for sync in ((True, False) if run % 2 else (False, True)):
                # A change of its own for each rebuild: none may find the other's layers.
                source.write_text(f"{source.read_text()}{comment} {run + 1} {sync}\n")
                done = rebuild(f"r{run}-{'sync' if sync else 'nosync'}", sync)
                measured[sync].append(done)
                print(f"| {run + 1} | {'synced' if sync else 'not synced'} | "
                      f"{done.steps[0]:.2f} | {outside_steps(done):.2f} |", flush=True)
    print()
    for label, values in (("`buildah build`", lambda b: b.steps[0]),
                          ("outside its steps", outside_steps)):
        synced = statistics.median(values(b) for b in measured[True])
        unsynced = statistics.median(values(b) for b in measured[False])
        print(f"- {label}, median: {unsynced:.2f} s after a fill without the sync, "
              f"{synced:.2f} s after a synced one ({synced / unsynced:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
