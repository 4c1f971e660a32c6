"""A job that sources a script (``source x.sh`` / ``. x.sh``) runs that script's lines: a
build in it is followed like one in ``./x.sh``, not called "not an image build"."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner_ext.config import load_config
from runner_ext.migrate.parse.source import LocalSource
from runner_ext.migrate.project import migrate_project


@pytest.mark.parametrize("run", ["source ci/build.sh", ". ci/build.sh", "./ci/build.sh"])
def test_a_sourced_build_script_is_followed(tmp_path: Path, run: str) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(
        "image-build:\n  image: docker:27\n  services: [docker:27-dind]\n"
        f"  script:\n    - {run}\n")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "build.sh").write_text(
        "#!/bin/sh\ndocker build -t \"$CI_REGISTRY_IMAGE\" .\ndocker push \"$CI_REGISTRY_IMAGE\"\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\n")
    result = migrate_project(LocalSource(tmp_path), config=load_config(None), strategy="auto")
    [job] = result.jobs
    assert not job.reason.startswith("not an image build"), job.reason
    assert any(f.rule_id == "RXC111" for f in job.findings)
