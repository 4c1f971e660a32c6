"""One merge request per migration branch: create it, or update (or adopt) the open one."""

from __future__ import annotations

from typing import Literal

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.api import GitLabProject, MergeRequest, MergeRequestConflict

MrAction = Literal["create", "update", "adopt", "none"]

# GitLab stores at most 1,048,576 characters of description.
MAX_DESCRIPTION = 1_000_000
_TRUNCATED = ("\n\n…the report is longer than GitLab accepts; run `migrate-project` locally "
              "with `--output markdown` for all of it.\n")


def fit_description(markdown: str) -> str:
    """The report, cut to what GitLab stores, with a note when cut."""
    if len(markdown) <= MAX_DESCRIPTION:
        return markdown
    return markdown[: MAX_DESCRIPTION - len(_TRUNCATED)] + _TRUNCATED


def planned_mr_action(existing: MergeRequest | None, title: str, description: str) -> MrAction:
    """What :func:`ensure_mr` would do, for ``--dry-run``."""
    if existing is None:
        return "create"
    if (existing.title, existing.description) == (title, description):
        return "none"
    return "update"


def ensure_mr(project: GitLabProject, existing: MergeRequest | None, *, branch: str,
              target_branch: str, title: str, description: str,
              ) -> tuple[MergeRequest, MrAction]:
    """Make the open MR from ``branch`` say ``title``/``description``; never open a second one."""
    action = planned_mr_action(existing, title, description)
    if existing is not None:
        if action == "none":
            return existing, action
        return project.update_mr(existing.iid, title=title, description=description), action
    try:
        created = project.create_mr(source_branch=branch, target_branch=target_branch,
                                    title=title, description=description)
    except MergeRequestConflict as conflict:
        found = _find_conflicting(project, branch, target_branch, conflict.iid)
        return project.update_mr(found.iid, title=title, description=description), "adopt"
    return created, "create"


def _find_conflicting(project: GitLabProject, branch: str, target_branch: str,
                      iid: int | None) -> MergeRequest:
    found = project.find_open_mr(branch, target_branch)
    if found is None and iid is not None:
        found = project.get_mr(iid)
    if found is None:
        raise RunnerExtError(Category.GITLAB, Problem(
            f"GitLab says a merge request from {branch!r} is already open, but it is not "
            "visible to this token", key="--branch", value=branch,
            hint="close that merge request, or pass another --branch"))
    return found
