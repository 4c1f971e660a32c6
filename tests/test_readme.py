"""The README's two commands are the ones CI and users run."""

from __future__ import annotations

import re

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CI_RUN = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _blocks()[1]
    assert test_command.startswith("bash .ci/install && ")
    assert test_command.removeprefix("bash .ci/install && ") in CI_RUN.splitlines()
    assert "bash .ci/install" in CI_RUN.splitlines()
