"""``runner-ext scan``: a group on the fake GitLab, read by the real python-gitlab client."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner_ext.cli.main import run
from runner_ext.errors import ExitCode, RunnerExtError
from runner_ext.gitlab.auth import Credentials
from runner_ext.group.inventory import ProjectRow
from runner_ext.group.scan import ScanProgress, ScanRequest, ScanResult, scan_group
from runner_ext.lab.fake_gitlab import FakeGitLab, Recorded, serve
from runner_ext.lab.group_fixture import populate

TOKEN = "glpat-CANARY-scan-3e8b1f"
PASSWORD = "CANARY-pw-91d2"
CI_RAW = r"/repository/files/(\.gitlab-ci\.yml|ci%2Fpipeline\.yml)/raw$"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    gitlab = FakeGitLab(token=TOKEN)
    with serve(gitlab):
        yield gitlab


def scan(fake: FakeGitLab, tmp_path: Path, group: str = "acme", *, resume: bool = False,
         progress: ScanProgress | None = None, max_retries: int = 3) -> ScanResult:
    request = ScanRequest(Credentials(url=fake.url, token=TOKEN), group,
                          tmp_path / "state.jsonl", resume=resume, workers=8,
                          max_retries=max_retries)
    return scan_group(request, progress)


def by_path(result: ScanResult) -> dict[str, ProjectRow]:
    return {r.path: r for r in result.rows}


def project_of(call: Recorded) -> str:
    match = re.match(r"/api/v4/projects/([^/]+)/", call.path)
    return match.group(1) if match else ""


def test_every_project_of_the_subgroups_gets_its_class(fake: FakeGitLab, tmp_path: Path) -> None:
    expected = populate(fake, 21)
    fake.add_project("other/outside", {".gitlab-ci.yml": "b:\n  tags: [shell]\n  script: "
                                                         "[docker build .]\n"})

    result = scan(fake, tmp_path)

    assert {r.path: r.kind for r in result.rows} == expected
    assert {p.count("/") for p in expected} == {3}  # acme/teamN/unitN/appN: two levels deep
    rows = by_path(result)
    dind = next(r for p, r in rows.items() if expected[p] == "dind")
    assert dind.risks == ["privileged-dind"] and dind.risk == 3
    assert (dind.jobs[0].name, dind.jobs[0].file) == ("build", ".gitlab-ci.yml")  # extends
    assert [d.path for d in dind.dockerfiles] == ["Dockerfile"]
    assert "RXD102" in {f["rule"] for f in dind.dockerfiles[0].findings}  # COPY . first
    shell = next(r for p, r in rows.items() if expected[p] == "shell-docker")
    assert [d.path for d in shell.dockerfiles] == ["docker/Dockerfile"]
    assert result.counts()["archived"] == 3 and result.counts()["empty"] == 3


def test_ci_config_path_is_the_file_read(fake: FakeGitLab, tmp_path: Path) -> None:
    fake.add_project("acme/custom", {
        ".gitlab-ci.yml": "b:\n  image: docker:27\n  script: [docker build .]\n",
        "build/ci.yml": "b:\n  image: gcr.io/kaniko-project/executor:debug\n  script:\n"
                        "    - /kaniko/executor --context . --destination r/x:1\n"},
        ci_config_path="build/ci.yml")
    fake.add_project("acme/elsewhere", {"README.md": "no CI here\n"},
                     ci_config_path="pipelines/app.yml@acme/pipelines")
    fake.add_project("acme/pipelines", {"pipelines/app.yml": "b:\n  tags: [shell-runner]\n"
                                                             "  script: [docker build .]\n"})

    rows = by_path(scan(fake, tmp_path))

    assert rows["acme/custom"].kind == "kaniko"
    assert rows["acme/custom"].ci_file == "build/ci.yml"
    custom = fake.project_by_path("acme/custom").id
    assert not fake.calls("GET", rf"/{custom}/repository/files/\.gitlab-ci\.yml/raw$")
    assert rows["acme/elsewhere"].kind == "shell-docker"
    assert rows["acme/elsewhere"].ci_file == "acme/pipelines:pipelines/app.yml"
    assert rows["acme/pipelines"].kind == "no-ci"


def test_an_include_shared_by_many_projects_is_fetched_once(fake: FakeGitLab,
                                                             tmp_path: Path) -> None:
    expected = populate(fake, 70)
    fake.latency = 0.01  # let the workers overlap on the shared file

    result = scan(fake, tmp_path)

    includers = [p for p, kind in expected.items() if kind == "dind"]
    assert len(includers) == 10
    assert all(by_path(result)[p].kind == "dind" for p in includers)
    shared = fake.calls("GET", r"/projects/templates%2Fci/repository/files/docker\.yml/raw$")
    assert len(shared) == 1
    assert shared[0].query == {"ref": "v1"}


def test_429_waits_as_retry_after_says_and_the_scan_completes(fake: FakeGitLab,
                                                              tmp_path: Path) -> None:
    expected = populate(fake, 7)
    fake.fail("GET", CI_RAW, 429, times=2, headers={"Retry-After": "1"})

    started = time.monotonic()
    result = scan(fake, tmp_path)

    assert time.monotonic() - started >= 1.0
    assert {r.path: r.kind for r in result.rows} == expected
    readable = [p for p, kind in expected.items() if kind not in ("archived", "empty")]
    assert len(fake.calls("GET", CI_RAW)) == len(readable) + 2  # two answered 429, retried


def test_rate_limit_headers_slow_the_pool_down(fake: FakeGitLab, tmp_path: Path) -> None:
    expected = populate(fake, 14)
    fake.rate_limit = (6, 1.0)

    result = scan(fake, tmp_path)

    assert {r.path: r.kind for r in result.rows} == expected
    assert not [r for r in result.rows if r.error]


def test_5xx_is_retried_then_recorded_as_that_projects_error_row(fake: FakeGitLab,
                                                                 tmp_path: Path) -> None:
    expected = populate(fake, 7)
    broken = next(p for p, k in expected.items() if k == "docker-socket")
    broken_id = fake.project_by_path(broken).id
    fake.fail("GET", rf"/projects/{broken_id}/repository/", 503, times=None)

    result = scan(fake, tmp_path, max_retries=2)

    rows = by_path(result)
    assert rows[broken].kind == "error"
    assert "answered HTTP 503" in str(rows[broken].error)
    assert len(fake.calls("GET", rf"/projects/{broken_id}/repository/")) == 3  # 1 + 2 retries
    assert {p: r.kind for p, r in rows.items() if p != broken} == {
        p: k for p, k in expected.items() if p != broken}


def test_a_project_without_repository_access(fake: FakeGitLab, tmp_path: Path) -> None:
    fake.add_project("acme/guest-only", {".gitlab-ci.yml": "x:\n  script: [y]\n"},
                     repository_access=False)
    fake.add_project("acme/visible", {".gitlab-ci.yml": "x:\n  script: [y]\n"})
    fake.add_project("acme/hidden", {".gitlab-ci.yml": "x:\n  script: [y]\n"}, visible=False)

    rows = by_path(scan(fake, tmp_path))

    assert {p: r.kind for p, r in rows.items()} == {"acme/guest-only": "no-access",
                                                   "acme/visible": "no-image-build"}


def test_resume_after_an_interruption_scans_each_project_once(fake: FakeGitLab,
                                                              tmp_path: Path) -> None:
    expected = populate(fake, 35)
    seen: list[str] = []

    def done(row: ProjectRow) -> None:
        seen.append(row.path)
        if len(seen) == 9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(fake, tmp_path, progress=ScanProgress(done=done))
    recorded = (tmp_path / "state.jsonl").read_text().splitlines()[1:]
    assert 9 <= len(recorded) < 35

    result = scan(fake, tmp_path, resume=True)

    assert {r.path: r.kind for r in result.rows} == expected
    assert result.resumed == len(recorded)
    reads = Counter(project_of(c) for c in fake.calls("GET", CI_RAW))
    readable = [p for p, k in expected.items() if k not in ("archived", "empty")]
    assert sorted(reads) == sorted(str(fake.project_by_path(p).id) for p in readable)
    assert set(reads.values()) == {1}  # no project read twice, none left out
    assert len((tmp_path / "state.jsonl").read_text().splitlines()) == 1 + 35


def test_resume_ignores_a_last_line_cut_short_by_a_crash(fake: FakeGitLab,
                                                         tmp_path: Path) -> None:
    expected = populate(fake, 7)
    scan(fake, tmp_path)
    state = tmp_path / "state.jsonl"
    lines = state.read_text().splitlines()
    state.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:30])
    before = len(fake.calls("GET", CI_RAW))

    result = scan(fake, tmp_path, resume=True)

    assert {r.path: r.kind for r in result.rows} == expected
    assert len(fake.calls("GET", CI_RAW)) - before <= 1
    assert all(json.loads(line) for line in state.read_text().splitlines())


def test_plaintext_login_is_a_risk_and_the_password_never_shows(fake: FakeGitLab,
                                                                tmp_path: Path) -> None:
    fake.add_project("acme/leaky", {
        ".gitlab-ci.yml": "build:\n  image: docker:27\n  script:\n"
                          f"    - docker login -u deploy -p {PASSWORD} registry.example.com\n"
                          "    - docker build -t registry.example.com/app:latest .\n"
                          "    - docker push registry.example.com/app:latest\n",
        "Dockerfile": "FROM alpine:3.20\n"})

    result = scan(fake, tmp_path)

    row = result.rows[0]
    assert row.kind == "docker-socket"
    assert row.risks == ["socket-mount", "plaintext-login", "latest-only"]
    assert row.risk == 7
    assert PASSWORD not in json.dumps(result.to_dict())
    assert PASSWORD not in (tmp_path / "state.jsonl").read_text()


# --- the command ----------------------------------------------------------------------------
def run_scan(fake: FakeGitLab, out: Path, *args: str, token: str = TOKEN,
             monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("GITLAB_TOKEN", token)
    return run(["scan", *args, "--gitlab-url", fake.url, "--out", str(out), "--no-progress"])


def test_the_command_writes_four_files_and_never_the_token(
        fake: FakeGitLab, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    expected = populate(fake, 7)
    broken = next(p for p, k in expected.items() if k == "dind")
    fake.fail("GET", rf"/projects/{fake.project_by_path(broken).id}/", 502, times=None)

    code = run_scan(fake, tmp_path, "acme", "--output", "json", monkeypatch=monkeypatch)

    out, err = capsys.readouterr()
    assert code == ExitCode.FINDINGS  # one project could not be read
    data = json.loads(out)
    assert data["projects"] == 7 and data["errors"] == 1
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["scan-state.jsonl", "scan.csv", "scan.html", "scan.json", "scan.md"]
    for text in [out, err, *(p.read_text() for p in tmp_path.iterdir())]:
        assert TOKEN not in text
    csv_lines = (tmp_path / "scan.csv").read_text().splitlines()
    assert csv_lines[0].startswith("project,class,risk")
    assert len(csv_lines) == 8
    assert f"| {broken} | error |" in (tmp_path / "scan.md").read_text().replace("\\", "")


@pytest.mark.parametrize("case", ["unknown group", "bad token", "no projects"])
def test_bad_input_is_one_line_and_exit_2(case: str, fake: FakeGitLab, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    populate(fake, 3)
    fake.add_group("acme/empty-team")
    group, token = {"unknown group": ("nope/nothing", TOKEN), "bad token": ("acme", "wrong"),
                    "no projects": ("acme/empty-team", TOKEN)}[case]

    code = run_scan(fake, tmp_path, group, token=token, monkeypatch=monkeypatch)

    out, err = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("runner-ext: error: ")
    assert {"unknown group": "no such group", "bad token": "refused the token",
            "no projects": "has no projects"}[case] in err
    assert TOKEN not in err and not (tmp_path / "scan.json").exists()


def test_resume_refuses_the_state_of_another_group(fake: FakeGitLab, tmp_path: Path) -> None:
    populate(fake, 7)
    scan(fake, tmp_path)

    with pytest.raises(RunnerExtError) as refused:
        scan(fake, tmp_path, "acme/team0", resume=True)

    assert refused.value.exit_code == ExitCode.USAGE
    assert "not from a scan of this group" in str(refused.value)


def test_quiet_when_not_a_terminal_and_stdout_clean_with_a_bar(
        fake: FakeGitLab, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    populate(fake, 7)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    argv = ["scan", "acme", "--gitlab-url", fake.url, "--out", str(tmp_path)]

    assert run(argv) == ExitCode.OK
    quiet = capsys.readouterr()
    assert run([*argv, "--progress"]) == ExitCode.OK
    shown = capsys.readouterr()

    assert "scanning" not in quiet.err and "scanning" not in quiet.out
    assert quiet.out.startswith("acme: 7 projects (")
    assert shown.out.splitlines()[0] == quiet.out.splitlines()[0]  # the bar is on stderr


def test_an_include_the_token_cannot_read_is_a_note_not_a_lost_project(
        fake: FakeGitLab, tmp_path: Path) -> None:
    fake.add_project("acme/locked-templates", {"t.yml": "x:\n  script: [y]\n"},
                     repository_access=False)
    fake.add_project("acme/app", {".gitlab-ci.yml": "include:\n  - project: acme/locked-templates"
                                                    "\n    file: t.yml\nb:\n  image: docker:27\n"
                                                    "  services: [docker:dind]\n"
                                                    "  script: [docker build .]\n"})

    rows = by_path(scan(fake, tmp_path))

    assert rows["acme/app"].kind == "dind"
    assert rows["acme/app"].notes == [
        "acme/locked-templates:t.yml is included but does not exist or the token cannot read it"]
    assert rows["acme/locked-templates"].kind == "no-access"
