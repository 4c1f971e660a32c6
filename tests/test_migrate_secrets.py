"""Credentials found in a project never reach an output, and ordinary values stay readable.

Canary values are planted in every input (a literal ``docker login -p``, a literal piped into
``--password-stdin``, a CI variable with a secret-looking name, a Dockerfile ``ARG`` default)
and looked for in every output: the text, JSON and Markdown reports, the printed diff, the
merge request description and everything sent to the (fake) GitLab API.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.config import load_config
from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.analyse.docker import classify, parse_login
from runner_ext.migrate.analyse.shell import parse_script
from runner_ext.migrate.remote import migrate_remote

LOGIN_CANARY = "canary_login-91d2e"
SHORT_LOGIN_CANARY = "pw1"
PIPE_CANARY = "canary-pipe-55ab"
VARIABLE_CANARY = "canary_var*7f3a1c"
ARG_CANARY = "canary-arg-c0ffee"
CANARIES = (LOGIN_CANARY, SHORT_LOGIN_CANARY, PIPE_CANARY, VARIABLE_CANARY, ARG_CANARY)
GITLAB_TOKEN = "glpat-CANARY-secrets-77aa"

CI = f"""\
variables:
  DEPLOY_TOKEN: "{VARIABLE_CANARY}"
  IMAGE_NAME: registry.example.com/team/app

build:
  stage: build
  image: docker:27
  services: [docker:27-dind]
  before_script:
    - docker login -u deploy -p {LOGIN_CANARY} registry.example.com
    - docker login --username=hub --password={SHORT_LOGIN_CANARY}
  script:
    - docker build --build-arg NODE_ENV=production -t $IMAGE_NAME:$CI_COMMIT_SHA
      -f docker/app.Dockerfile .
    - docker push $IMAGE_NAME:$CI_COMMIT_SHA
  only: [release/2026]

smoke:
  stage: test
  image: docker:27
  services: [docker:27-dind]
  script:
    - echo "{PIPE_CANARY}" | docker login --password-stdin -u ci registry.example.com
    - docker run -p 8080:80 registry.example.com/team/app:latest

notify:
  image: docker:27
  services: [docker:27-dind]
  script:
    - ./ci/notify --auth "{VARIABLE_CANARY}"
