"""Hostile input costs little: small files that expand, nest or loop are refused fast.

Each case runs the real command in-process under a wall-clock deadline (SIGALRM), so the old
code, which took minutes and gigabytes, fails the test instead of hanging it. Every refusal
is a located error (file, line), exit code 2, no traceback, nothing written.
"""

from __future__ import annotations

import signal
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from test_migrate_support import read_tree

from runner_ext import limits
from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.dockerfile import analyze_dockerfile
from runner_ext.errors import RunnerExtError
from runner_ext.migrate.parse.yamlnodes import Node, to_data

DEADLINE = 5.0
BUILD_JOB = ("build:\n  tags: [shell]\n  script:\n"
             "    - docker build -t $CI_REGISTRY_IMAGE .\n"
             "    - docker push $CI_REGISTRY_IMAGE\n")


class Overtime(BaseException):
    """Raised by the alarm: a BaseException, so the CLI's error handler can't swallow it."""


@contextmanager
def deadline(seconds: float = DEADLINE) -> Iterator[None]:
    """Fail the test when the block runs longer than ``seconds``."""
    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise Overtime(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    except Overtime as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # The alarm can land while native code (BuildKit's Go parser) runs and be lost there.
    assert time.monotonic() - started < seconds, f"took more than {seconds} s"


def _refused(tmp_path: Path, files: dict[str, bytes], capsys: pytest.CaptureFixture[str],
             argv: tuple[str, ...] = ("--dry-run",)) -> str:
    """Run migrate-project on ``files``; assert exit 2, nothing written; return stderr."""
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    before = read_tree(tmp_path)
    with deadline():
        code = run([*argv, str(tmp_path)], prog="migrate-project", command=migrate_cli.app)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("migrate-project: error: ") and "Traceback" not in err
    assert read_tree(tmp_path) == before
    return err


def alias_bomb(levels: int = 9, width: int = 9) -> bytes:
    """``levels`` anchors, each a list of ``width`` aliases of the one before (~690 bytes)."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels)]
    return ("\n".join(lines) + f"\njob:\n  script: *a{levels - 1}\n").encode()


# --- CI files (finding 2: alias bomb; deep nesting) ----------------------------------------

def test_alias_bomb_is_refused_at_the_alias(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    bomb = alias_bomb()
    assert len(bomb) < 700
    err = _refused(tmp_path, {".gitlab-ci.yml": bomb}, capsys)
    assert f".gitlab-ci.yml:6: {limits.YAML_NODES.text()} (got *a4)" in err


def test_aliases_within_the_budget_still_expand(tmp_path: Path) -> None:
    from runner_ext.migrate.parse.cifiles import parse_ci_file

    ci = parse_ci_file(".gitlab-ci.yml", alias_bomb(levels=4, width=9))
    assert len(ci.data["job"]["script"]) == 9
    assert ci.data["a3"][0][0][0] == ["x"] * 9
    assert ci.data["job"]["script"][8][8][8] == ["x"] * 9


@pytest.mark.parametrize(("text", "line"), [
    ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", 1),
    ("a: " + "{b: " * 5_000 + "c" + "}" * 5_000 + "\n", 1),
    ("a:\n" + "- " * 5_000 + "x\n", 2),
], ids=["flow-sequences", "flow-mappings", "block-sequences"])
def test_deep_nesting_is_refused_before_nodes_are_built(
        text: str, line: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(tmp_path, {".gitlab-ci.yml": text.encode()}, capsys)
    assert f".gitlab-ci.yml:{line}: {limits.YAML_DEPTH.text()}" in err


def test_nesting_through_aliases_counts(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    deep = "a: &deep " + "[" * 60 + "x" + "]" * 60 + "\n"
    text = deep + "b:\n  c: " + "[" * 45 + "*deep" + "]" * 45 + "\n"
    err = _refused(tmp_path, {".gitlab-ci.yml": text.encode()}, capsys)
    assert f".gitlab-ci.yml:3: {limits.YAML_DEPTH.text()}" in err


@pytest.mark.parametrize(("text", "message"), [
    ("a: &a\n  b: [*a]\n", ".gitlab-ci.yml:2: YAML alias refers to a node that contains it"),
    ("a: *nope\n" + BUILD_JOB, ".gitlab-ci.yml:1: YAML alias names no anchor defined before it"
     " (got *nope)"),
], ids=["recursive", "undefined"])
def test_alias_to_no_complete_node(text: str, message: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert message in _refused(tmp_path, {".gitlab-ci.yml": text.encode()}, capsys)


def test_to_data_keeps_its_own_budget() -> None:
    """Whatever anchors map is given, expansion stops (here: an anchor holding itself)."""
    loop = Node("seq", 0, 0, line=3, col=0)
    loop.items = [Node("alias", 0, 0, line=3, col=0, value="x") for _ in range(9)]
    with deadline(), pytest.raises(RunnerExtError) as caught:
        to_data(loop, {"x": loop}, source="ci.yml")
    assert str(caught.value).startswith("ci.yml:3: YAML")


def _fan_out(layers: int, width: int, body: Callable[[int, int], str]) -> bytes:
    """Hidden jobs ``.l0`` … in layers, each made of ``width`` uses of the layer below."""
    text = ".l0w0:\n  script: [echo hi]\n"
    for layer in range(1, layers + 1):
        text += "".join(f".l{layer}w{w}:\n{body(layer, width)}" for w in range(width))
    return (text + BUILD_JOB.replace("build:\n", f"build:\n  extends: .l{layers}w0\n")).encode()


def test_extends_fan_out_is_resolved_once_per_template(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Eleven layers of templates each extending six of the layer below: 6**11 merges in
    the old resolver, one per template now (GitLab resolves each job once too)."""
    def extends(layer: int, width: int) -> str:
        below = range(width) if layer > 1 else [0]
        return f"  extends: [{', '.join(f'.l{layer - 1}w{w}' for w in below)}]\n"

    (tmp_path / ".gitlab-ci.yml").write_bytes(_fan_out(10, 6, extends))
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    with deadline():
        code = run(["--dry-run", str(tmp_path)], prog="migrate-project", command=migrate_cli.app)
    assert code == 0, capsys.readouterr().err


def test_reference_fan_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A job and four templates, each script 30 !references to the next: 30**5 lines."""
    text = ".r0:\n  script: [echo hi]\n" + "".join(
        f".r{n}:\n  script:\n" + f"    - !reference [.r{n - 1}, script]\n" * 30
        for n in range(1, 5))
    uses = "    - !reference [.r4, script]\n" * 30
    build = BUILD_JOB.replace("  script:\n", "  script:\n" + uses)
    files = {".gitlab-ci.yml": (text + build).encode(), "Dockerfile": b"FROM busybox:1\n"}
    err = _refused(tmp_path, files, capsys)
    assert f".gitlab-ci.yml:99: {limits.SCRIPT_LINES.text()} (got !reference [.r4, script])" in err


# --- includes and file size (finding 9) ----------------------------------------------------

def test_include_loop_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(tmp_path, {
        ".gitlab-ci.yml": b"include: a.yml\n" + BUILD_JOB.encode(),
        "a.yml": b"include:\n  - local: b.yml\n",
        "b.yml": b"x:\n  script: [x]\ninclude: [a.yml]\n"}, capsys)
    assert "b.yml:3: include loop: a.yml includes b.yml includes a.yml" in err


def test_a_file_included_twice_is_no_loop(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text("include: [a.yml, b.yml]\n" + BUILD_JOB)
    (tmp_path / "a.yml").write_text("include: c.yml\n")
    (tmp_path / "b.yml").write_text("include: c.yml\n")
    (tmp_path / "c.yml").write_text("c:\n  script: [x]\n")
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    assert run(["--dry-run", str(tmp_path)], prog="migrate-project",
               command=migrate_cli.app) == 0, capsys.readouterr().err


def test_too_many_included_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    count = limits.CI_FILES.value
    files = {".gitlab-ci.yml": b"include: f1.yml\n" + BUILD_JOB.encode()}
    files |= {f"f{i}.yml": f"include: f{i + 1}.yml\n".encode() for i in range(1, count + 1)}
    err = _refused(tmp_path, files, capsys)
    assert f"f{count}.yml: {limits.CI_FILES.text()}" in err


def test_huge_ci_file_is_refused_unparsed(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    huge = b"a: [" + b"x, " * (50 * 1024 * 1024 // 3) + b"x]\n"
    err = _refused(tmp_path, {".gitlab-ci.yml": huge}, capsys)
    assert f".gitlab-ci.yml: {limits.FILE_BYTES.text('CI file')} (got {len(huge)} bytes)" in err


@pytest.mark.parametrize(("name", "data", "message"), [
    (".gitlab-ci.yml", b"x:\n  script:\n    - echo \xff\xfe\n" + BUILD_JOB.encode(),
     ".gitlab-ci.yml:3: CI file is not UTF-8 text (byte 0xff)"),
    ("Dockerfile", b"FROM busybox:1.36.1\nLABEL a=\xff\xfe\n",
     "Dockerfile:2: not UTF-8 text (byte 0xff)"),
])
def test_bytes_that_are_not_utf8(name: str, data: bytes, message: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    files = {".gitlab-ci.yml": BUILD_JOB.encode(), "Dockerfile": b"FROM busybox:1.36.1\n"}
    files[name] = data
    assert message in _refused(tmp_path, files, capsys)


# --- Dockerfiles (finding 6) ---------------------------------------------------------------

def _stages(count: int) -> bytes:
    return "".join(f"FROM busybox:1.36.1 AS s{i}\n" for i in range(count)).encode()


@pytest.mark.parametrize(("dockerfile", "message"), [
    (_stages(20_000), f"Dockerfile:{limits.DOCKERFILE_LINES.value + 1}: "
                      f"{limits.DOCKERFILE_LINES.text()}"),
    (b"FROM busybox:1.36.1\n" + b"RUN true\n" * 100_000,
     f"Dockerfile:{limits.DOCKERFILE_LINES.value + 1}: {limits.DOCKERFILE_LINES.text()}"),
    (_stages(limits.DOCKERFILE_STAGES.value + 1),
     f"Dockerfile:{limits.DOCKERFILE_STAGES.value + 1}: {limits.DOCKERFILE_STAGES.text()}"),
    (b"FROM busybox:1.36.1\n" + b"RUN true\n" * limits.DOCKERFILE_INSTRUCTIONS.value,
     f"Dockerfile:{limits.DOCKERFILE_INSTRUCTIONS.value + 1}: "
     f"{limits.DOCKERFILE_INSTRUCTIONS.text()}"),
], ids=["20k-stages", "100k-lines", "stages", "instructions"])
def test_dockerfile_budget(dockerfile: bytes, message: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(tmp_path, {".gitlab-ci.yml": BUILD_JOB.encode(), "Dockerfile": dockerfile},
                   capsys)
    assert message in err


def _many_stages(n: int) -> str:
    return "".join(f"FROM node:20 AS s{n}x{i}\nCOPY --from=nope{i} /a /b\n" for i in range(n))


def _long_stage(n: int) -> str:
    body = "".join(f"RUN apt-get update\nRUN apt-get install -y p{n}x{i}\nRUN npm ci --x{n}x{i}\n"
                   f"RUN npm run build{n}x{i}\n" for i in range(n))
    return "FROM node:20\nCOPY . .\n" + body


def _calls(make: Callable[[int], str], n: int) -> int:
    """Python function calls made while analysing ``make(n)`` (a measure of work that does
    not depend on the machine's load)."""
    text = make(n)
    count = 0

    def profile(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal count
        count += event == "call"

    sys.setprofile(profile)
    try:
        analyze_dockerfile("Dockerfile", text, context_files=["package.json"],
                           read_file=lambda p: b'{"name": "x"}' if p == "package.json" else None)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("make", [_many_stages, _long_stage], ids=["stages", "one-stage"])
def test_dockerfile_rules_are_linear(make: Callable[[int], str]) -> None:
    small, large = _calls(make, 100), _calls(make, 400)
    assert large < 5 * small, (small, large)


def test_unknown_stage_message_lists_ten_names() -> None:
    text = _stages(30).decode() + "COPY --from=nope /a /b\n"
    (finding,) = [f for f in analyze_dockerfile("Dockerfile", text).findings
                  if f.rule_id == "RXD101"]
    assert "s0, s1, s10, s11, s12, s13, s14, s15, s16, s17 and 19 more)" in finding.message


# --- manifests (finding 8) -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("&a\napiVersion: v1\nkind: List\nitems: [*a]\n",
     ":4: YAML alias refers to a node that contains it (a recursive structure) (got *a)"),
    ("apiVersion: v1\nkind: List\nitems: &a\n- kind: List\n  items: *a\n",
     ":5: YAML alias refers to a node that contains it"),
    (alias_bomb().decode(), f":6: {limits.YAML_NODES.text()}"),
    ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", f":1: {limits.YAML_DEPTH.text()}"),
], ids=["self-list", "items-list", "alias-bomb", "deep"])
def test_check_pod_refuses_hostile_manifests(text: str, message: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(text)
    with deadline():
        code = run(["check", "pod", str(manifest)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert f"{manifest}{message}" in err


def test_check_pod_refuses_a_huge_manifest_unread(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "pod.yaml"
    with manifest.open("wb") as out:
        out.truncate(limits.MANIFEST_BYTES.value + 1)
    assert run(["check", "pod", str(manifest)]) == 2
    assert f"{manifest}: {limits.MANIFEST_BYTES.text()}" in capsys.readouterr().err


# --- the limits table in docs/security.md --------------------------------------------------

def test_security_doc_shows_every_limit_as_the_code_has_it() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
    assert limits.markdown_table() in doc, textwrap.indent(limits.markdown_table(), "    ")
