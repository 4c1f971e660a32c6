"""GitLab mode: migrate a project through the API and propose the result as a merge request.

Reads every file at the target branch's head commit, runs the same migration as local mode,
and, when something changes, hands the new texts to :func:`runner_ext.gitlab.publish.publish`
(one commit on the migration branch, CI lint, one MR). ``dry_run`` only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.api import GitLabProject
from runner_ext.gitlab.auth import resolve_credentials
from runner_ext.gitlab.branch import check_branch_names
from runner_ext.gitlab.client import MAX_RETRIES, connect
from runner_ext.gitlab.publish import ChangeSet, PublishOutcome, publish
from runner_ext.gitlab.source import GitLabSource
from runner_ext.migrate.parse.cifiles import ROOT_CI_FILE
from runner_ext.migrate.parse.source import project_path

if TYPE_CHECKING:
    from runner_ext.config import Engine, OrgConfig
    from runner_ext.migrate.shim.strategy import Strategy
from runner_ext.migrate.report.result import MigrationResult

DEFAULT_BRANCH = "runner-ext/migrate"
OUTSIDE_CI_CONFIGURATION = "the project's CI configuration lives outside its repository"


@dataclass
class RemoteOutcome:
    """The migration result and what happened to the branch and merge request."""

    result: MigrationResult
    gitlab_url: str
    project: str
    target_branch: str
    target_sha: str
    branch: str
    dry_run: bool
    published: PublishOutcome | None = None

    @property
    def mr_url(self) -> str | None:
        """The merge request's web address, once there is one."""
        mr = self.published.mr if self.published else None
        return mr.web_url if mr else None

    @property
    def mr_iid(self) -> int | None:
        """The merge request's number in the project."""
        mr = self.published.mr if self.published else None
        return mr.iid if mr else None

    @property
    def created(self) -> bool:
        """True when this run created the migration branch."""
        return bool(self.published and self.published.created)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the GitLab side and the migration report."""
        return {"mode": "gitlab", "gitlab_url": self.gitlab_url, "project": self.project,
                "target_branch": self.target_branch, "target_sha": self.target_sha,
                "branch": self.branch, "dry_run": self.dry_run,
                "has_changes": self.result.has_changes,
                "gitlab": self.published.to_dict() if self.published else None,
                "migration": self.result.to_dict()}

    def to_text(self) -> str:
        """A few lines for a terminal saying what happened on GitLab."""
        return "\n".join(describe(self))


def migrate_remote(*, gitlab_url: str, project: str, token: str | None, config: OrgConfig,
                   engine: Engine | None, dockerfile_fixes: str, branch: str = DEFAULT_BRANCH,
                   target_branch: str | None = None, dry_run: bool = False,
                   gitlab_config_section: str | None = None,
                   max_retries: int = MAX_RETRIES, allow_insecure: bool = False,
                   strategy: Strategy = "auto", keep_daemonless: bool = False
                   ) -> RemoteOutcome:
    """Migrate ``project`` on ``gitlab_url``; propose the change as one commit in one MR.

    The token is ``token``, else the python-gitlab config section named, else
    ``GITLAB_TOKEN``, else python-gitlab's default section. A plain ``http://`` URL is
    refused unless ``allow_insecure`` (or the host is a loopback address).
    """
    credentials = resolve_credentials(gitlab_url, token, gitlab_config_section,
                                      allow_insecure=allow_insecure)
    remote = connect(credentials, project, max_retries=max_retries)
    return migrate_gitlab_project(
        remote, gitlab_url=credentials.url, config=config, engine=engine,
        dockerfile_fixes=dockerfile_fixes, branch=branch, target_branch=target_branch,
        dry_run=dry_run, strategy=strategy, keep_daemonless=keep_daemonless)


def migrate_gitlab_project(remote: GitLabProject, *, gitlab_url: str, config: OrgConfig,
                           engine: Engine | None, dockerfile_fixes: str, branch: str,
                           target_branch: str | None, dry_run: bool,
                           strategy: Strategy = "auto", keep_daemonless: bool = False
                           ) -> RemoteOutcome:
    """The GitLab-mode flow on an opened project."""
    target = _target_branch(remote, target_branch)
    check_branch_names(branch, target)
    target_sha = remote.branch_sha(target)
    if target_sha is None:
        raise RunnerExtError(Category.GITLAB, Problem(
            f"branch {target!r} does not exist in {remote.path}", key="--target-branch",
            value=target, hint="name an existing branch, or leave it out for the default"))
    source = GitLabSource(remote, target_sha)
    from runner_ext.migrate import migrate_project

    result = migrate_project(source, config=config, engine=engine,
                             dockerfile_fixes=dockerfile_fixes, strategy=strategy,
                             ci_config_path=ci_file_in_project(remote),
                             keep_daemonless=keep_daemonless)
    outcome = RemoteOutcome(result=result, gitlab_url=gitlab_url, project=remote.path,
                            target_branch=target, target_sha=target_sha, branch=branch,
                            dry_run=dry_run)
    if result.has_changes:
        change = ChangeSet(dict(result.changes), title=mr_title(result),
                           description=result.to_markdown())
        outcome.published = publish(remote, change, branch=branch, target_branch=target,
                                    target_sha=target_sha, dry_run=dry_run,
                                    existing=source.list_files())
    return outcome


def ci_file_in_project(remote: GitLabProject) -> str:
    """The project's CI file (its ``ci_config_path``) as a path in the repository.

    A configuration kept in another project (``file.yml@group/project``) or at a URL is
    refused: the migration would have to change that project instead.
    """
    configured = remote.ci_config_path or ROOT_CI_FILE
    path = project_path(configured)
    if "@" in configured or "://" in configured or not path:
        raise RunnerExtError(Category.INPUT, Problem(
            OUTSIDE_CI_CONFIGURATION,
            file=remote.path, key="ci_config_path", value=configured,
            hint="migrate the project that holds that file, or point the project's CI/CD "
                 "configuration file setting at a file in its own repository"))
    return path


def _target_branch(remote: GitLabProject, given: str | None) -> str:
    target = given or remote.default_branch
    if not target:
        raise RunnerExtError(Category.GITLAB, Problem(
            f"{remote.path} has no default branch (an empty repository)",
            key="--target-branch", hint="push a first commit, or name the branch to migrate"))
    return target


def mr_title(result: MigrationResult) -> str:
    """The merge request and commit title."""
    return f"Move image builds to daemonless {result.engine} builds (runner-ext)"


def describe(outcome: RemoteOutcome) -> list[str]:
    """What happened (or would happen) on GitLab, one line each."""
    where = f"{outcome.project}@{outcome.target_branch} ({outcome.target_sha[:12]})"
    done = outcome.published
    if done is None:
        return [f"{where}: nothing to change; nothing written"]
    verb = "would" if outcome.dry_run else "did"
    lines = [f"{where}: {len(done.files)} file(s) change",
             f"branch {outcome.branch}: {verb} {_BRANCH_WORDS[done.branch_action]}",
             f"merge request: {verb} {_MR_WORDS[done.mr_action]}"
             + (f" {done.mr.web_url}" if done.mr else "")]
    if done.lint is not None:
        lines.append(f"CI lint on {outcome.branch}: valid"
                     + (f", {len(done.lint.warnings)} warning(s)" if done.lint.warnings else ""))
    return lines + done.notes


_BRANCH_WORDS = {"create": "create it with one commit",
                 "update": "reset it to one new commit on the target",
                 "none": "keep it (it already holds these changes)"}
_MR_WORDS = {"create": "open one", "update": "update it", "adopt": "adopt and update it",
             "none": "keep it (already up to date)"}