"""
FILES = {
    ".gitlab-ci.yml": CI,
    "docker/app.Dockerfile": f"FROM node:20\nARG NPM_TOKEN={ARG_CANARY}\nARG NODE_ENV\n"
                             "COPY . .\nRUN npm ci\n",
    "package.json": "{}\n",
    "ci/notify": "#!/bin/sh\n",
}
# Values that are not secrets and must stay readable in the report and the diff.
ORDINARY = ("registry.example.com/team/app", "release/2026", "docker/app.Dockerfile",
            "docker run -p 8080:80 registry.example.com/team/app:latest", "NODE_ENV=production")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert run(argv, prog="migrate-project", command=migrate_cli.app) == 0
    out, err = capsys.readouterr()
    return out + err


def _no_canary(text: str) -> None:
    """No canary, escaped or not (each ends with a mark no other text has)."""
    for canary in CANARIES:
        assert canary not in text
    for mark in ("7f3a1c", "91d2e", "55ab", "c0ffee"):
        assert mark not in text


def test_no_output_shows_a_credential(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {form: _cli(["--dry-run", "--output", form, str(project)], capsys)
               for form in ("text", "json", "markdown")}
    for text in outputs.values():
        _no_canary(text)
    assert "--- a/.gitlab-ci.yml" in outputs["text"]
    assert "RXC114" in outputs["markdown"] and "rotate it" in outputs["text"]
    diff = json.loads(outputs["json"])["diff"]
    for value in ORDINARY[:3]:
        assert value in diff, value
    for value in ORDINARY:
        assert value in outputs["text"], value


def test_the_written_files_copy_no_credential(project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = {name: (project / name).read_text() for name in FILES}
    _no_canary(_cli([str(project)], capsys))
    for name, old in before.items():
        new = (project / name).read_text()
        for canary in CANARIES:
            assert new.count(canary) <= old.count(canary), (name, canary)
    assert LOGIN_CANARY not in (project / ".gitlab-ci.yml").read_text()


def test_the_merge_request_shows_no_credential(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    fake = FakeGitLab(token=GITLAB_TOKEN)
    fake.seed(FILES)
    with serve(fake):
        outcome = migrate_remote(
            gitlab_url=fake.url, project="group/app", token=GITLAB_TOKEN,
            config=load_config(None), engine=None, dockerfile_fixes="safe")
    [mr] = fake.open_mrs()
    _no_canary(mr.description + mr.title + caplog.text)
    _no_canary(json.dumps(outcome.to_dict()) + outcome.to_text() + outcome.result.diff())
    assert "registry.example.com/team/app" in mr.description
    committed = fake.tree("runner-ext/migrate")[".gitlab-ci.yml"].decode()
    assert LOGIN_CANARY not in committed and PIPE_CANARY in committed  # smoke stays as it was


def test_a_literal_password_is_an_error_finding_but_a_variable_is_not() -> None:
    from test_ci_rules import facts_of

    from runner_ext.migrate.rules import check_job

    jobs = facts_of(
        "a:\n  script: ['docker login -p hunter2x reg']\n"
        "b:\n  script: ['docker login -u $U -p \"$CI_REGISTRY_PASSWORD\" $CI_REGISTRY']\n"
        "c:\n  script: ['printf %s hunter2x | docker login --password-stdin reg']\n")
    ids = [{f.rule_id for f in check_job(facts)} for facts in jobs]
    assert ["RXC114" in found for found in ids] == [True, False, True]


@pytest.mark.parametrize(("line", "registry", "user", "password", "stdin"), [
    ("docker login -u X -p LITERAL reg.example.com", "reg.example.com", "X", "LITERAL", False),
    ("docker login reg.example.com -u X -p LITERAL", "reg.example.com", "X", "LITERAL", False),
    ("docker login --username=X --password=LITERAL", "", "X", "LITERAL", False),
    ("docker login -uX -pLITERAL r", "r", "X", "LITERAL", False),
    ("docker login -u X --password-stdin $CI_REGISTRY", "$CI_REGISTRY", "X", None, True),
])
def test_login_flags(line: str, registry: str, user: str, password: str | None,
                     stdin: bool) -> None:
    commands, _ = parse_script([line])
    call = classify(commands[0])
    assert call is not None
    login = parse_login(call)
    assert (login.registry, login.username, login.password, login.password_stdin) == (
        registry, user, password, stdin)


def test_the_registry_is_never_the_password(project: Path) -> None:
    (project / ".gitlab-ci.yml").write_text(CI.replace(
        f"-u deploy -p {LOGIN_CANARY} registry.example.com",
        f"registry.example.com -u deploy -p {LOGIN_CANARY}"))
    result = migrate_project(LocalSource(project), config=load_config(None))
    [build] = [j for j in result.jobs if j.name == "build"]
    assert any("logged in to registry.example.com" in a for a in build.attention)


def test_a_rewrite_that_would_copy_a_credential_is_refused(tmp_path: Path) -> None:
    ci = ("variables:\n  RELEASE_TOKEN: tok3n-canary-8e2f\n\nbuild:\n  image: docker:27\n"
          "  services: [docker:27-dind]\n  script:\n"
          "    - docker build -t registry.example.com/app:tok3n-canary-8e2f .\n"
          "    - docker push registry.example.com/app:tok3n-canary-8e2f\n")
    (tmp_path / ".gitlab-ci.yml").write_text(ci)
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    result = migrate_project(LocalSource(tmp_path), config=load_config(None))
    [build] = result.jobs
    assert build.status == "left"
    assert build.reason == "the rewrite would copy a plaintext credential to a new place"
    assert result.changes == {}
    assert "tok3n-canary-8e2f" not in result.to_text() + result.to_markdown()
