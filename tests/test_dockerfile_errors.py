"""Input Docker would refuse gives a located RunnerExtError (exit 2), never a traceback."""

from __future__ import annotations

import pytest

from runner_ext.dockerfile import analyze_dockerfile, decode_dockerfile
from runner_ext.errors import Category, ExitCode, RunnerExtError


def _error(text: str) -> RunnerExtError:
    with pytest.raises(RunnerExtError) as caught:
        analyze_dockerfile("app/Dockerfile", text)
    assert caught.value.category is Category.INPUT
    assert caught.value.exit_code is ExitCode.USAGE
    return caught.value


@pytest.mark.parametrize(("text", "line", "words"), [
    ("FROM alpine:3.20\nRUN <<EOF\necho never closed\n", 2, "unterminated heredoc"),
    ("FROM alpine:3.20\nRUN true\nENV ONLY_NAME\n", 3, "ENV must have two arguments"),
    ("FROM alpine:3.20\nRUN apk add curl\n    && echo done\n", 3, "unknown instruction &&"),
    ("FROM alpine:3.20\nCOPPY a b\n", 2, "did you mean COPY?"),
    ("RUN echo no stage\nFROM alpine:3.20\n", 1, "RUN before the first FROM"),
    ("ARG A=1\n", None, "no FROM instruction"),
    ("FROM alpine:3.20\nCOPY --foo=1 a b\n", 2, "COPY has no flag --foo"),
    ("FROM alpine:3.20\nCOPY onlyone\n", 2, "needs a source and a destination"),
    ("FROM alpine:3.20 AS\n", 1, "FROM takes an image"),
    ("# escape=x\nFROM alpine:3.20\n", None, "invalid escape token"),
    ("FROM alpine:3.20\nRUN echo \x00\n", 2, "NUL byte"),
    ("FROM alpine:3.20\nRUN " + "x" * 70000 + "\n", 2, "longer than 65535 bytes"),
    ("", None, "no instructions"),
])
def test_unacceptable_dockerfile_names_the_line(text: str, line: int | None, words: str) -> None:
    error = _error(text)
    problem = error.problems[0]
    assert problem.file == "app/Dockerfile"
    if line is not None:
        assert problem.line == line
    assert words in str(error)
    assert str(error).startswith("app/Dockerfile")


def test_non_utf8_bytes_name_the_line() -> None:
    data = "FROM alpine:3.20\nLABEL maintainer=\"J\u00fcrgen\"\n".encode("latin-1")
    with pytest.raises(RunnerExtError) as caught:
        decode_dockerfile("Dockerfile", data)
    assert caught.value.problems[0].line == 2
    assert "not UTF-8" in str(caught.value) and "0xfc" in str(caught.value)
    surrogates = data.decode("utf-8", "surrogateescape")
    assert _error(surrogates).problems[0].line == 2


def test_bom_and_crlf_are_accepted_and_reported() -> None:
    text = "\ufeffFROM alpine:3.20\r\nRUN apk add --no-cache curl\r\n"
    report = analyze_dockerfile("Dockerfile", text)
    assert [(f.rule_id, f.line) for f in report.findings] == [("RXD112", 1), ("RXD112", 1)]
    assert report.fixed_text == text


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(RunnerExtError) as caught:
        analyze_dockerfile("Dockerfile", "FROM alpine:3.20\n", engine="docker")
    assert caught.value.category is Category.USAGE and "kaniko" in str(caught.value)
