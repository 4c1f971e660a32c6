"""Where a warm rebuild's pull goes: download, decompression and unpacking of a cached image.

Builds ``bench/projects/python-service`` (migrated Dockerfile) once with the planner's Buildah
plan, then takes its layers apart the way a fresh build pod's storage must: download every
layer from the local registry (``skopeo copy … dir:``), gunzip each one, and unpack each tar
into an empty folder on disk (``--disk``, default: a temporary folder) and in memory
(``--memory``, default: /dev/shm). Prints one table; one run, seconds.

    python3 bench/pull_split.py [--project python-service|node-service]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from seed_table import PROJECTS, PROJECTS_DIR, VARIANTS

from runner_ext.lab.bases import push_debian_base, rootfs_tarball
from runner_ext.lab.builds import build, fill_image_store
from runner_ext.lab.registry import running_registry
from runner_ext.lab.tools import exit_on_sigterm, require_tool


def _timed(argv: list[str], stdout: IO[bytes] | int = subprocess.DEVNULL) -> float:
    start = time.monotonic()
    subprocess.run(argv, check=True, stdout=stdout, stderr=subprocess.PIPE)
    return time.monotonic() - start


def _unpack(tar: Path, parent: Path) -> float:
    folder = Path(tempfile.mkdtemp(prefix="pull-split-", dir=parent))
    try:
        return _timed(["tar", "-xf", str(tar), "-C", str(folder)])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", choices=[p.name for p in PROJECTS], default="python-service")
    parser.add_argument("--disk", type=Path, default=None, help="a folder on disk")
    parser.add_argument("--memory", type=Path, default=Path("/dev/shm"), help="a tmpfs folder")
    args = parser.parse_args()
    project = next(p for p in PROJECTS if p.name == args.project)
    skopeo = require_tool("skopeo")
    with tempfile.TemporaryDirectory(prefix="pull-split-", dir=args.disk) as name, \
            running_registry(Path(name) / "registry", user="bench", password="bench-pw") as reg:
        tmp = Path(name)
        rootfs_tarball(project.base)
        base = push_debian_base(reg, project.base, tmp / "bases", "overlay")
        store = fill_image_store(reg, tmp / "warmer", (base,), "overlay")
        root = tmp / "project"
        shutil.copytree(PROJECTS_DIR / project.name, root)
        image = f"{reg.host}/bench/pull-split:1"
        build(reg, tmp / "work", context=root, dockerfile=root / VARIANTS["migrated"],
              destination=image, build_args=(f"BASE_IMAGE={base}",), storage_driver="overlay",
              image_store=store)
        auth = tmp / "auth.json"
        auth.write_text(json.dumps(reg.docker_config()))
        download = _timed([skopeo, "copy", "--src-tls-verify=false", "--src-authfile",
                           str(auth), f"docker://{image}", f"dir:{tmp / 'layers'}"])
        manifest = json.loads((tmp / "layers" / "manifest.json").read_text())
        print(f"{project.name}, migrated image: download of every layer {download:.1f} s\n")
        print("| layer | gzip MB | tar MB | files | gunzip, s | unpack on disk, s | "
              "unpack in memory, s |\n| --- | --- | --- | --- | --- | --- | --- |")
        for layer in manifest["layers"]:
            blob = tmp / "layers" / layer["digest"].split(":", 1)[1]
            tar = tmp / "layer.tar"
            with tar.open("wb") as out:
                gunzip = _timed(["gzip", "-dc", str(blob)], stdout=out)
            files = subprocess.run(["tar", "-tf", str(tar)], check=True, capture_output=True,
                                   text=True).stdout.count("\n")
            print(f"| {layer['digest'][7:19]} | {layer['size'] / 1e6:.1f} | "
                  f"{tar.stat().st_size / 1e6:.1f} | {files} | {gunzip:.2f} | "
                  f"{_unpack(tar, tmp):.2f} | {_unpack(tar, args.memory):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
