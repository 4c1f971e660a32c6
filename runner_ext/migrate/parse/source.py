"""Where a project's files come from: a local checkout or the GitLab API."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Protocol

from runner_ext.errors import Category, Problem, RunnerExtError

_STAY_INSIDE = "runner-ext reads and writes nothing outside the project's root folder"


def project_path(path: str) -> str | None:
    """``path`` normalised relative to the project root, or ``None`` when it leaves the
    project (absolute, or ``..`` above the root)."""
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return None
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return None
    return "" if norm == "." else norm


def outside_error(path: str, why: str, *, file: str | None = None, line: int | None = None,
                  key: str | None = None) -> RunnerExtError:
    """The located error for a path that leaves the project."""
    return RunnerExtError(Category.INPUT, Problem(
        f"{why}; {_STAY_INSIDE}", file=file or path, line=line, key=key, value=path,
        hint="keep the file inside the project (a copy, not a link out of it)"))


def inside(root: Path, path: Path) -> bool:
    """True when ``path``, with every symbolic link followed, is under ``root``."""
    return path.resolve().is_relative_to(root.resolve())


class ProjectSource(Protocol):
    """Read access to one project's files at one revision."""

    def list_files(self) -> list[str]:
        """Every file path in the project, relative to its root, with ``/`` separators."""
        ...

    def read(self, path: str) -> bytes | None:
        """A file's bytes, or ``None`` when it does not exist."""
        ...


class LocalSource:
    """A project directory on disk (``.git`` and other VCS folders are ignored)."""

    _SKIP = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise RunnerExtError(Category.USAGE, Problem("not a directory", file=str(root),
                                                         hint="give the project's root folder"))
        self.root = root

    def list_files(self) -> list[str]:
        """All files under the root, sorted, skipping VCS and dependency folders and links
        that lead out of the project."""
        found = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if path.is_file() and not self._SKIP.intersection(rel.parts) and \
                    inside(self.root, path):
                found.append(rel.as_posix())
        return sorted(found)

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or ``None`` if missing; a path or link leaving the project is an
        error (nothing outside the project is read)."""
        rel = project_path(path)
        if rel is None:
            raise outside_error(path, "the path leaves the project")
        target = self.root / rel
        if not inside(self.root, target):
            raise outside_error(path, "the file is a symbolic link that leads out of the project")
        return target.read_bytes() if target.is_file() else None
