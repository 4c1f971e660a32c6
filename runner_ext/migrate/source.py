"""Where a project's files come from: a local checkout or the GitLab API."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from runner_ext.errors import Category, Problem, RunnerExtError


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
        """All files under the root, sorted, skipping VCS and dependency folders."""
        found = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if path.is_file() and not self._SKIP.intersection(rel.parts):
                found.append(rel.as_posix())
        return sorted(found)

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or ``None`` if missing."""
        target = self.root / path
        return target.read_bytes() if target.is_file() else None
