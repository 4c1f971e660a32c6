"""A GitLab project at one commit, read through the API, as a migration source."""

from __future__ import annotations

from runner_ext.gitlab.api import GitLabProject


class GitLabSource:
    """:class:`runner_ext.migrate.parse.source.ProjectSource` over the repository tree and
    files APIs.

    Pin ``ref`` to a commit SHA so every read sees the same revision. The file list is fetched
    once; reads of paths that are not in it answer ``None`` without a request, and each file is
    fetched at most once.
    """

    def __init__(self, project: GitLabProject, ref: str) -> None:
        self.project = project
        self.ref = ref
        self._files: list[str] | None = None
        self._known: frozenset[str] = frozenset()
        self._cache: dict[str, bytes | None] = {}

    def list_files(self) -> list[str]:
        """Every file path at ``ref``, sorted."""
        if self._files is None:
            self._files = sorted(self.project.list_files(self.ref))
            self._known = frozenset(self._files)
        return list(self._files)

    def read(self, path: str) -> bytes | None:
        """The file's bytes at ``ref``, or ``None`` when it does not exist."""
        self.list_files()
        if path not in self._known:
            return None
        if path not in self._cache:
            self._cache[path] = self.project.read(path, self.ref)
        return self._cache[path]

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a file at ``ref``."""
        self.list_files()
        return path in self._known
