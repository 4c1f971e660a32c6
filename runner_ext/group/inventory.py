"""The scan's rows: one per project, with its class, risk, build jobs and Dockerfile findings.

A project's class is the most urgent of its jobs' classes (:data:`CLASSES` is in that order),
or what stopped it from being read (archived, empty, no access, no CI file, error).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Job classes, most urgent first: what the migration has to move away from.
JOB_CLASSES = (
    "docker-socket",   # docker through the host's socket mounted into the job
    "shell-docker",    # docker on a shell runner (the runner's user is in the docker group)
    "dind",            # a privileged docker:dind service
    "remote-daemon",   # DOCKER_HOST=tcp://… to a daemon elsewhere
    "kaniko", "buildkit", "buildah", "podman", "runner-ext",  # daemonless already
    "no-image-build",
)
DAEMONLESS = frozenset({"kaniko", "buildkit", "buildah", "podman", "runner-ext"})
# Projects whose CI was not (or could not be) read.
STATUS_CLASSES = ("archived", "empty", "no-access", "no-ci", "error")
CLASSES = JOB_CLASSES + STATUS_CLASSES
# What each risk is worth; a project's score is the sum of its risks.
RISK_POINTS = {"privileged-dind": 3, "socket-mount": 3, "shell-runner-docker": 3,
               "plaintext-login": 3, "latest-only": 1}


@dataclass
class JobRow:
    """One job that uses Docker or builds daemonless."""

    name: str
    file: str
    line: int
    kind: str
    rules: list[str] = field(default_factory=list)


@dataclass
class DockerfileRow:
    """One Dockerfile a build job names, with the Dockerfile rules' findings."""

    path: str
    jobs: list[str]
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class ProjectRow:
    """Everything the scan learnt about one project."""

    id: int
    path: str
    web_url: str
    kind: str
    ci_file: str = ""
    risks: list[str] = field(default_factory=list)
    jobs: list[JobRow] = field(default_factory=list)
    dockerfiles: list[DockerfileRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    calls: int = 0

    @property
    def risk(self) -> int:
        """The risk score: the sum of :data:`RISK_POINTS` of the risks found."""
        return sum(RISK_POINTS[r] for r in self.risks)

    @property
    def findings(self) -> int:
        """How many Dockerfile findings the project's build Dockerfiles have."""
        return sum(len(d.findings) for d in self.dockerfiles)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the risk score included."""
        return {**asdict(self), "risk": self.risk}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectRow:
        """The row :meth:`to_dict` wrote."""
        values = {k: v for k, v in data.items() if k != "risk"}
        values["jobs"] = [JobRow(**j) for j in values.get("jobs", [])]
        values["dockerfiles"] = [DockerfileRow(**d) for d in values.get("dockerfiles", [])]
        return cls(**values)


def project_class(jobs: list[JobRow]) -> str:
    """The most urgent class among the jobs (``no-image-build`` when none uses Docker)."""
    kinds = {j.kind for j in jobs}
    return next((k for k in JOB_CLASSES if k in kinds), "no-image-build")


def counts(rows: list[ProjectRow]) -> dict[str, int]:
    """Projects per class, every class listed (zeros too), in :data:`CLASSES` order."""
    found = {k: 0 for k in CLASSES}
    for row in rows:
        found[row.kind] = found.get(row.kind, 0) + 1
    return found
