"""Mounts of a folder a script finds from its own location (docs/migrate.md, `docker run` in
the shim): ``ROOT=$(cd "$(dirname "$0")/.." && pwd)`` then ``docker run -v "$ROOT:/build"``,
as the corpus project hexapod's scripts/build.sh does. The variable is a folder of the
project when its relative part, read from the script's folder, stays inside; everything
else is still refused. The wrapper's own run-time check (tests/test_shim_wrapper.py) stays.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runner_ext.config import OrgConfig
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project
from runner_ext.migrate.shim.script_dirs import project_folder


@pytest.mark.parametrize("value, folder", [
    ('$(cd "$(dirname "$0")/.." && pwd)', ""),
    ('$(cd "$(dirname "$0")" && pwd)', "scripts"),
    ('$(cd "$(dirname "$0")/../docker" && pwd)', "docker"),
    ('$(cd "$(dirname "$0")/..";pwd)', ""),
    ('$(cd "$(dirname "$0")/.." ; pwd -P)', ""),
    ('$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)', ""),
    ('$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)', ""),
    ('$(dirname "$(readlink -f "$0")")/..', ""),
    ('$(dirname "$(readlink -f "$0")")', "scripts"),
    ('$(realpath "$(dirname "$0")/..")', ""),
    ('$(realpath "$(dirname "$0")/../src/")', "src"),
    ("$(git rev-parse --show-toplevel)", ""),
])
def test_accepted_forms(value: str, folder: str) -> None:
    assert project_folder("scripts/build.sh", value) == folder


@pytest.mark.parametrize("script, value", [
    ("scripts/build.sh", '$(cd "$(dirname "$0")/../.." && pwd)'),
    ("build.sh", '$(cd "$(dirname "$0")/.." && pwd)'),
    ("scripts/build.sh", '$(realpath "$(dirname "$0")/../../x")'),
    ("scripts/build.sh", '$(dirname "$(readlink -f "$0")")/../..'),
    ("scripts/build.sh", '$(dirname "$0")/..'),  # relative to the caller's folder
    ("scripts/build.sh", '$(cd "$SRC/.." && pwd)'),
    ("scripts/build.sh", '$(cd "$(dirname "$0")/$SUB" && pwd)'),
    ("scripts/build.sh", '$(cd "$(dirname "$0")/.." && pwd)/$(whoami)'),
    ("scripts/build.sh", "$HOME"),
])
def test_refused_forms(script: str, value: str) -> None:
    assert project_folder(script, value) is None


CI = """build:
  image: docker:24
  services: [docker:24-dind]
  script:
{script}
"""
BUILD = """#!/bin/bash
set -e
{assign}
docker build -t app -f "$ROOT/Dockerfile" "$ROOT"
docker run --rm -v "{mount}:/build" app make -C /build
"""


def _migrate(tmp_path: Path, assign: str, *, mount: str = "$ROOT", script: str = "",
             at: str = "scripts/build.sh") -> tuple[str, str]:
    files = {".gitlab-ci.yml": CI.format(script=f"    - ./{at}\n{script}"),
             at: BUILD.format(assign=assign, mount=mount), "Dockerfile": "FROM busybox:1.36\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result: MigrationResult = migrate_project(LocalSource(tmp_path), config=OrgConfig())
    (job,) = result.jobs
    return job.status, job.reason


@pytest.mark.parametrize("assign, mount", [
    ('ROOT=$(cd "$(dirname "$0")/.." && pwd)', "$ROOT"),
    ('export ROOT="$(git rev-parse --show-toplevel)"', "${ROOT}"),
    ('readonly ROOT=$(realpath "$(dirname "$0")/..")', "$ROOT/out"),
])
def test_a_script_relative_project_folder_is_mounted(tmp_path: Path, assign: str,
                                                     mount: str) -> None:
    assert _migrate(tmp_path, assign, mount=mount) == ("migrated", "")


@pytest.mark.parametrize("assign, mount, at", [
    ('ROOT=$(cd "$(dirname "$0")/../.." && pwd)', "$ROOT", "scripts/build.sh"),
    ('ROOT=$(cd "$(dirname "$0")/.." && pwd)', "$ROOT", "build.sh"),
    ('ROOT=$(cd "$(dirname "$0")/.." && pwd)', "$ROOT/../x", "scripts/build.sh"),
    ('ROOT=$(cd "$(dirname "$0")/.." && pwd)\nROOT=$HOME', "$ROOT", "scripts/build.sh"),
    ('OTHER=$(cd "$(dirname "$0")/.." && pwd)', "$ROOT", "scripts/build.sh"),
])
def test_other_folders_are_still_refused(tmp_path: Path, assign: str, mount: str,
                                         at: str) -> None:
    status, reason = _migrate(tmp_path, assign, mount=mount, at=at)
    assert status == "left" and "which may be outside the job's directory" in reason, reason


def test_the_variable_counts_only_in_the_script_that_sets_it(tmp_path: Path) -> None:
    """The job's own script does not see a variable its script file set."""
    status, reason = _migrate(tmp_path, 'ROOT=$(cd "$(dirname "$0")/.." && pwd)',
                              script='    - docker run --rm -v "$ROOT:/src" app true\n')
    assert status == "left" and "-v $ROOT:/src: mounts $ROOT" in reason, reason
