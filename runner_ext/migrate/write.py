"""Writing a migration's changes to a local checkout: all files or none, each atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.migrate.source import outside_error, project_path


def _temp_copy(target: Path, text: str) -> str:
    """Write ``text`` next to ``target`` in a temporary file with the target's mode."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        os.chmod(temp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def write_changes(root: Path, changes: Mapping[str, str]) -> list[Path]:
    """Write every changed file under ``root``; temp files first, then one rename each.

    Every target is checked first: a path or a symbolic link leading out of the project is
    an error and nothing is written; a link inside the project is written through.

    Nothing is renamed until every temporary file is written, so a full disk or a permission
    problem leaves the checkout as it was.
    """
    targets = {name: _target(root, name) for name in sorted(changes)}
    staged: list[tuple[str, Path]] = []
    try:
        for name, target in targets.items():
            staged.append((_temp_copy(target, changes[name]), target))
    except OSError as exc:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise RunnerExtError(Category.INPUT, Problem(
            f"cannot write the migrated files ({exc.strerror}); nothing was changed",
            file=str(root / name))) from exc
    for temp, target in staged:
        os.replace(temp, target)
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
