"""Bad input stops migrate-project with a clear, located error, exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_migrate_support import read_tree

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.migrate.parse.cifiles import MAX_FILE_BYTES

BUILD_JOB = ("build:\n  tags: [shell]\n  script:\n"
             "    - docker build -t $CI_REGISTRY_IMAGE -f {dockerfile} .\n"
             "    - docker push $CI_REGISTRY_IMAGE\n")
GOOD_DOCKERFILE = b"FROM busybox:1.36.1\n"

CASES: dict[str, tuple[dict[str, bytes], str]] = {
    "invalid-yaml": ({".gitlab-ci.yml": b"build:\n  script: [docker build .\n  tags: x\n"},
                     ".gitlab-ci.yml:3: not valid YAML"),
    "tab-indent": ({".gitlab-ci.yml": b"build:\n\tscript: [x]\n"}, ".gitlab-ci.yml:2"),
    "unknown-tag": ({".gitlab-ci.yml": b"build:\n  script: !include other.yml\n"},
                    ".gitlab-ci.yml:2: unknown YAML tag (got !include)"),
    "nested-tag": ({".gitlab-ci.yml": b".a:\n  s: [x]\nb:\n  script: !reference [.a, !x s]\n"},
                   ".gitlab-ci.yml:4: !reference must be a list of plain names"),
    "reference-mapping": ({".gitlab-ci.yml": b"b:\n  script: !reference {a: b}\n"},
                          ".gitlab-ci.yml:2: !reference must be a list"),
    "huge-file": ({".gitlab-ci.yml": b"# " + b"x" * MAX_FILE_BYTES + b"\n"},
                  "too large to migrate safely"),
    "not-utf8": ({".gitlab-ci.yml": b"build:\n  script:\n    - echo caf\xe9\n"},
                 ".gitlab-ci.yml:3: CI file is not UTF-8 text (byte 0xe9)"),
    "mixed-line-ends": ({".gitlab-ci.yml": b"a:\r\n  script: [x]\nb:\n  script: [y]\n"},
                        "mixed line endings"),
    "not-a-mapping": ({".gitlab-ci.yml": b"- build\n"}, "must be a block mapping"),
    "no-ci-file": ({"README.md": b"hi\n"}, "the project has no CI configuration"),
    "dockerfile-does-not-parse": ({".gitlab-ci.yml": BUILD_JOB.format(dockerfile="Dockerfile")
                                   .encode(), "Dockerfile": b"FROM busybox:1.36.1\nFROBNICATE x\n"},
                                  "Dockerfile:2"),
    "dockerfile-not-utf8": ({".gitlab-ci.yml": BUILD_JOB.format(dockerfile="Dockerfile").encode(),
                             "Dockerfile": b"FROM busybox:1.36.1\nLABEL a=\xff\n"},
                            "Dockerfile:2: not UTF-8 text (byte 0xff)"),
    "dockerfile-too-large": ({".gitlab-ci.yml": BUILD_JOB.format(dockerfile="Dockerfile")
                              .encode(), "Dockerfile": GOOD_DOCKERFILE
                              + b"# " + b"y" * MAX_FILE_BYTES + b"\n"},
                             "Dockerfile is too large"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_clear_error_and_nothing_is_written(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files, message = CASES[case]
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    before = read_tree(tmp_path)
    code = run([str(tmp_path)], prog="migrate-project", command=migrate_cli.app)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("migrate-project: error: ")
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert read_tree(tmp_path) == before


def test_not_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run([str(tmp_path / "missing")], prog="migrate-project", command=migrate_cli.app)
    assert code == 2
    assert "missing" in capsys.readouterr().err


def test_unknown_option_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["--dockerfile-fixes", "all", str(tmp_path)], prog="migrate-project",
               command=migrate_cli.app)
    assert code == 2
    assert "dockerfile-fixes" in capsys.readouterr().err
