"""The small parsers under the migration: job scripts, docker build flags, image references,
CI file decoding, and the all-or-nothing writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_migrate_support import read_tree

from runner_ext.config import OrgConfig
from runner_ext.errors import RunnerExtError
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.analyse.docker import BuildFlags, classify, parse_build
from runner_ext.migrate.analyse.expand import is_plain, normalize_ref, references
from runner_ext.migrate.analyse.shell import parse_script
from runner_ext.migrate.parse.cifiles import decode_text, parse_ci_file
from runner_ext.migrate.rewrite.write import write_changes


def words(items: list[str]) -> list[tuple[str, ...]]:
    commands, problems = parse_script(items)
    assert problems == []
    return [c.words for c in commands]


def test_continuations_comments_and_quotes() -> None:
    assert words(["docker build \\\n  -t 'a b' \\\n  . # trailing comment",
                  "# a whole comment line", "echo a#b \"# not a comment\""]) == [
        ("docker", "build", "-t", "a b", "."), ("echo", "a#b", "# not a comment")]


def test_separators_and_constructs() -> None:
    commands, _ = parse_script([
        "cd app && docker build -t x .; docker push x",
        "docker pull x || true",
        "docker build . | tee log",
        "for t in a b; do docker push $t; done",
        '[ -n "$X" ] && docker push y',
    ])
    summary = [(c.words[:2], c.construct, c.may_fail) for c in commands]
    assert summary == [
        (("cd", "app"), None, False), (("docker", "build"), None, False),
        (("docker", "push"), None, False), (("docker", "pull"), None, True),
        (("docker", "build"), "|", False), (("tee", "log"), "|", False),
        (("docker", "push"), "for", False),  # `for t in a b` is the loop's header
        (("[", "-n"), None, False), (("docker", "push"), "[ … &&", False),
    ]


def test_assignments_substitutions_and_literal_dollars() -> None:
    commands, _ = parse_script(["TAG=$CI_COMMIT_SHA docker build .", "export T=$(date)",
                                "echo '$HOME' > out.txt"])
    assert commands[0].assignments == (("TAG", "$CI_COMMIT_SHA"),)
    assert commands[0].words == ("docker", "build", ".")
    assert commands[1].substitution
    assert commands[2].literal_dollar and commands[2].redirected


@pytest.mark.parametrize(("script", "problem"), [
    ("sh <<EOF\ndocker run x\nEOF", "here-document <<EOF is read by sh as commands"),
    ("cat <<EOF > tag\n$(git describe)\nEOF", "runs commands in its body"),
    ("cat <<EOF > x\nnever closed", "here-document <<EOF is never closed"),
    ("echo 'unterminated", "unbalanced quotes"),
    ("if true; then docker build .", "never closed"),
])
def test_scripts_we_refuse_to_guess(script: str, problem: str) -> None:
    _, problems = parse_script([script])
    assert any(problem in p for p in problems)


def test_messages_mask_literal_secrets() -> None:
    commands, _ = parse_script(["docker login -u me -p s3cr3t-canary reg",
                                "docker build --build-arg GH_TOKEN=canary2 --build-arg V=1 ."])
    assert "s3cr3t" not in commands[0].text and "-p ***" in commands[0].text
    assert "GH_TOKEN=***" in commands[1].text and "V=1" in commands[1].text


def _build(line: str) -> BuildFlags:
    commands, _ = parse_script([line])
    call = classify(commands[0])
    assert call is not None and call.kind == "build"
    return parse_build(call)


def test_build_flag_forms() -> None:
    flags = _build("docker buildx build --tag=a:1 -tb:2 -f docker/Dockerfile --build-arg A=1 "
                   "--build-arg B --target=run --label x=y --label z --platform linux/amd64 "
                   "--cache-from c:1 --pull --no-cache --push --progress=plain ctx")
    assert flags.tags == ["a:1", "b:2"]
    assert flags.dockerfile == "docker/Dockerfile"
    assert flags.build_args == [("A", "1"), ("B", None)]
    assert (flags.target, flags.platform, flags.context) == (
        "run", "linux/amd64", "ctx")
    assert flags.labels == ["x=y", "z="]
    assert flags.cache_from == ["c:1"]
    assert flags.no_cache and flags.push
    assert flags.unsupported == [] and flags.problems == []


def test_build_flags_we_cannot_carry() -> None:
    flags = _build("docker build --ssh default --network host -t a .")
    assert flags.unsupported == ["--ssh default", "--network host"]
    assert _build("docker build -t a").problems


def test_docker_command_kinds() -> None:
    kinds = {}
    for line in ("docker -H tcp://x:2375 image push a", "sudo docker login reg",
                 "docker-compose -f c.yml build", "docker compose up --build",
                 "docker run a", "docker system prune -af", "docker manifest create a b"):
        commands, _ = parse_script([line])
        call = classify(commands[0])
        assert call is not None
        kinds[line.split()[1] if line.startswith("sudo") else line] = call.kind
    assert list(kinds.values()) == ["push", "login", "compose-build", "compose-build", "run",
                                    "cleanup", "manifest"]


@pytest.mark.parametrize(("ref", "normal"), [
    ("$CI_REGISTRY_IMAGE", "$CI_REGISTRY_IMAGE:latest"),
    ("${CI_REGISTRY_IMAGE}/api", "${CI_REGISTRY_IMAGE}/api:latest"),
    ("registry:5000/app", "registry:5000/app:latest"),
    ("app@sha256:abc", "app@sha256:abc"),
    ("$IMAGE", "$IMAGE"),
    ("$REGISTRY/app:$TAG", "$REGISTRY/app:$TAG"),
])
def test_normalize_ref(ref: str, normal: str) -> None:
    assert normalize_ref(ref) == normal


def test_plain_values() -> None:
    assert is_plain("$A-${B}_c") and references("$A-${B}_c") == ["A", "B"]
    for value in ("${A:-x}", "$(date)", "$1", "${A#x}", "${$}"):
        assert not is_plain(value)
    assert is_plain("$$HOME `date`") and references("$$HOME") == []


def test_bom_and_crlf_survive_a_rewrite(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    text = ("build:\r\n  stage: build\r\n  tags: [shell]\r\n  script:\r\n"
            "    - docker build -t $CI_REGISTRY_IMAGE .\r\n"
            "    - docker push $CI_REGISTRY_IMAGE\r\n")
    (tmp_path / ".gitlab-ci.yml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = migrate_project(LocalSource(tmp_path), config=OrgConfig())
    new = result.changes[".gitlab-ci.yml"]
    assert new.startswith("\ufeffinclude:\r\n")
    assert "\n" not in new.replace("\r\n", "")
    assert decode_text(".gitlab-ci.yml", new.encode())[1:] == (True, True)


def test_a_component_file_is_left_alone() -> None:
    ci = parse_ci_file("templates/x.yml", b"spec:\n  inputs: {}\n---\njob:\n  script: [a]\n")
    assert ci.component_spec and ci.root is None


def test_write_changes_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("old\n")
    before = read_tree(tmp_path)
    with pytest.raises(RunnerExtError, match="nothing was changed"):
        write_changes(tmp_path, {"a.yml": "new\n", "missing/b.yml": "new\n"})
    assert read_tree(tmp_path) == before


def test_here_document_bodies_are_data() -> None:
    """A body is never taken for commands, in one block scalar or across script entries;
    the command it feeds is marked, so the declarative rewrite never carries it alone."""
    commands, problems = parse_script([
        "cat <<EOF > config.json\n{\"fi\": \"$X\"}\ndone )\nEOF\ndocker build -t a .",
        "cat <<'EOF' > literal\n$(docker run x)\nEOF",
        "cat <<-EOF >> log\n\tesac\n\tEOF",
        "cat <<EOF > auth.json", '{"auths": {}}', "EOF", "docker push a",
    ])
    assert problems == []
    assert [c.words for c in commands] == [("cat",), ("docker", "build", "-t", "a", "."),
                                           ("cat",), ("cat",), ("cat",), ("docker", "push", "a")]
    assert [c.construct for c in commands] == ["here-document", None, "here-document",
                                               "here-document", "here-document", None]
    assert commands[-1].item == 6


def test_functions_and_case_patterns() -> None:
    commands, problems = parse_script([
        "push_tag() {\n  docker push \"$IMAGE:$1\"\n}",
        "function retag {\n  docker tag a \"$1\"\n}",
        'case "$CI_COMMIT_BRANCH" in\n  main|master) CHANNEL=latest ;;\n  *) CHANNEL=dev ;;\nesac',
        'push_tag "$CHANNEL"',
        "set -o pipefail", "IFS=',' read -ra TAGS <<< \"$EXTRA\"", "N=$((CI_PIPELINE_IID + 1))",
        'if [[ "$A" == b ]]; then docker push x; fi',
    ])
    assert problems == []
    shown = [(c.words, c.construct) for c in commands]
    assert shown[:4] == [(("function", "push_tag"), "function"),
                         (("docker", "push", "$IMAGE:$1"), "{ }"),
                         (("function", "retag"), "function"),
                         (("docker", "tag", "a", "$1"), "{ }")]
    assert not any(c.words[:1] in [("main",), ("master",), ("*",)] for c in commands)
    assert (("push_tag", "$CHANNEL"), None) in shown
    assert (("read", "-ra", "TAGS"), None) in shown
    assert (("docker", "push", "x"), "if") in shown


def test_command_spans_skip_operators_kept_among_the_words() -> None:
    script = '( cd app && docker build -t a . )'
    commands, problems = parse_script([script, "(( size > max )) && exit 1"])
    assert problems == ["'subshell' block is never closed"]
    spans = [script[c.span[0]:c.span[1]] for c in commands if c.item == 0]
    assert spans == ["cd app", "docker build -t a ."]
    assert [c.words[0] for c in commands if c.item == 1] == ["size", "exit"]
