"""The migration branch: its name rules, what an earlier run left on it, and the commit text."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Literal

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.api import Comparison, FileAction, GitLabProject

TRAILER = "Generated-by: runner-ext migrate-project"
LINT_SUFFIX = "-lint"

BranchState = Literal["missing", "current", "stale"]

_BAD_REF = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{|//|^[-/.]|[/.]$|\.lock$|^@$")


def check_branch_names(branch: str, target_branch: str) -> None:
    """Refuse branch names git would refuse, and a migration branch equal to its target."""
    for key, name in (("--branch", branch), ("--target-branch", target_branch)):
        if not name or _BAD_REF.search(name):
            raise RunnerExtError(Category.USAGE, Problem(
                "not a valid branch name", key=key, value=repr(name),
                hint="use letters, digits, '-', '_', '.' and '/', e.g. runner-ext/migrate"))
    if branch == target_branch:
        raise RunnerExtError(Category.USAGE, Problem(
            "the migration branch must differ from the target branch", key="--branch",
            value=branch, hint="the change is proposed in a merge request from its own branch"))


def file_actions(changes: Mapping[str, str], existing: Collection[str]) -> list[FileAction]:
    """``create`` for new paths, ``update`` for existing ones, sorted by path."""
    return [FileAction("update" if path in existing else "create", path, changes[path])
            for path in sorted(changes)]


def commit_message(title: str, actions: list[FileAction], *, skip_ci: bool = False) -> str:
    """The commit text: title, the files, and the trailer that marks the commit as ours."""
    files = "\n".join(f"- {a.action} {a.path}" for a in actions)
    head = f"{title} [skip ci]" if skip_ci else title
    return f"{head}\n\n{files}\n\n{TRAILER}\n"


def branch_state(project: GitLabProject, branch: str, target_sha: str,
                 changes: Mapping[str, str]) -> BranchState:
    """Whether ``branch`` is missing, already holds exactly ``changes`` on ``target_sha``, or not.

    Raises when the branch carries commits runner-ext did not make: resetting it would
    throw those away.
    """
    found = own_branch(project, branch, target_sha)
    if found is None:
        return "missing"
    head, comparison = found
    if _holds(project, head, target_sha, comparison, changes):
        return "current"
    return "stale"


def own_branch(project: GitLabProject, branch: str,
               target_sha: str) -> tuple[str, Comparison] | None:
    """The branch's head and what it adds to ``target_sha``; ``None`` when there is no branch.

    Raises when the branch carries commits runner-ext did not make.
    """
    head = project.branch_sha(branch)
    if head is None:
        return None
    comparison = project.compare(target_sha, head)
    _refuse_foreign_commits(branch, comparison)
    return head, comparison


def _refuse_foreign_commits(branch: str, comparison: Comparison) -> None:
    foreign = [c.sha[:12] for c in comparison.commits if TRAILER not in c.message]
    if foreign:
        raise RunnerExtError(Category.GITLAB, Problem(
            f"branch {branch!r} has commits runner-ext did not make "
            f"({', '.join(foreign)}); updating it would discard them",
            key="--branch", value=branch,
            hint="merge or move those commits elsewhere and delete the branch, "
                 "or pass another --branch"))


def _holds(project: GitLabProject, head: str, target_sha: str, comparison: Comparison,
           changes: Mapping[str, str]) -> bool:
    commits = comparison.commits
    if len(commits) != 1 or commits[0].parent_ids != (target_sha,):
        return False
    if comparison.paths != frozenset(changes):
        return False
    return all(project.read(path, head) == text.encode("utf-8") for path, text in changes.items())
