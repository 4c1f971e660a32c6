"""The sample project's real build job: first build, then a rebuild after a one-file change.

gitlab-ci-local runs `ci-examples/buildah-sample`'s build job (our rendered component, our
entrypoint, real Buildah) against a local registry with htpasswd auth. Each build starts from an
empty storage, like a fresh build pod, so whatever the rebuild reuses came from the registry's
cache repo. The sample's dependency step is a 2-second stand-in.

    python3 bench/sample_rebuild.py

Prints both wall times (the job's own, as gitlab-ci-local reports it) and their ratio.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

from runner_ext.lab.buildah import Storage, push_base_image
from runner_ext.lab.project import Project, sample_config, sample_variables
from runner_ext.lab.registry import running_registry
from runner_ext.lab.tools import exit_on_sigterm

USER, PASSWORD = "bench", "bench-pw-2f9c"


def _job_seconds(output: str) -> float:
    found = re.search(r"build-image\s+finished in ([0-9.]+) (m?s)", output)
    if not found:
        raise SystemExit("gitlab-ci-local printed no job time")
    value = float(found.group(1))
    return value / 1000 if found.group(2) == "ms" else value


def main() -> int:
    exit_on_sigterm()
    with tempfile.TemporaryDirectory() as tmp, \
            running_registry(Path(tmp) / "registry", user=USER, password=PASSWORD) as registry:
        folder = Path(tmp)
        push_base_image(registry, f"{registry.host}/platform/base/busybox:1.36", folder / "base")
        with contextlib.redirect_stdout(io.StringIO()):  # render's "wrote …" lines
            project = Project.create(folder, sample_config(registry))
        seconds = []
        for name in ("first", "second"):
            if name == "second":
                main_sh = project.root / "src" / "main.sh"
                main_sh.write_text(main_sh.read_text().replace("version 1", "version 2"))
                project.commit("change one source file")
            run = project.run_job(["build-image"],
                                  sample_variables(registry, folder, name, USER, PASSWORD))
            Storage(folder / f"storage-{name}").remove()
            if run.returncode != 0:
                print(run.output[-3000:], file=sys.stderr)
                return 1
            seconds.append(_job_seconds(run.output))
    first, second = seconds
    print("sample build job (Buildah, vfs, registry layer cache, fresh storage per build)")
    print(f"first build:                      {first:6.2f} s")
    print(f"rebuild after a one-file change:  {second:6.2f} s")
    print(f"first / rebuild = {first / second:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
