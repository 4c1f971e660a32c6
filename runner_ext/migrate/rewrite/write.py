"""Writing a migration's changes to a local checkout: all files or none, each atomically."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from runner_ext import atomic
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.migrate.parse.source import outside_error, project_path


def write_changes(root: Path, changes: Mapping[str, str]) -> list[Path]:
    """Write every changed file under ``root``; temp files first, then one rename each.

    Every target is checked first: a path or a symbolic link leading out of the project is
    an error and nothing is written; a link inside the project is written through.

    Nothing is renamed until every temporary file is written, so a full disk or a permission
    problem leaves the checkout as it was.
    """
    targets = {name: _target(root, name) for name in sorted(changes)}
    try:
        atomic.write_all((target, changes[name]) for name, target in targets.items())
    except OSError as exc:
        raise RunnerExtError(Category.INPUT, Problem(
            f"cannot write the migrated files ({exc.strerror}); nothing was changed",
            file=str(exc.filename or root))) from exc
    return [root / name for name in targets]


def _target(root: Path, name: str) -> Path:
    """Where to write ``name``: inside the project, through a symbolic link that stays
    inside it (the link is kept), never out of it."""
    rel = project_path(name)
    if not rel:
        raise outside_error(name, "the file to write leaves the project")
    real = (root / rel).resolve()
    if not real.is_relative_to(root.resolve()):
        raise outside_error(name, "the file to write is a symbolic link that leads out of the "
                                  "project")
    return real
