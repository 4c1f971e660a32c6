"""``migrate-project`` / ``runner-ext migrate-project`` in local mode: dry run, check, writes,
output formats; and ``runner-ext rules``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, require_tool
from test_migrate_support import PROJECTS, read_tree

from runner_ext.cli import main as main_cli
from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run

DOTNET = PROJECTS["example-dotnet"]


@pytest.fixture
def dotnet(tmp_path: Path) -> Path:
    root = tmp_path / "dotnet"
    shutil.copytree(DOTNET.input, root)
    return root


def _migrate(argv: list[str]) -> int:
    """Run ``migrate-project`` exactly as its console script does."""
    return run(argv, prog="migrate-project", command=migrate_cli.app)


def test_dry_run_prints_diff_and_report_and_writes_nothing(
        dotnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = read_tree(dotnet)
    assert _migrate(["--dry-run", str(dotnet)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("--- a/.gitlab-ci.yml\n+++ b/.gitlab-ci.yml\n")
    assert "+  - component: $CI_SERVER_FQDN/platform/runner-ext/build@0.1.0" in out
    assert "--- a/Dockerfile" in out
    assert "MIGRATED (declarative) build-image  (.gitlab-ci.yml:18)" in out
    assert "why: not an image build; it runs on a shell runner" in out
    assert "2 file(s) would change; nothing written (--dry-run)" in out
    assert read_tree(dotnet) == before


def test_check_exits_1_until_migrated(dotnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = read_tree(dotnet)
    assert _migrate(["--check", str(dotnet)]) == 1
    assert read_tree(dotnet) == before
    assert _migrate([str(dotnet)]) == 0
    assert _migrate(["--check", str(dotnet)]) == 0
    capsys.readouterr()


def test_write_matches_golden_keeps_mode_and_leaves_no_temp_files(
        dotnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.chmod(dotnet / ".gitlab-ci.yml", 0o640)
    assert _migrate([str(dotnet)]) == 0
    assert "wrote 2 file(s): .gitlab-ci.yml, Dockerfile" in capsys.readouterr().out
    for name in (".gitlab-ci.yml", "Dockerfile"):
        assert (dotnet / name).read_bytes() == (DOTNET.expected / name).read_bytes()
    assert (dotnet / ".gitlab-ci.yml").stat().st_mode & 0o777 == 0o640
    assert not [p for p in dotnet.rglob("*.tmp")]


def test_json_output(dotnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _migrate(["--dry-run", "--output", "json", str(dotnet)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "local" and report["dry_run"] is True and report["written"] == []
    assert report["summary"] == {"migrated": 2, "left": 1, "already-daemonless": 0,
                                 "dockerfiles_changed": 1, "files_changed": 2}
    jobs = {j["name"]: j for j in report["jobs"]}
    assert jobs["release-image"]["status"] == "migrated"
    assert jobs["release-image"]["changes"][0].startswith(
        "copies $IMAGE_NAME:$CI_COMMIT_SHORT_SHA to $IMAGE_NAME:$CI_COMMIT_TAG with skopeo")
    assert {f["rule"] for f in jobs["build-image"]["findings"]} == {
        "RXC104", "RXC105", "RXC106", "RXC107"}
    dockerfile = report["dockerfiles"][0]
    assert dockerfile["path"] == "Dockerfile" and dockerfile["changed"] is True
    assert "RXD101" in {f["rule"] for f in dockerfile["findings"]}


def test_markdown_output_is_the_report(dotnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _migrate(["--dry-run", "--output", "markdown", str(dotnet)]) == 0
    assert capsys.readouterr().out == (DOTNET.expected / "report.md").read_text()


def test_dockerfile_fixes_none_leaves_dockerfiles(dotnet: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert _migrate(["--dockerfile-fixes", "none", str(dotnet)]) == 0
    capsys.readouterr()
    assert (dotnet / "Dockerfile").read_bytes() == (DOTNET.input / "Dockerfile").read_bytes()
    assert (dotnet / ".gitlab-ci.yml").read_bytes() == \
        (DOTNET.expected / ".gitlab-ci.yml").read_bytes()


def test_engine_option_names_the_engine(dotnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _migrate(["--dry-run", "--engine", "buildah", str(dotnet)]) == 0
    out = capsys.readouterr().out
    assert "+      engine: buildah" in out
    assert "builds Dockerfile with buildah" in out


def test_runner_ext_subcommand_is_the_same_command(dotnet: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    standalone = migrate_cli.app.registered_commands[0].callback
    sub = next(c for c in main_cli.app.registered_commands if c.name == "migrate-project")
    assert standalone is sub.callback is migrate_cli.migrate_command
    assert _migrate(["--dry-run", str(dotnet)]) == 0
    first = capsys.readouterr().out
    assert run(["migrate-project", "--dry-run", str(dotnet)]) == 0
    assert capsys.readouterr().out == first


def test_console_script_runs(dotnet: Path) -> None:
    script = require_tool("migrate-project")
    done = subprocess.run([script, "--check", str(dotnet)], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "2 jobs migrated, 1 left as is" in done.stdout


@pytest.mark.parametrize("argv", [
    ["--gitlab-url", "https://gitlab.example.com"],
    ["--project", "group/app"],
    ["--gitlab-url", "https://gitlab.example.com", "--project", "group/app", "some/path"],
])
def test_gitlab_mode_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _migrate(argv) == 2
    assert "migrate-project: error:" in capsys.readouterr().err


def test_secret_values_stay_out_of_reports(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    (root / ".gitlab-ci.yml").write_text(
        "build:\n  tags: [shell]\n  script:\n"
        "    - docker login -u bot -p canary-pw-7f1 registry.example.com\n"
        "    - docker build --build-arg API_TOKEN=canary-tok-9e2 -t $CI_REGISTRY_IMAGE .\n"
        "    - docker push $CI_REGISTRY_IMAGE\n")
    for output in ("text", "markdown"):
        assert _migrate(["--check", "--output", output, str(root)]) == 0
        out = capsys.readouterr().out
        masked = "API\\_TOKEN=\\*\\*\\*" if output == "markdown" else "API_TOKEN=***"
        assert "canary" not in out and masked in out
    assert _migrate(["--check", "--output", "json", str(root)]) == 0
    report = json.loads(capsys.readouterr().out)
    report.pop("diff")
    assert "canary" not in json.dumps(report)


def test_rules_lists_every_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules"]) == 0
    out = capsys.readouterr().out
    assert "CI rules" in out and "Dockerfile rules" in out and "Pod Security rules" in out
    assert "RXC101  error    docker-socket" in out and "RXD101" in out and "PSS103" in out
    assert run(["rules", "--output", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {e["catalog"] for e in entries} == {"ci", "dockerfile", "pod"}
    assert all(e["doc"] and e["summary"] for e in entries)
    assert run(["rules", "RXC108"]) == 0
    assert "RXC108 compose-build" in capsys.readouterr().out
    assert run(["rules", "RXC999"]) == 2


def test_docs_list_every_ci_rule() -> None:
    from runner_ext.migrate.rules import RULES

    text = (REPO / "docs" / "rules-ci.md").read_text()
    for rule in RULES:
        assert f"## {rule.ID} {rule.NAME}" in text
