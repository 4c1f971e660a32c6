"""How much the RXD102 fix (dependency manifests before `COPY . .`) saves on a rebuild.

Real Buildah, a real registry cache, the planner's command lines. A small Node.js-shaped
project is built twice per Dockerfile: a cold first build, then a rebuild after changing one
source file, each in a fresh storage (like a fresh build pod) with the registry layer cache.
The dependency restore is a stand-in `npm ci` that takes RESTORE_SECONDS (default 3).

    python3 bench/dockerfile_fix.py [--restore-seconds 3]

Prints the wall times and the ratios measured in this one run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from runner_ext.dockerfile import analyze_dockerfile
from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.builds import build, context_files, image_tree, node_base, node_project
from runner_ext.lab.registry import running_registry
from runner_ext.lab.tools import exit_on_sigterm


def fixed_dockerfile(project: Path) -> str:
    """The original Dockerfile with runner-ext's safe fixes applied."""
    original = (project / "Dockerfile.original").read_text()
    report = analyze_dockerfile(
        "Dockerfile", original, engine="buildah", context_files=context_files(project),
        has_dockerignore=True, read_file=lambda p: (project / p).read_bytes()
        if (project / p).is_file() else None)
    if not report.changed:
        raise SystemExit("runner-ext did not fix the Dockerfile; nothing to compare")
    return report.fixed_text


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restore-seconds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            running_registry(Path(tmp) / "registry", user="bench", password="bench-pw") as reg:
        root = Path(tmp)
        busybox = f"{reg.host}/base/busybox:1.36"
        push_base_image(reg, busybox, root / "busybox")
        project = node_project(root, node_base(reg, root, busybox, args.restore_seconds))
        (project / "Dockerfile.fixed").write_text(fixed_dockerfile(project))
        times: dict[str, tuple[float, float]] = {}
        for variant in ("original", "fixed"):
            (project / "src" / "index.js").write_text("console.log('v1');\n")
            ref = f"{reg.host}/demo/{variant}"
            dockerfile = project / f"Dockerfile.{variant}"
            first = build(reg, root / f"w-{variant}-1", context=project, dockerfile=dockerfile,
                          destination=f"{ref}:1")
            (project / "src" / "index.js").write_text("console.log('v2');\n")
            second = build(reg, root / f"w-{variant}-2", context=project, dockerfile=dockerfile,
                           destination=f"{ref}:2")
            times[variant] = (first.seconds, second.seconds)
        same = image_tree(reg, f"{reg.host}/demo/original:2", root, "/app") == \
            image_tree(reg, f"{reg.host}/demo/fixed:2", root, "/app")
    print(f"restore stand-in: {args.restore_seconds} s; Buildah, vfs, registry cache")
    print(f"{'Dockerfile':<10} {'first build':>12} {'rebuild, 1 file changed':>24}")
    for variant, (first, second) in times.items():
        print(f"{variant:<10} {first:>11.2f}s {second:>23.2f}s")
    ratio = times["original"][1] / times["fixed"][1]
    print(f"rebuild: original / fixed = {ratio:.2f}x")
    print(f"/app in both rebuilt images identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
