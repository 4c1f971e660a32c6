"""Running the migration on each project of a corpus, on a private copy, and summing up."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner_ext.config import OrgConfig, load_config
from runner_ext.errors import ExitCode, RunnerExtError
from runner_ext.migrate.analyse.jobs import Pipeline
from runner_ext.migrate.corpus.classify import image_jobs
from runner_ext.migrate.corpus.reasons import reason_code
from runner_ext.migrate.parse.cifiles import load_ci_files
from runner_ext.migrate.parse.source import LocalSource
from runner_ext.migrate.project import migrate_project
from runner_ext.migrate.report.result import MigrationResult


@dataclass(frozen=True)
class ProjectOutcome:
    """What the migration made of one corpus project.

    ``status`` is ``ok``, ``error`` (the migration refused the project as bad input, as the
    command would with exit code 2) or ``crash`` (any other exception: a bug).
    """

    slug: str
    status: str
    builds_images: bool = False
    image_jobs: tuple[str, ...] = ()
    declarative: tuple[str, ...] = ()
    shim: tuple[str, ...] = ()
    daemonless: tuple[str, ...] = ()
    left: tuple[tuple[str, str], ...] = ()  # (job, reason code)
    reasons: dict[str, str] = field(default_factory=dict)  # job → the report's sentence
    error: str = ""
    seconds: float = 0.0

    @property
    def unseen(self) -> tuple[str, ...]:
        """Jobs the classifier says build or push an image but the migration did not report."""
        reported = {*self.declarative, *self.shim, *self.daemonless, *(j for j, _ in self.left)}
        return tuple(j for j in self.image_jobs if j not in reported)

    @property
    def migrated(self) -> bool:
        """At least one job would move."""
        return bool(self.declarative or self.shim)

    def summary(self) -> dict[str, Any]:
        """The timing-free outcome pinned in the golden summary."""
        entry: dict[str, Any] = {"status": self.status, "builds_images": self.builds_images}
        for key in ("image_jobs", "declarative", "shim", "daemonless"):
            if getattr(self, key):
                entry[key] = list(getattr(self, key))
        if self.left:
            entry["left"] = {job: code for job, code in self.left}
        if self.unseen:
            entry["unseen"] = list(self.unseen)
        if self.error:
            entry["error"] = self.error
        return entry


def corpus_projects(corpus: Path) -> list[Path]:
    """The project folders of a corpus: every sub-folder holding a ``.gitlab-ci.yml``."""
    return sorted(p.parent for p in corpus.glob("*/.gitlab-ci.yml"))


def run_project(project: Path, *, config: OrgConfig | None = None) -> ProjectOutcome:
    """Run the migration's local core (dry run, strategy auto) on a copy of ``project``.

    Nothing is written anywhere but a temporary folder, which is removed again.
    """
    config = config or load_config(None)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="runner-ext-corpus-") as tmp:
        copy = Path(tmp) / project.name
        shutil.copytree(project, copy, symlinks=True)
        outcome = _outcome(project.name, LocalSource(copy), config)
    return _timed(outcome, time.perf_counter() - start)


def _outcome(slug: str, source: LocalSource, config: OrgConfig) -> ProjectOutcome:
    try:
        builds = _image_jobs(source)
        result = migrate_project(source, config=config, strategy="auto")
    except RunnerExtError as error:
        status = "crash" if error.exit_code is ExitCode.BUG else "error"
        return ProjectOutcome(slug, status, error=_one_line(error))
    except Exception as error:
        return ProjectOutcome(slug, "crash", error=_one_line(error))
    return _from_result(slug, builds, result)


def _image_jobs(source: LocalSource) -> list[str]:
    ci_files, _ = load_ci_files(source)
    cache: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in cache:
            try:
                raw = source.read(path)
            except RunnerExtError:
                raw = None
            cache[path] = None if raw is None else raw.decode("utf-8", "replace")
        return cache[path]

    return image_jobs(Pipeline(ci_files), read)


def _from_result(slug: str, builds: list[str], result: MigrationResult) -> ProjectOutcome:
    def named(status: str, strategy: str = "") -> tuple[str, ...]:
        return tuple(j.name for j in result.jobs
                     if j.status == status and (not strategy or j.strategy == strategy))

    left = [j for j in result.jobs if j.status == "left"]
    return ProjectOutcome(
        slug, "ok", builds_images=bool(builds), image_jobs=tuple(builds),
        declarative=named("migrated", "declarative"), shim=named("migrated", "shim"),
        daemonless=named("already-daemonless"),
        left=tuple((j.name, reason_code(j.reason)) for j in left),
        reasons={j.name: j.reason for j in left})


def _timed(outcome: ProjectOutcome, seconds: float) -> ProjectOutcome:
    return ProjectOutcome(**{**outcome.__dict__, "seconds": seconds})


def _one_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:200]


def run_corpus(corpus: Path, *, limit: int | None = None,
               config: OrgConfig | None = None) -> list[ProjectOutcome]:
    """Run every project of the corpus (the first ``limit`` ones when given), in order."""
    config = config or load_config(None)
    projects = corpus_projects(corpus)[:limit]
    return [run_project(p, config=config) for p in projects]


def golden_summary(outcomes: list[ProjectOutcome]) -> str:
    """The outcomes as JSON, one line per project sorted by name, for a readable diff."""
    rows = [f"  {json.dumps(o.slug)}: {json.dumps(o.summary(), sort_keys=True)}"
            for o in sorted(outcomes, key=lambda o: o.slug)]
    return "{\n" + ",\n".join(rows) + "\n}\n"


def corpus_table(outcomes: list[ProjectOutcome]) -> dict[str, Any]:
    """The corpus in numbers: projects, image builders, migrated, jobs, reasons, time."""
    ok = [o for o in outcomes if o.status == "ok"]
    builders = [o for o in ok if o.builds_images]
    reasons = Counter(code for o in ok for _, code in o.left)
    reasons.update({"unseen": sum(len(o.unseen) for o in ok)} if any(o.unseen for o in ok) else {})
    examples: dict[str, list[str]] = {}
    for o in ok:
        for code in [c for _, c in o.left] + ["unseen"] * len(o.unseen):
            if o.slug not in examples.setdefault(code, []):
                examples[code].append(o.slug)
    seconds = [o.seconds for o in outcomes]

    def share(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 0.0

    migrated = [o for o in builders if o.migrated]
    return {
        "projects": len(outcomes),
        "building_images": len(builders),
        "migrated": {
            "any": len(migrated), "any_percent": share(len(migrated), len(builders)),
            "declarative": sum(1 for o in builders if o.declarative),
            "shim": sum(1 for o in builders if o.shim),
            "fully": sum(1 for o in migrated if not o.left),
            "already_daemonless": sum(1 for o in builders if o.daemonless and not o.left),
        },
        "jobs": {
            "image_jobs": sum(len(o.image_jobs) for o in ok),
            "looked_at": sum(len(o.declarative) + len(o.shim) + len(o.daemonless) + len(o.left)
                             for o in ok),
            "declarative": sum(len(o.declarative) for o in ok),
            "shim": sum(len(o.shim) for o in ok),
            "already_daemonless": sum(len(o.daemonless) for o in ok),
            "left": sum(len(o.left) for o in ok),
            "unseen": sum(len(o.unseen) for o in ok),
        },
        "left_by_reason": {code: {"jobs": n, "examples": examples[code][:3]}
                           for code, n in reasons.most_common()},
        "errors": [f"{o.slug}: {o.error}" for o in outcomes if o.status == "error"],
        "crashes": [f"{o.slug}: {o.error}" for o in outcomes if o.status == "crash"],
        "seconds": {
            "median": round(statistics.median(seconds), 3) if seconds else 0.0,
            "max": round(max(seconds), 3) if seconds else 0.0,
            "total": round(sum(seconds), 2),
        },
    }
