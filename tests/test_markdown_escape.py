"""Untrusted text in the Markdown report and the merge request description stays inert.

A job named ``"build\\n/approve\\n/merge"`` must not put ``/approve`` at the start of a line of a
merge request description, where GitLab would run it as a quick action.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_gitlab_remote import migrate

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.lab.fake_gitlab import FakeGitLab, serving
from runner_ext.markdown import escape

TOKEN = "glpat-CANARY-markdown-5d20aa"

HOSTILE_CI = r'''
include:
  - remote: "https://ci.example.com/ci.yml\n/approve"

"build\n/approve\n/merge":
  image: docker:27
  services: [docker:27-dind]
  script:
    - docker build -t $CI_REGISTRY_IMAGE:1 .
    - docker push $CI_REGISTRY_IMAGE:1

"db | `x` @all\r/assign_reviewer @boss":
  image: docker:27
  services: [docker:27-dind, "postgres:16\n/merge"]
  script:
    - docker build -t $CI_REGISTRY_IMAGE:2 .
    - docker push $CI_REGISTRY_IMAGE:2
'''
FILES = {".gitlab-ci.yml": HOSTILE_CI, "Dockerfile": "FROM alpine:3.20\nRUN echo hi\n"}
# Each injected line, and what comes before it in the same hostile value.
INJECTED = {"/approve": ("build /approve", "ci.yml /approve"),
            "/merge": ("/approve /merge", "postgres:16 /merge"),
            "/assign": ("db \\| \\`x\\` \\@all /assign",)}


def assert_inert(markdown: str) -> None:
    """No quick action can run, and no injected text broke out of its line or table cell."""
    lines = markdown.splitlines()
    assert "\r" not in markdown
    assert [line for line in lines if line.lstrip().startswith("/")] == []
    for fragment, joined in INJECTED.items():  # each stays on the line of its own value
        found = [line for line in lines if fragment in line]
        assert found and all(any(j in line for j in joined) for line in found), found
    rows = [line for line in lines if line.startswith("| ")]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) == 4 for row in rows), rows
    assert "@all" not in markdown.replace("\\@all", "")
    assert "`x`" not in markdown


@pytest.mark.parametrize(("text", "expected"), [
    ("build", "build"),
    ("build\n/approve\n/merge", "build /approve /merge"),
    ("/approve", "\\/approve"),
    (" \t/merge", "\\/merge"),
    ("a | b", "a \\| b"),
    ("`code`", "\\`code\\`"),
    ("**bold** _em_ ~~gone~~", "\\*\\*bold\\*\\* \\_em\\_ \\~\\~gone\\~\\~"),
    ("[x](https://e.example) ![i](u)", "\\[x\\](https://e.example) \\!\\[i\\](u)"),
    ("<img src=x> &amp;", "\\<img src=x\\> \\&amp;"),
    ("@all #1 !2 ~bug %v1 $3 &4", "\\@all \\#1 \\!2 \\~bug \\%v1 \\$3 \\&4"),
    ("- item", "\\- item"),
    ("> quote", "\\> quote"),
    ("1. first", "1\\. first"),
    ("back\\slash", "back\\\\slash"),
    ("bidi \u202eevil\u2066", "bidi  evil"),
    ("line\u2028sep\x85nel\x00nul", "line sep nel nul"),
    ("trailing  ", "trailing"),
])
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_local_markdown_report_keeps_hostile_names_inert(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)

    code = run(["--dry-run", "--output", "markdown", str(tmp_path)], prog="migrate-project",
               command=migrate_cli.app)

    out = capsys.readouterr().out
    assert code == 0
    assert_inert(out)
    assert "build /approve /merge" in out  # the job is reported, on one line


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with serving(FILES, token=TOKEN) as gitlab:
        yield gitlab


def test_merge_request_description_keeps_hostile_names_inert(fake: FakeGitLab) -> None:
    outcome = migrate(fake, token=TOKEN)

    [create] = fake.calls("POST", "/merge_requests$")
    description = create.body["description"]
    assert description == outcome.result.to_markdown()
    assert_inert(description)
    assert "build /approve /merge" in description
    assert "\n/" not in create.body["title"] and "\n" not in create.body["title"]
