"""Golden rewrites: every example in ci-examples/ and every case in tests/golden/migrate/cases.

For each project the expected folder holds the full new text of every file the migration
changes (CI files and Dockerfiles) and ``report.md``, the Markdown report (also the merge
request description). A file that must not change has no expected copy; the test checks
that the set of changed files is exactly the expected one.

Regenerate after an intended change with ``RUNNER_EXT_UPDATE_GOLDEN=1 python3 -m pytest
tests/test_migrate_golden.py`` and review ``git diff tests/golden/migrate`` like code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from golden import check_golden, updating
from test_migrate_support import PROJECTS, REPORT, Project, read_tree

from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.parse.cifiles import parse_ci_file
from runner_ext.migrate.parse.spans import entry_span, line_start
from runner_ext.migrate.rewrite.write import write_changes


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_golden_rewrite(name: str) -> None:
    project = PROJECTS[name]
    result = project.migrate()
    if updating() and project.expected.exists():
        shutil.rmtree(project.expected)
    for path, text in result.changes.items():
        check_exact(project.expected / path, text)
    check_golden(project.expected / REPORT, result.to_markdown())
    expected = set(read_tree(project.expected)) - {REPORT}
    assert set(result.changes) == expected
    for path in result.changes:
        assert result.originals[path] == (project.input / path).read_bytes().decode()


def check_exact(path: Path, actual: str) -> None:
    """Like ``check_golden``, but byte for byte (CRLF files stay CRLF)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"missing golden file {path}; run with RUNNER_EXT_UPDATE_GOLDEN=1"
    assert path.read_bytes().decode("utf-8") == actual, f"{path} differs"


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_idempotent(name: str, tmp_path: Path) -> None:
    """Migrating the migrated project changes nothing: migrating twice = migrating once."""
    project = PROJECTS[name]
    root = tmp_path / "project"
    shutil.copytree(project.input, root)
    write_changes(root, project.migrate().changes)
    again = migrate_project(LocalSource(root), config=project.config(),
                            strategy=project.strategy, keep_daemonless=project.keep_daemonless)
    assert again.changes == {}
    first = {(j.name, j.status) for j in project.migrate().jobs}
    for job in again.jobs:
        if (job.name, "migrated") in first:
            assert job.status == "already-daemonless"


def _outside_jobs(text: str, path: str, names: list[str]) -> str:
    """The file's text with the named jobs and ``include:`` cut out (cut points marked)."""
    ci = parse_ci_file(path, text.encode())
    assert ci.root is not None
    spans = []
    for key, value in ci.root.pairs:
        if key.value in names or key.value == "include":
            span = entry_span(ci.text, key, value)
            assert span is not None
            start = line_start(ci.text, key.start) if key.value == "include" else span[0]
            spans.append((start, span[1]))
    return _outside(ci.text, spans)


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    """The text between the spans (blank lines at the cut points don't count)."""
    kept, last = [], 0
    for start, end in sorted(spans):
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return "\n".join(part.strip("\n") for part in kept if part.strip("\n"))


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_unchanged_outside_rewritten_jobs(name: str) -> None:
    """Outside the rewritten jobs and ``include:``, a CI file stays byte for byte the same."""
    result = PROJECTS[name].migrate()
    for path in result.changes:
        if not path.endswith((".yml", ".yaml")):
            continue
        migrated = [j.name for j in result.jobs if j.file == path and j.status == "migrated"]
        before = _outside_jobs(result.originals[path], path, migrated)
        after = _outside_jobs(result.changes[path], path, migrated)
        assert before == after


def test_every_case_is_named_for_what_it_shows() -> None:
    """Each rule of the CI catalog has at least one golden case named after it."""
    from runner_ext.migrate.rules import RULES

    names = " ".join(PROJECTS)
    for rule in RULES:
        assert f"case-{rule.ID.lower()}-" in names, f"no golden case for {rule.ID}"


def _project(name: str) -> Project:
    return PROJECTS[name]
