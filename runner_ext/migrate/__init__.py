"""Migrating a project's image builds to runner-ext.

``migrate_project(source, config=…)`` reads a project (a local folder or, through
:class:`~runner_ext.migrate.parse.source.ProjectSource`, the GitLab API), finds the jobs that build
images with a Docker daemon, rewrites those it can move safely to the runner-ext template,
applies the safe Dockerfile cache fixes, and returns a :class:`MigrationResult` — the new
file contents and a report. Nothing is written; callers decide where the changes go.
"""

from runner_ext.migrate.parse.source import LocalSource, ProjectSource
from runner_ext.migrate.project import migrate_project
from runner_ext.migrate.report.result import DockerfileOutcome, JobOutcome, MigrationResult

__all__ = ["DockerfileOutcome", "JobOutcome", "LocalSource", "MigrationResult",
           "ProjectSource", "migrate_project"]
