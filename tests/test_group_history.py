"""The history report's statistics and parsing, on small datasets worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from runner_ext.gitlab.jobs import JobRun, MergedRequest
from runner_ext.group.history import (
    find_migration,
    median,
    migrated_jobs,
    percentile,
    project_history,
)
from runner_ext.group.history_output import clock
from runner_ext.markdown import escape

T0 = datetime(2026, 2, 1, tzinfo=timezone.utc)


def test_median_odd_and_even() -> None:
    assert median([30, 10, 20]) == 20
    assert median([40, 10, 30, 20]) == 25  # (20 + 30) / 2


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([15, 20, 35, 40, 50], 30, 20),     # rank ceil(1.5) = 2
    ([15, 20, 35, 40, 50], 40, 20),     # rank ceil(2.0) = 2
    ([15, 20, 35, 40, 50], 90, 50),     # rank ceil(4.5) = 5
    ([3, 1, 2], 100, 3),
    ([7], 90, 7),
])
def test_percentile_nearest_rank(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == expected


def test_no_values_is_an_error_not_a_number() -> None:
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        percentile([1], 0)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "-"), (0, "0:00"), (27, "0:27"), (190, "3:10"), (865, "14:25"), (3725, "1:02:05")])
def test_clock_as_the_kaniko_article_writes_times(seconds: float | None, text: str) -> None:
    assert clock(seconds) == text


def test_migrated_jobs_read_back_from_the_escaped_report() -> None:
    names = ["build-image", "docker_build|arm", "/merge now", "1. ship"]
    table = "\n".join(f"| {escape(n)} | .gitlab-ci.yml:{i} | migrated (shim) |"
                      for i, n in enumerate(names))
    description = ("| job | where | result |\n|---|---|---|\n" + table +
                   "\n| unit | .gitlab-ci.yml:9 | left as is |\n")
    assert migrated_jobs(description) == tuple(names)


def _mr(iid: int, merged_at: datetime | None, branch: str = "runner-ext/migrate",
        title: str = "chore", state: str = "merged") -> MergedRequest:
    return MergedRequest(iid, title, "| a | f:1 | migrated |", branch, "main", state,
                         merged_at, f"https://gl.example/x/-/merge_requests/{iid}")


def test_the_earliest_merged_migration_is_the_split() -> None:
    found = find_migration([
        _mr(5, T0 + timedelta(days=3)),
        _mr(2, T0),
        _mr(1, None, state="closed"),
        _mr(7, T0 - timedelta(days=9), branch="feature"),
    ])
    assert found is not None and found.iid == 2 and found.jobs == ("a",)
    assert find_migration([_mr(7, T0, branch="feature")]) is None


def _run(name: str, seconds: float | None, when: datetime, ref: str = "main") -> JobRun:
    return JobRun(1, name, "success", ref, seconds, when, None, None)


def test_split_at_the_merge_on_the_target_branch_only() -> None:
    migration = find_migration([_mr(1, T0)])
    runs = [_run("a", 100, T0 - timedelta(hours=2)), _run("a", 200, T0 - timedelta(hours=1)),
            _run("a", 10, T0), _run("a", 30, T0 + timedelta(hours=1)),
            _run("a", 1, T0 - timedelta(hours=3), ref="runner-ext/migrate"),
            _run("a", None, T0 + timedelta(hours=2)), _run("b", 999, T0)]
    history = project_history("x/y", runs, migration, min_samples=2)
    # before: 100, 200 -> median 150, p90 rank ceil(1.8) = 2 -> 200
    # after: 10, 30 -> median 20, p90 -> 30; ratio 150 / 20 = 7.5
    assert (history.before.n, history.before.median, history.before.p90) == (2, 150, 200)
    assert (history.after.n, history.after.median, history.after.p90) == (2, 20, 30)
    assert history.ratio == 7.5 and history.verdict() == "7.50x"
    assert project_history("x/y", runs, migration, min_samples=3).ratio is None


def test_job_names_read_back_from_a_real_migration_report() -> None:
    from conftest import REPO

    from runner_ext.config import load_config
    from runner_ext.migrate import LocalSource, migrate_project

    result = migrate_project(LocalSource(REPO / "ci-examples" / "dotnet"), config=load_config(None))
    migrated = tuple(j.name for j in result.jobs if j.status == "migrated")
    assert migrated and migrated_jobs(result.to_markdown()) == migrated
