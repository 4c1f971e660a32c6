"""The outcome of analysing one job: a build request to rewrite it with, or a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """Why a job is left as it is, and what its owners can do instead."""

    reason: str
    suggestion: str
    rule: str | None = None
    # The command an extra step runs that the declarative executor image lacks ('' if none):
    # ``auto`` tries the shim when the shim image has it.
    missing_tool: str = ""


class Refused(Exception):
    """Raised inside the analysis to stop at the first reason a job can't be migrated."""

    def __init__(self, reason: str, suggestion: str, rule: str | None = None,
                 missing_tool: str = "") -> None:
        super().__init__(reason)
        self.refusal = Refusal(reason, suggestion, rule, missing_tool)


@dataclass
class BuildRequest:
    """What the migrated job must build and push (paths relative to the project root)."""

    dockerfile: str
    context: str
    destinations: list[str]
    build_args: list[str] = field(default_factory=list)
    target: str = ""
    labels: list[str] = field(default_factory=list)
    platform: str = ""
    cache: bool = True
    cache_repo: str = ""
    # False: a build check (the job built without pushing): the engine job pushes nothing.
    push: bool = True
    # Every tag the image has when the script ends (built, tagged), as written: what a later
    # job that pushes from the same Docker daemon may push.
    tags: list[str] = field(default_factory=list)
    # The engine this job needs when it is not the one chosen for the project ('' if none).
    engine: str = ""
    # Lines the migrated job runs before the build (its own script's work, carried over),
    # and the inputs those lines set at run time instead of the include.
    script: list[str] = field(default_factory=list)
    runtime_inputs: set[str] = field(default_factory=set)
    changes: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    # A promotion (no build): the image copied to ``destinations`` ('' for a build).
    promote_from: str = ""
    # Each ``parallel: matrix:`` instance's (Dockerfile, context) when they differ from the
    # written ones, which then hold the matrix variables (empty: one build, as written).
    instances: list[tuple[str, str]] = field(default_factory=list)

    def built(self) -> list[tuple[str, str]]:
        """Every (Dockerfile, context) the job builds: one per matrix instance, or one."""
        return self.instances or [(self.dockerfile, self.context)]


# For YAML runner-ext can't edit in place without touching other jobs.
RESHAPE = ("write this part of the YAML in plain block style, with no anchor shared with other "
           "jobs, then run migrate-project again — or migrate the job by hand "
           "(docs/migrate.md shows the form)")
MANUAL = ("move the build into its own job with only docker build/tag/push/login, then run "
          "migrate-project again — or write the runner-ext job by hand (docs/migrate.md)")
