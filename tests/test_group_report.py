"""``runner-ext report``: build-job durations split at the migration merge, through python-gitlab
against the fake GitLab's jobs and merge requests API.

Expected values are worked out by hand in each test from a small dataset, never by calling the
statistics under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from runner_ext.cli.main import run
from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.lab.fake_gitlab_repo import FakeProject

TOKEN = "glpat-CANARY-report-5f1a90"
MIGRATED = """\
## runner-ext migration

Moves image builds to daemonless **kaniko** builds on the Kubernetes runner.

| job | where | result |
|---|---|---|
| build\\-image | .gitlab-ci.yml:12 | migrated (declarative) |
| unit | .gitlab-ci.yml:3 | left as is |
"""
BEFORE = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190]   # hourly from Jan 1
AFTER = [30, 32, 34, 36, 38, 40, 42, 44, 46, 48]               # hourly from Jan 11
MERGED = "2026-01-10T00:00:00Z"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitLab]:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    gitlab = FakeGitLab(token=TOKEN)
    with serve(gitlab):
        yield gitlab


def migrated_project(fake: FakeGitLab, path: str = "acme/app") -> FakeProject:
    project = fake.add_project(path, {".gitlab-ci.yml": "unit:\n  script: [make]\n"})
    history = fake.history
    history.merged_mr(project, merged_at=MERGED, description=MIGRATED)
    history.add_jobs(project, "build-image", BEFORE, start="2026-01-01T00:00:00Z")
    history.add_jobs(project, "build-image", AFTER, start="2026-01-11T00:00:00Z")
    # Not counted: another job, the migration branch's own runs, a failed run.
    history.add_jobs(project, "unit", [5, 5, 5], start="2026-01-01T00:30:00Z")
    history.add_jobs(project, "build-image", [1, 1], start="2026-01-09T00:00:00Z",
                     ref="runner-ext/migrate")
    history.add_jobs(project, "build-image", [999], start="2026-01-12T00:00:00Z",
                     status="failed")
    return project


def report(fake: FakeGitLab, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(["report", "--gitlab-url", fake.url, *args])
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    return code, captured.out + captured.err


def test_median_p90_ratio_by_hand_and_a_png(fake: FakeGitLab, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    migrated_project(fake)
    chart = tmp_path / "speed.png"
    code, out = report(fake, capsys, "acme/app", "--chart", str(chart))
    assert code == 0, out
    # before: 10 runs 100..190; median (140+150)/2 = 145 s = 2:25; p90 = 9th of 10 = 180 = 3:00
    # after: 10 runs 30..48; median (38+40)/2 = 39 s = 0:39; p90 = 9th of 10 = 46 = 0:46
    # ratio 145 / 39 = 3.7179... -> 3.72x
    assert "| acme/app | build-image | 2:25 | 3:00 | 10 | 0:39 | 0:46 | 10 | 3.72x |" in out
    assert "!1 merged 2026-01-10T00:00:00+00:00 into main" in out
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_json_carries_seconds(fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    migrated_project(fake)
    code, out = report(fake, capsys, "acme/app", "--output", "json")
    assert code == 0
    row = json.loads(out)["projects"][0]
    assert row["before"] == {"n": 10, "median_seconds": 145.0, "p90_seconds": 180.0}
    assert row["after"] == {"n": 10, "median_seconds": 39.0, "p90_seconds": 46.0}
    assert row["ratio"] == pytest.approx(145 / 39)
    assert row["jobs"] == ["build-image"] and row["migration"]["iid"] == 1


def test_keyset_pages_are_followed(fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    project = migrated_project(fake)
    # 230 more jobs of another name: 256 successful jobs in all, three pages of 100.
    fake.history.add_jobs(project, "lint", [1] * 230, start="2026-01-01T00:00:00Z",
                          every=timedelta(minutes=5))
    code, out = report(fake, capsys, "acme/app", "--output", "json")
    assert code == 0
    assert json.loads(out)["projects"][0]["before"]["n"] == 10
    pages = fake.calls("GET", r"/projects/\d+/jobs$")
    assert len(pages) == 3
    assert [p.query.get("pagination") for p in pages] == ["keyset"] * 3
    assert "cursor" not in pages[0].query and all(p.query.get("cursor") for p in pages[1:])
    assert all(p.query.get("scope[]") == "success" for p in pages)


def test_offset_pages_where_gitlab_has_no_keyset_for_jobs(
        fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    project = migrated_project(fake)
    fake.history.keyset = False
    fake.history.add_jobs(project, "lint", [1] * 230, start="2026-01-01T00:00:00Z",
                          every=timedelta(minutes=5))
    code, out = report(fake, capsys, "acme/app", "--output", "json")
    assert code == 0, out
    row = json.loads(out)["projects"][0]
    assert (row["before"]["n"], row["after"]["n"]) == (10, 10)
    pages = fake.calls("GET", r"/projects/\d+/jobs$")
    assert [p.query.get("pagination") for p in pages] == ["keyset", None, None, None]
    assert [p.query.get("page") for p in pages[1:]] == [None, "2", "3"]


def test_since_stops_reading_older_pages(fake: FakeGitLab,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = migrated_project(fake)
    # 300 lint jobs every 5 minutes on Dec 30-31, all older than --since: 325 successful
    # jobs in all, four pages of 100.
    fake.history.add_jobs(project, "lint", [1] * 300, start="2025-12-30T00:00:00Z",
                          every=timedelta(minutes=5))
    code, out = report(fake, capsys, "acme/app", "--since", "2026-01-01T05:00:00Z",
                       "--min-samples", "3", "--output", "json")
    assert code == 0
    row = json.loads(out)["projects"][0]
    # before: runs at 05:00..09:00 on Jan 1 -> 150, 160, 170, 180, 190
    # median 170; p90 = rank ceil(4.5) = 5th = 190
    assert row["before"] == {"n": 5, "median_seconds": 170.0, "p90_seconds": 190.0}
    assert row["after"]["n"] == 10
    # Newest first: 10 after, 2 on the migration branch, 5 before from 05:00 on, then the
    # first job older than --since, still on page 1: no other page is read.
    assert len(fake.calls("GET", r"/projects/\d+/jobs$")) == 1


def test_not_enough_data_instead_of_a_ratio(fake: FakeGitLab,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    project = fake.add_project("acme/new", {".gitlab-ci.yml": "x:\n  script: [y]\n"})
    fake.history.merged_mr(project, merged_at=MERGED, description=MIGRATED)
    fake.history.add_jobs(project, "build-image", [100, 120, 140, 160, 180, 200],
                          start="2026-01-01T00:00:00Z")
    fake.history.add_jobs(project, "build-image", [40, 50], start="2026-01-11T00:00:00Z")
    code, out = report(fake, capsys, "acme/new")
    assert code == 0
    assert "not enough data (before 6, after 2 runs; need 5 each)" in out
    row = next(line for line in out.splitlines() if line.startswith("| acme/new |"))
    # before: 100..200, median (140+160)/2 = 150 s = 2:30; p90 rank ceil(5.4) = 6th = 200 = 3:20
    # after: 40, 50, median 45 = 0:45; p90 rank ceil(1.8) = 2nd = 50 = 0:50
    assert row.startswith("| acme/new | build-image | 2:30 | 3:20 | 6 | 0:45 | 0:50 | 2 | not")


def test_renamed_job_matched_by_globs(fake: FakeGitLab,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    project = fake.add_project("acme/renamed", {".gitlab-ci.yml": "x:\n  script: [y]\n"})
    fake.history.merged_mr(project, merged_at=MERGED, description=MIGRATED)
    fake.history.add_jobs(project, "docker-build", [60] * 5, start="2026-01-01T00:00:00Z")
    fake.history.add_jobs(project, "image", [20] * 5, start="2026-01-11T00:00:00Z")
    code, out = report(fake, capsys, "acme/renamed", "--job-name", "docker-build",
                       "--job-name", "image", "--output", "json")
    row = json.loads(out)["projects"][0]
    # 60 s before, 20 s after: 3.00x
    assert code == 0 and row["ratio"] == pytest.approx(3.0)
    assert row["jobs"] == ["build-image", "docker-build", "image"]


def test_project_without_migration(fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_project("acme/todo", {".gitlab-ci.yml": "x:\n  script: [y]\n"})
    code, out = report(fake, capsys, "acme/todo")
    assert code == 0 and "not migrated (no merged runner-ext merge request)" in out


@pytest.mark.parametrize(("args", "message"), [
    (["acme/nope"], "no such project"),
    (["acme/app", "--since", "last week"], "--since: not a date"),
    ([], "give either a PROJECT or --group GROUP"),
])
def test_bad_input_exits_2(fake: FakeGitLab, capsys: pytest.CaptureFixture[str],
                           args: list[str], message: str) -> None:
    migrated_project(fake)
    code, out = report(fake, capsys, *args)
    assert code == 2 and message in out
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out


def test_bad_token_exits_2(fake: FakeGitLab, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    migrated_project(fake)
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-CANARY-wrong-77")
    code, out = report(fake, capsys, "acme/app")
    assert code == 2 and "GitLab refused the token (HTTP 401)" in out
    assert "glpat-CANARY-wrong-77" not in out


def test_group_report_has_a_row_per_project(fake: FakeGitLab, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    migrated_project(fake, "acme/app")
    migrated_project(fake, "acme/web/shop")
    fake.add_project("acme/web/todo", {".gitlab-ci.yml": "x:\n  script: [y]\n"})
    fake.add_project("other/app", {".gitlab-ci.yml": "x:\n  script: [y]\n"})
    chart = tmp_path / "group.png"
    code, out = report(fake, capsys, "--group", "acme", "--output", "json", "--chart",
                       str(chart))
    assert code == 0, out
    found = {p["project"]: p for p in json.loads(out)["projects"]}
    assert sorted(found) == ["acme/app", "acme/web/shop", "acme/web/todo"]
    assert found["acme/web/shop"]["ratio"] == pytest.approx(145 / 39)
    assert found["acme/web/todo"]["ratio"] is None
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_group_report_records_an_unreadable_project_and_exits_1(
        fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    migrated_project(fake, "acme/app")
    broken = migrated_project(fake, "acme/broken")
    fake.fail("GET", rf"/projects/{broken.id}/jobs$", 500, times=None)
    code, out = report(fake, capsys, "--group", "acme", "--output", "json")
    assert code == 1
    found = {p["project"]: p for p in json.loads(out)["projects"]}
    assert found["acme/app"]["ratio"] == pytest.approx(145 / 39)
    assert "HTTP 500" in found["acme/broken"]["error"]


def test_unknown_group_exits_2(fake: FakeGitLab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = report(fake, capsys, "--group", "acme/nope")
    assert code == 2 and "no such group" in out
