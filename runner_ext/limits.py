"""Every bound runner-ext puts on untrusted input, in one place.

Project members write the CI files, Dockerfiles and manifests runner-ext reads, so their size
and shape must not decide how long a run takes or how much memory it needs. Each limit has
one value and one message; the parsers raise :meth:`Limit.error`, and ``docs/security.md``
shows :func:`markdown_table` (a test keeps the two equal). The values are far above what real
projects need and, where GitLab has a limit of its own, no stricter than GitLab's default.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.errors import Category, Problem, RunnerExtError


@dataclass(frozen=True)
class Limit:
    """One bound: its value, what it applies to, and the error a person sees past it."""

    value: int
    unit: str
    applies_to: str
    message: str
    hint: str

    def text(self, what: str | None = None) -> str:
        """The error message (``what`` names the kind of file where the message has one)."""
        return self.message.format(limit=self.value, what=what or "")

    def error(self, *, file: str | None, line: int | None = None, got: str | None = None,
              what: str | None = None) -> RunnerExtError:
        """The located input error for going past this limit."""
        return RunnerExtError(Category.INPUT, Problem(
            self.text(what), file=file, line=line, value=got, hint=self.hint))


FILE_BYTES = Limit(
    1024 * 1024, "bytes", "each CI file and each project file a job's script runs "
    "(checked before parsing)",
    "{what} is too large to migrate safely (more than {limit} bytes)",
    "split it with include: local (GitLab refuses CI files in the low megabytes too)")
CI_FILES = Limit(
    150, "files", "CI files read through local includes, the root file included",
    "more than {limit} CI files are included",
    "GitLab stops at 150 includes as well; include fewer files")
YAML_DEPTH = Limit(
    100, "levels", "nesting of YAML collections (CI files, manifests), aliases counted "
    "as the nesting they stand for",
    "YAML nests deeper than {limit} levels",
    "flatten the structure (GitLab's default max_yaml_depth is 100)")
YAML_NODES = Limit(
    250_000, "nodes", "YAML nodes of one file once every alias is expanded (CI files, "
    "manifests)",
    "YAML aliases expand to more than {limit} nodes",
    "each alias repeats its anchor's whole content; nest fewer aliases in one another")
SCRIPT_LINES = Limit(
    100_000, "lines", "script lines of all jobs together, once extends and !reference are "
    "resolved (each job's before_script, script and after_script)",
    "job scripts expand to more than {limit} lines (extends and !reference resolved)",
    "a !reference to lists of !references repeats them all; reference fewer in one another")
MANIFEST_BYTES = Limit(
    1024 * 1024, "bytes", "each manifest given to check pod (checked before parsing)",
    "manifest is too large to check (more than {limit} bytes)",
    "split it into several files")
DOCKERFILE_BYTES = Limit(
    1024 * 1024, "bytes", "each Dockerfile (checked before decoding)",
    "Dockerfile is too large (more than {limit} bytes)",
    "a Dockerfile this size is generated; check the generator's output in smaller files")
DOCKERFILE_LINES = Limit(
    10_000, "lines", "each Dockerfile (checked before parsing)",
    "Dockerfile has more than {limit} lines",
    "split the build into several Dockerfiles")
DOCKERFILE_LINE_BYTES = Limit(
    65535, "bytes", "one line of a Dockerfile (Docker's own parser stops there too)",
    "line longer than {limit} bytes",
    "split it with a line continuation (\\)")
DOCKERFILE_INSTRUCTIONS = Limit(
    2_000, "instructions", "instructions of one Dockerfile (checked right after parsing)",
    "Dockerfile has more than {limit} instructions",
    "split the build into several Dockerfiles, or merge related RUN steps")
DOCKERFILE_STAGES = Limit(
    500, "stages", "build stages (FROM instructions) of one Dockerfile",
    "Dockerfile has more than {limit} build stages",
    "split the build into several Dockerfiles")

LIMITS: dict[str, Limit] = {
    "FILE_BYTES": FILE_BYTES,
    "CI_FILES": CI_FILES,
    "YAML_DEPTH": YAML_DEPTH,
    "YAML_NODES": YAML_NODES,
    "SCRIPT_LINES": SCRIPT_LINES,
    "MANIFEST_BYTES": MANIFEST_BYTES,
    "DOCKERFILE_BYTES": DOCKERFILE_BYTES,
    "DOCKERFILE_LINES": DOCKERFILE_LINES,
    "DOCKERFILE_LINE_BYTES": DOCKERFILE_LINE_BYTES,
    "DOCKERFILE_INSTRUCTIONS": DOCKERFILE_INSTRUCTIONS,
    "DOCKERFILE_STAGES": DOCKERFILE_STAGES,
}


def markdown_table() -> str:
    """The limits as the Markdown table ``docs/security.md`` shows."""
    rows = ["| limit | value | applies to | error message |", "|---|---|---|---|"]
    for name, limit in LIMITS.items():
        message = limit.text("CI file" if "{what}" in limit.message else None)
        rows.append(f"| `{name}` | {limit.value:,} {limit.unit} | {limit.applies_to} | "
                    f"`{message}`; {limit.hint} |")
    return "\n".join(rows) + "\n"
