"""The README's two commands are the ones CI and users run."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from runner_ext.cli.main import run
from runner_ext.cli.migrate import app as migrate_app

README = (REPO / "README.md").read_text(encoding="utf-8")
CI_RUN = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _blocks()[1]
    assert test_command.startswith("bash .ci/install && ")
    assert test_command.removeprefix("bash .ci/install && ") in CI_RUN.splitlines()
    assert "bash .ci/install" in CI_RUN.splitlines()


def test_main_command_runs_on_the_bundled_example(capsys: pytest.CaptureFixture[str]) -> None:
    main = _blocks()[0]
    assert main.startswith("pip install . && migrate-project ")
    args = main.removeprefix("pip install . && migrate-project ").split()
    project = args[-1]
    assert run([*args[:-1], str(REPO / project)], prog="migrate-project",
               command=migrate_app) == 0
    out = capsys.readouterr().out
    assert "+++ b/.gitlab-ci.yml" in out and "+++ b/Dockerfile" in out
    assert "2 jobs migrated" in out and "nothing written" in out
