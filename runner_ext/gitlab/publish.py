"""Propose a set of file changes to a GitLab project: one commit on a branch, linted, in one MR.

The flow, on plain data (paths and texts) and the :class:`GitLabProject` protocol:

* the branch is missing: commit on it (``start_sha`` = the target's head), lint the CI on it,
  then open the MR. Any failure after the commit deletes the branch again.
* the branch holds an earlier run's commit that no longer matches: the new commit is linted
  on a short-lived ``<branch>-lint`` branch first (its commit says ``[skip ci]``), which is
  deleted right after; only a valid change resets the branch (``force``) to one commit on the
  target's head. A failed lint leaves the branch and its MR as they were.
* the branch already holds exactly these changes on the target's head: no commit.

The open MR from the branch is updated (or adopted after a 409) instead of opening another.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.api import FileAction, GitLabProject, LintResult, MergeRequest
from runner_ext.gitlab.branch import (
    LINT_SUFFIX,
    BranchState,
    branch_state,
    check_branch_names,
    commit_message,
    file_actions,
    own_branch,
)
from runner_ext.gitlab.merge_request import (
    MrAction,
    ensure_mr,
    fit_description,
    planned_mr_action,
)

log = logging.getLogger(__name__)

BranchAction = Literal["create", "update", "none"]
_BRANCH_ACTION: dict[BranchState, BranchAction] = {
    "missing": "create", "stale": "update", "current": "none"}


@dataclass(frozen=True)
class ChangeSet:
    """What to propose: new file texts by path, the MR title and its Markdown description."""

    changes: Mapping[str, str]
    title: str
    description: str


@dataclass
class PublishOutcome:
    """What was done (or, with ``dry_run``, what would be done) on the GitLab side."""

    project: str
    branch: str
    target_branch: str
    target_sha: str
    dry_run: bool
    branch_action: BranchAction
    files: tuple[FileAction, ...]
    mr_action: MrAction
    mr: MergeRequest | None = None
    commit_sha: str | None = None
    created: bool = False
    lint: LintResult | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (file contents left out)."""
        lint = None if self.lint is None else {
            "valid": self.lint.valid, "errors": list(self.lint.errors),
            "warnings": list(self.lint.warnings)}
        mr = None if self.mr is None else {"iid": self.mr.iid, "url": self.mr.web_url}
        return {"project": self.project, "branch": self.branch,
                "target_branch": self.target_branch, "target_sha": self.target_sha,
                "dry_run": self.dry_run, "branch_action": self.branch_action,
                "created": self.created, "commit": self.commit_sha,
                "files": [{"action": f.action, "path": f.path} for f in self.files],
                "merge_request": {"action": self.mr_action, **(mr or {})},
                "lint": lint, "notes": list(self.notes)}


def publish(project: GitLabProject, change: ChangeSet, *, branch: str, target_branch: str,
            target_sha: str, dry_run: bool, existing: Collection[str] | None = None,
            ) -> PublishOutcome:
    """Put ``change`` on ``branch`` as one commit on ``target_sha`` and open or update its MR.

    ``existing`` lists the files at ``target_sha`` (fetched when not given). With ``dry_run``
    only reads happen.
    """
    check_branch_names(branch, target_branch)
    if not change.changes:
        raise ValueError("publish() needs at least one changed file")
    present = project.list_files(target_sha) if existing is None else existing
    actions = file_actions(change.changes, present)
    description = fit_description(change.description)
    state = branch_state(project, branch, target_sha, change.changes)
    existing_mr = project.find_open_mr(branch, target_branch)
    outcome = PublishOutcome(
        project=project.path, branch=branch, target_branch=target_branch,
        target_sha=target_sha, dry_run=dry_run, branch_action=_BRANCH_ACTION[state],
        files=tuple(actions), mr=existing_mr,
        mr_action=planned_mr_action(existing_mr, change.title, description))
    if dry_run:
        return outcome
    message = commit_message(change.title, actions)
    if state == "missing":
        _create_branch(project, outcome, message, change, description, existing_mr)
        return outcome
    if state == "stale":
        _replace_commit(project, outcome, message, change)
    else:
        outcome.lint = _lint(project, branch, change.changes)
        _require_valid(outcome.lint, project, kept=branch)
    _open_mr(project, outcome, change.title, description, existing_mr)
    return outcome


def _create_branch(project: GitLabProject, outcome: PublishOutcome, message: str,
                   change: ChangeSet, description: str, existing_mr: MergeRequest | None,
                   ) -> None:
    branch = outcome.branch
    try:
        outcome.commit_sha = project.commit(branch, start_sha=outcome.target_sha,
                                            message=message, actions=list(outcome.files)).sha
    except BaseException as exc:
        outcome.commit_sha = _landed(project, outcome, change, exc)
    outcome.created = True
    try:
        outcome.lint = _lint(project, branch, change.changes)
        _require_valid(outcome.lint, project)
        _open_mr(project, outcome, change.title, description, existing_mr)
    except BaseException as exc:
        _raise_cleaned_up(project, outcome, exc)


