"""Shared helpers for the migrate-project tests (golden projects and how to migrate them),
and a check that every golden project is complete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import REPO

from runner_ext.config import OrgConfig, load_config
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project
from runner_ext.migrate.shim.strategy import Strategy

GOLDEN = REPO / "tests" / "golden" / "migrate"
EXAMPLES = ("dotnet", "node", "python", "shim-compose", "shim-make", "shim-script")
REPORT = "report.md"


@dataclass(frozen=True)
class Project:
    """A project to migrate and where its expected output lives."""

    name: str
    input: Path
    expected: Path
    config_file: Path | None
    strategy: Strategy = "auto"
    keep_daemonless: bool = False  # migrate-project --keep-daemonless

    def config(self) -> OrgConfig:
        """The org config the project is migrated with."""
        return load_config(self.config_file)

    def migrate(self) -> MigrationResult:
        """Migrate the project as it is checked in."""
        return migrate_project(LocalSource(self.input), config=self.config(),
                               strategy=self.strategy, keep_daemonless=self.keep_daemonless)


def _case(path: Path) -> Project:
    config = path / "runner-ext.toml"
    strategy = path / "strategy"  # the --strategy the case is migrated with (default auto)
    return Project(f"case-{path.name}", path / "input", path / "expected",
                   config if config.is_file() else None,
                   strategy.read_text().strip() if strategy.is_file() else "auto",  # type: ignore[arg-type]
                   (path / "keep-daemonless").is_file())  # the case runs with --keep-daemonless


def _example(name: str) -> Project:
    return Project(f"example-{name}", REPO / "ci-examples" / name,
                   GOLDEN / "examples" / name / "expected", None)


CASES = [_case(p) for p in sorted((GOLDEN / "cases").iterdir()) if p.is_dir()]
PROJECTS = {p.name: p for p in [*(_example(n) for n in EXAMPLES), *CASES]}


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under a folder, relative path → bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_project_is_complete() -> None:
    """Each golden project has a CI file to migrate and a reviewed report."""
    assert {p.name for p in PROJECTS.values() if p.name.startswith("example-")} == {
        f"example-{n}" for n in EXAMPLES}
    for project in PROJECTS.values():
        assert (project.input / ".gitlab-ci.yml").is_file(), project.name
        assert (project.expected / REPORT).is_file(), project.name
