"""Opening the projects a group command works on: one named project, or a group's projects.

What the user named must exist: an unknown project or group, a token GitLab refuses and a
group without projects are bad input (exit 2), said in one line. A project of the group that
cannot be opened is that project's error, not the run's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.gitlab.auth import Credentials
from runner_ext.gitlab.client import MAX_RETRIES, RestProject, connect
from runner_ext.gitlab.errors import HINTS, GitLabApiError
from runner_ext.gitlab.group import ProjectInfo, RestGroup
from runner_ext.gitlab.jobs import JobHistory


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


def open_group(credentials: Credentials, group: str, *, workers: int = 1,
               max_retries: int = MAX_RETRIES) -> tuple[RestGroup, list[ProjectInfo]]:
    """The group the user named and every project of it and its subgroups; a group without
    projects is bad input."""
    with named_input("group", group):
        opened = RestGroup(credentials, group, workers=workers, max_retries=max_retries)
        found = opened.projects()
    if not found:
        raise RunnerExtError(Category.USAGE, Problem(
            "the group has no projects (in it or its subgroups) that the token can see",
            key="GROUP", value=group, hint="check the group's path and the token's access"))
    return opened, found


def open_projects(credentials: Credentials, *, project: str | None, group: str | None,
                  ) -> list[tuple[str, Callable[[], JobHistory]]]:
    """The named project (opened now: bad input stops the run), or each project of the group
    with a function that opens it (an error then is that project's)."""
    if project is not None:
        opened = open_project(credentials, project)
        return [(project, lambda: opened)]
    assert group is not None
    return [(info.path, partial(connect, credentials, str(info.id)))
            for info in open_group(credentials, group)[1]]