def _landed(project: GitLabProject, outcome: PublishOutcome, change: ChangeSet,
            exc: BaseException) -> str:
    """After a failed commit request: the commit, if GitLab made it and only the answer was lost.

    Otherwise the branch (if the request created it after all) is deleted and ``exc`` raised.
    """
    if isinstance(exc, RunnerExtError):
        try:
            if branch_state(project, outcome.branch, outcome.target_sha,
                            change.changes) == "current":
                head = project.branch_sha(outcome.branch)
                if head is not None:
                    outcome.notes.append("GitLab made the commit but its answer was lost; "
                                         "the run went on with it")
                    return head
        except RunnerExtError:
            pass
    _raise_cleaned_up(project, outcome, exc, only_if_ours=True)


def _replace_commit(project: GitLabProject, outcome: PublishOutcome, message: str,
                    change: ChangeSet) -> None:
    scratch = f"{outcome.branch}{LINT_SUFFIX}"
    title = message.split("\n", 1)[0]
    project.commit(scratch, start_sha=outcome.target_sha, force=True, actions=list(outcome.files),
                   message=commit_message(title, list(outcome.files), skip_ci=True))
    try:
        outcome.lint = _lint(project, scratch, change.changes)
    finally:
        _delete_quietly(project, scratch, outcome.notes)
    _require_valid(outcome.lint, project, kept=outcome.branch)
    commit = project.commit(outcome.branch, start_sha=outcome.target_sha, message=message,
                            actions=list(outcome.files), force=True)
    outcome.commit_sha = commit.sha


def _open_mr(project: GitLabProject, outcome: PublishOutcome, title: str, description: str,
             existing_mr: MergeRequest | None) -> None:
    outcome.mr, outcome.mr_action = ensure_mr(
        project, existing_mr, branch=outcome.branch, target_branch=outcome.target_branch,
        title=title, description=description)


def _lint(project: GitLabProject, ref: str, changes: Mapping[str, str]) -> LintResult | None:
    """Lint the project's CI file as it is on ``ref``; ``None`` when it has none here."""
    path = project.ci_config_path
    if "@" in path or "://" in path:
        log.info("CI configuration lives outside the project (%s); lint skipped", path)
        return None
    content = changes.get(path)
    if content is None:
        raw = project.read(path, ref)
        if raw is None:
            return None
        content = raw.decode("utf-8", errors="replace")
    return project.lint(content, ref=ref)


def _require_valid(result: LintResult | None, project: GitLabProject, *,
                   kept: str | None = None) -> None:
    if result is None or result.valid:
        return
    path = project.ci_config_path
    problems = [Problem("GitLab's CI lint rejects the migrated CI configuration", file=path,
                        hint="fix the reasons below (or the org config) and run the "
                             "migration again")]
    problems += [Problem(error, file=path) for error in result.errors or ("(no reason given)",)]
    if kept:
        problems.append(Problem(f"branch {kept!r} and its merge request were left as they were"))
    raise RunnerExtError(Category.GITLAB, problems)


def _raise_cleaned_up(project: GitLabProject, outcome: PublishOutcome, exc: BaseException, *,
                      only_if_ours: bool = False) -> NoReturn:
    """Delete the branch this run created, then re-raise ``exc`` telling what was left.

    ``only_if_ours``: the commit request failed, so the branch exists only if GitLab made the
    commit anyway; it is deleted only when it holds nothing but runner-ext commits.
    """
    branch, notes = outcome.branch, []
    try:
        if not only_if_ours or own_branch(project, branch, outcome.target_sha) is not None:
            project.delete_branch(branch)
            notes.append(f"branch {branch!r}, created by this run, was deleted again")
    except RunnerExtError as cleanup:
        notes.append(f"branch {branch!r} was not cleaned up ({cleanup}); "
                     "delete it by hand if this run created it")
    if not isinstance(exc, RunnerExtError):
        for note in notes:
            log.warning("%s", note)
        raise exc
    raise RunnerExtError(exc.category, [*exc.problems, *(Problem(n) for n in notes)]) from exc


def _delete_quietly(project: GitLabProject, branch: str, notes: list[str]) -> None:
    try:
        project.delete_branch(branch)
    except RunnerExtError as exc:
        notes.append(f"the lint branch {branch!r} could not be deleted ({exc}); "
                     "delete it by hand")
