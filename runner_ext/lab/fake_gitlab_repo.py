"""The data behind the fake GitLab: groups, projects, and each project's repository (commits
with full trees, branches, merge requests).

It follows the semantics GitLab documents for the calls runner-ext makes: the commits API
(``branch``, ``start_branch``/``start_sha``, ``force``, create/update/delete/move actions and
their errors), branch deletion closing the open merge requests of that source branch, compare
from the merge base, and one open merge request per source/target branch pair.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


class ApiError(Exception):
    """An error answer: HTTP status and GitLab's JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


@dataclass
class FakeCommit:
    sha: str
    parent_ids: list[str]
    message: str
    tree: dict[str, bytes]
    created_at: str
    author_name: str = "Fake User"
    author_email: str = "fake@example.com"


@dataclass
class FakeMergeRequest:
    iid: int
    source_branch: str
    target_branch: str
    title: str
    description: str
    state: str = "opened"
    remove_source_branch: bool = False
    updated: int = 0


@dataclass
class FakeRepo:
    default_branch: str = "main"
    commits: dict[str, FakeCommit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    merge_requests: list[FakeMergeRequest] = field(default_factory=list)
    _clock: itertools.count[int] = field(default_factory=itertools.count)

    # --- commits and refs -------------------------------------------------------------------
    def new_commit(self, parents: list[str], message: str, tree: dict[str, bytes]) -> FakeCommit:
        tick = next(self._clock)
        sha = hashlib.sha1(f"{parents}{message}{tick}".encode()).hexdigest()
        when = (_EPOCH + timedelta(minutes=tick)).isoformat()
        commit = FakeCommit(sha, parents, message, dict(tree), when)
        self.commits[sha] = commit
        return commit

    def resolve(self, ref: str) -> FakeCommit | None:
        sha = self.branches.get(ref, ref)
        return self.commits.get(sha)

    def ancestors(self, sha: str) -> list[str]:
        seen: list[str] = []
        stack = [sha]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.append(current)
                stack.extend(self.commits[current].parent_ids)
        return seen

    def merge_base(self, a: str, b: str) -> str | None:
        theirs = set(self.ancestors(b))
        return next((sha for sha in self.ancestors(a) if sha in theirs), None)

    def delete_branch(self, name: str) -> None:
        if name not in self.branches:
            raise ApiError(404, {"message": "404 Branch Not Found"})
        if name == self.default_branch:
            raise ApiError(400, {"message": "The default branch of a project cannot be deleted."})
        del self.branches[name]
        # GitLab closes open merge requests whose source branch disappears.
        for mr in self.merge_requests:
            if mr.source_branch == name and mr.state == "opened":
                mr.state = "closed"

    # --- POST /repository/commits -----------------------------------------------------------
    def create_commit(self, body: dict[str, Any]) -> FakeCommit:
        branch, message = body.get("branch"), body.get("commit_message")
        actions = body.get("actions")
        for name, value in (("branch", branch), ("commit_message", message),
                            ("actions", actions)):
            if value in (None, "", []):
                raise ApiError(400, {"error": f"{name} is missing" if value is None
                                     else f"{name} is empty"})
        base = self._commit_base(str(branch), body)
        tree = dict(base.tree) if base else {}
        for action in actions or []:
            _apply(tree, action)
        commit = self.new_commit([base.sha] if base else [], str(message), tree)
        self.branches[str(branch)] = commit.sha
        return commit

    def _commit_base(self, branch: str, body: dict[str, Any]) -> FakeCommit | None:
        start_branch, start_sha = body.get("start_branch"), body.get("start_sha")
        if start_branch and start_sha:
            raise ApiError(400, {"error": "start_branch, start_sha are mutually exclusive"})
        exists = branch in self.branches
        if start_sha or (start_branch and start_branch != branch):
            if exists and not body.get("force"):
                raise ApiError(400, {"message": f"A branch called '{branch}' already exists. "
                                                "Switch to that branch in order to make changes"})
            start = self.commits.get(str(start_sha)) if start_sha else \
                self.resolve(str(start_branch))
            if start is None:
                raise ApiError(400, {"message": f"Invalid reference {start_sha or start_branch}"})
            return start
        if not exists:
            raise ApiError(400, {"message": "You can only create or edit files when you are on a "
                                            "branch"})
        return self.commits[self.branches[branch]]

    # --- merge requests -----------------------------------------------------------------------
    def open_mr(self, source: str, target: str) -> FakeMergeRequest | None:
        return next((mr for mr in self.merge_requests if mr.state == "opened"
                     and (mr.source_branch, mr.target_branch) == (source, target)), None)

    def create_mr(self, body: dict[str, Any]) -> FakeMergeRequest:
        for name in ("source_branch", "target_branch", "title"):
            if not body.get(name):
                raise ApiError(400, {"error": f"{name} is missing"})
        source, target = str(body["source_branch"]), str(body["target_branch"])
        clash = self.open_mr(source, target)
        if clash is not None:
            raise ApiError(409, {"message": [
                "Another open merge request already exists for this source branch: "
                f"!{clash.iid}"]})
        if source not in self.branches:
            raise ApiError(400, {"message": [f'Source branch "{source}" does not exist']})
        mr = FakeMergeRequest(len(self.merge_requests) + 1, source, target, str(body["title"]),
                              str(body.get("description") or ""),
                              remove_source_branch=bool(body.get("remove_source_branch")))
        self.merge_requests.append(mr)
        return mr


@dataclass
class FakeGroup:
    """A group; its parent is the group whose full path is this one's minus the last part."""

    id: int
    full_path: str
    visible: bool = True

    @property
    def parent_path(self) -> str | None:
        return self.full_path.rsplit("/", 1)[0] if "/" in self.full_path else None

    def holds(self, path: str, *, nested: bool) -> bool:
        """Whether ``path`` (a project's or group's full path) sits in this group."""
        namespace = path.rsplit("/", 1)[0] if "/" in path else ""
        return namespace == self.full_path or (nested and path.startswith(self.full_path + "/"))


@dataclass
class FakeProject:
    """A project: its settings as the projects API shows them, and its repository.

    ``repository_access=False`` is a member who may see the project but not its code (Guest):
    the project is listed, its repository endpoints answer 403. ``visible=False`` is a project
    the token cannot see at all: 404 everywhere, absent from listings.
    """

    id: int
    path: str
    repo: FakeRepo = field(default_factory=FakeRepo)
    ci_config_path: str | None = None
    archived: bool = False
    repository_access: bool = True
    visible: bool = True

    def seed(self, files: dict[str, str | bytes], branch: str | None = None) -> FakeCommit:
        """Commit ``files`` on ``branch`` (default: the default branch), created from it if new."""
        name = branch or self.repo.default_branch
        parent = self.repo.branches.get(name) or self.repo.branches.get(self.repo.default_branch)
        tree = dict(self.repo.commits[parent].tree) if parent else {}
        tree.update({p: c.encode() if isinstance(c, str) else c for p, c in files.items()})
        commit = self.repo.new_commit([parent] if parent else [], "Seed", tree)
        self.repo.branches[name] = commit.sha
        return commit


def _apply(tree: dict[str, bytes], action: dict[str, Any]) -> None:
    kind, path = action.get("action"), str(action.get("file_path") or "")
    content = action.get("content") or ""
    data = base64.b64decode(content) if action.get("encoding") == "base64" else \
        str(content).encode("utf-8")
    if kind == "create":
        if path in tree:
            raise ApiError(400, {"message": "A file with this name already exists"})
        tree[path] = data
    elif kind == "update":
        if path not in tree:
            raise ApiError(400, {"message": "A file with this name doesn't exist"})
        tree[path] = data
    elif kind == "delete":
        if tree.pop(path, None) is None:
            raise ApiError(400, {"message": "A file with this name doesn't exist"})
    elif kind == "move":
        previous = str(action.get("previous_path") or "")
        if previous not in tree:
            raise ApiError(400, {"message": "A file with this name doesn't exist"})
        old = tree.pop(previous)
        tree[path] = data if content else old
    else:
        raise ApiError(400, {"error": "actions[0][action] does not have a valid value"})


def tree_entries(tree: dict[str, bytes], prefix: str, recursive: bool) -> list[dict[str, Any]]:
    """The repository tree API's entries: directories (``tree``) first, then files (``blob``)."""
    base = prefix.strip("/") + "/" if prefix.strip("/") else ""
    dirs: set[str] = set()
    blobs = []
    for path in sorted(tree):
        if not path.startswith(base):
            continue
        rel = path[len(base):].split("/")
        dirs.update(base + "/".join(rel[:i]) for i in range(1, len(rel)) if recursive or i == 1)
        if recursive or len(rel) == 1:
            blobs.append(path)

    def entry(path: str, kind: str) -> dict[str, Any]:
        return {"id": hashlib.sha1(f"{kind}:{path}".encode()).hexdigest(),
                "name": path.rsplit("/", 1)[-1], "type": kind, "path": path,
                "mode": "040000" if kind == "tree" else "100644"}
    return [entry(d, "tree") for d in sorted(dirs)] + [entry(b, "blob") for b in blobs]


def diffs(before: dict[str, bytes], after: dict[str, bytes]) -> list[dict[str, Any]]:
    """The compare API's ``diffs`` entries between two trees."""
    diffs = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) == after.get(path):
            continue
        diffs.append({"old_path": path, "new_path": path, "a_mode": "100644",
                      "b_mode": "100644", "diff": "@@ fake diff @@\n",
                      "new_file": path not in before, "deleted_file": path not in after,
                      "renamed_file": False})
    return diffs
