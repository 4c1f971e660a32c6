"""Running gitlab-ci-local on a throw-away git repository, for tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from runner_ext.lab.tools import require_tool


def git_repo(root: Path, files: Mapping[str, str]) -> Path:
    """Create a git repository with the given files committed on ``main``."""
    require_tool("git")
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "test"]):
        subprocess.run(["git", *cmd], cwd=root, check=True, env=env)
    return root


def copy_tree(source: Path, target: Path) -> None:
    """Copy a folder of rendered files into a repository folder."""
    shutil.copytree(source, target, dirs_exist_ok=True)


def preview(repo: Path) -> dict[str, Any]:
    """The pipeline as gitlab-ci-local expands it (includes, extends, inputs), as data."""
    tool = require_tool("gitlab-ci-local")
    done = subprocess.run([tool, "--preview"], cwd=repo, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"gitlab-ci-local --preview failed:\n{done.stderr}"
    # Warnings (e.g. "duplicated mapping key detected!") come on stdout before the document.
    start = done.stdout.find("---\n")
    data: dict[str, Any] = YAML(typ="safe").load(done.stdout[max(start, 0):])
    return data
