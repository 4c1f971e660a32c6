"""Opening the projects a group command works on: one named project, or a group's projects.

What the user named must exist: an unknown project or group, a token GitLab refuses and a
group without projects are bad input (exit 2), said in one line. A project of the group that
cannot be opened is that project's error, not the run's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.client import RestProject, connect
from runner_ext.gitlab.errors import HINTS, GitLabApiError
from runner_ext.gitlab.jobs import JobHistory

if TYPE_CHECKING:
    from runner_ext.gitlab.group import ProjectInfo

@contextmanager
def named_input(what: str, value: str) -> Iterator[None]:
    """Turn GitLab refusing the token (401) or not knowing ``value`` (404) into bad input,
    worded as :class:`runner_ext.gitlab.group.RestGroup` words them for a group."""
    try:
        yield
    except GitLabApiError as exc:
        if exc.status == 401:
            raise RunnerExtError(Category.USAGE, Problem(
                "GitLab refused the token (HTTP 401)", key="GITLAB_TOKEN",
                hint=HINTS[401])) from None
        if exc.status == 404:
            raise RunnerExtError(Category.USAGE, Problem(
                f"no such {what}, or the token cannot see it", key=what.upper(), value=value,
                hint=f"give the {what}'s full path as in its URL")) from None
        raise


def open_project(credentials: Credentials, path: str) -> RestProject:
    """The project the user named."""
    with named_input("project", path):
        return connect(credentials, path)


def group_projects(credentials: Credentials, group: str, *,
                   workers: int = 1) -> list[ProjectInfo]:
    """Every project of ``group`` and its subgroups; none is bad input."""
    from runner_ext.gitlab.group import RestGroup

    with named_input("group", group):
        found = RestGroup(credentials, group, workers=workers).projects()
    if not found:
        raise RunnerExtError(Category.USAGE, Problem(
            "the group has no projects (in it or its subgroups) that the token can see",
            key="GROUP", value=group, hint="check the group's path and the token's access"))
    return found


def open_projects(credentials: Credentials, *, project: str | None, group: str | None,
                  ) -> list[tuple[str, JobHistory | RunnerExtError]]:
    """The named project, or each project of the group (an error in its place when it
    cannot be opened)."""
    if project is not None:
        return [(project, open_project(credentials, project))]
    assert group is not None
    opened: list[tuple[str, JobHistory | RunnerExtError]] = []
    for info in group_projects(credentials, group):
        try:
            opened.append((info.path, connect(credentials, str(info.id))))
        except RunnerExtError as exc:
            opened.append((info.path, exc))
    return opened
