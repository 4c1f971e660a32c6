"""What runner-ext needs from one GitLab project, as plain data behind a small protocol.

Only :mod:`runner_ext.gitlab.client` talks to python-gitlab; everything else (the
publishing flow, the project source, the tests' fakes) sees this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

ActionKind = Literal["create", "update"]


@dataclass(frozen=True)
class FileAction:
    """One file written by a commit (the commits API's ``actions`` entry)."""

    action: ActionKind
    path: str
    content: str


@dataclass(frozen=True)
class Commit:
    """A commit as the commits and compare APIs describe it."""

    sha: str
    parent_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Comparison:
    """What a branch adds on top of a base: its own commits and the paths they touch."""

    commits: tuple[Commit, ...]
    paths: frozenset[str]


@dataclass(frozen=True)
class LintResult:
    """The project CI lint endpoint's verdict."""

    valid: bool
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergeRequest:
    """An open merge request."""

    iid: int
    web_url: str
    title: str
    description: str


class MergeRequestConflict(Exception):
    """GitLab refused a new MR because one is already open for the branch (HTTP 409)."""

    def __init__(self, iid: int | None) -> None:
        super().__init__(f"an open merge request already exists (!{iid})")
        self.iid = iid


class GitLabProject(Protocol):
    """The few calls the migration makes on one GitLab project."""

    @property
    def path(self) -> str:
        """``group/name``."""
        ...

    @property
    def default_branch(self) -> str | None:
        """The default branch, ``None`` for an empty repository."""
        ...

    @property
    def ci_config_path(self) -> str:
        """The project's CI file (``.gitlab-ci.yml`` unless configured otherwise)."""
        ...

    def list_files(self, ref: str) -> list[str]:
        """Every file (blob) path at ``ref``, following pagination."""
        ...

    def read(self, path: str, ref: str) -> bytes | None:
        """A file's bytes at ``ref``, or ``None`` when it does not exist there."""
        ...

    def branch_sha(self, name: str) -> str | None:
        """The commit a branch points to, or ``None`` when there is no such branch."""
        ...

    def compare(self, base: str, head: str) -> Comparison:
        """The commits and paths ``head`` has that ``base`` has not."""
        ...

    def commit(self, branch: str, *, start_sha: str, message: str,
               actions: list[FileAction], force: bool = False) -> Commit:
        """One commit on ``branch`` on top of ``start_sha``; ``force`` resets an existing branch."""
        ...

    def delete_branch(self, name: str) -> None:
        """Delete a branch."""
        ...

    def lint(self, content: str, *, ref: str) -> LintResult:
        """Validate CI YAML as a pipeline on ``ref`` would see it (``dry_run``)."""
        ...

    def find_open_mr(self, source_branch: str, target_branch: str) -> MergeRequest | None:
        """The open MR from ``source_branch`` into ``target_branch``, if any."""
        ...

    def get_mr(self, iid: int) -> MergeRequest:
        """One merge request by its project-local number."""
        ...

    def create_mr(self, *, source_branch: str, target_branch: str, title: str,
                  description: str) -> MergeRequest:
        """Open an MR; raises :class:`MergeRequestConflict` when one is already open."""
        ...

    def update_mr(self, iid: int, *, title: str, description: str) -> MergeRequest:
        """Change an MR's title and description."""
        ...
