"""The sh tokenizer and the GitLab variable helpers: quoting exactly as sh and GitLab do it."""

from __future__ import annotations

import subprocess

import pytest

from runner_ext.sh import HereDoc, ShellSyntaxError, Word, tokenize, tokenize_script, words_of
from runner_ext.variables import (
    escape,
    is_plain,
    references,
    single_reference,
    substitute,
    unescape,
)


def _texts(text: str) -> list[str]:
    return [w.text for w in words_of(text)]


@pytest.mark.parametrize(("script", "expected"), [
    (r"a\ b 'c d' \$X", ["a b", "c d", "$X"]),
    (r'"\$X" "\a" "\\" "\"" "a\`b"', ["$X", r"\a", "\\", '"', "a`b"]),
    ("'a\\b' 'it'\\''s'", ["a\\b", "it's"]),
    (r"$'a\nb' $'\x24X' $'\101\u00e9' $'\'q'", ["a\nb", "$X", "Aé", "'q"]),
    ('"$(echo ")" x)" `a \\` b`', ['$(echo ")" x)', "`a \\` b`"]),
    ("${A:-'}'} $((1 + (2))) a#b #c", ["${A:-'}'}", "$((1 + (2)))", "a#b"]),
    ("x\\\ny", ["xy"]),
])
def test_words_follow_sh_quoting(script: str, expected: list[str]) -> None:
    assert _texts(script) == expected


@pytest.mark.parametrize("script", [
    r"a\ b 'c d' \$X", r'"\$X" "\a" "\\" "\"" "a\`b"', "'it'\\''s' x\\\ny",
    r"$'a\tb' $'\x24X' $'\101'",
])
def test_words_match_a_real_sh(script: str) -> None:
    """Words without expansions compared with what bash itself passes to a program."""
    out = subprocess.run(["bash", "-c", f"printf '%s\\0' {script}"], capture_output=True,
                         text=True, check=True).stdout
    assert _texts(script) == out.split("\0")[:-1]


def test_operators_and_newlines() -> None:
    tokens = tokenize("a&&b|c 2>&1 >>f;(d) <<EOF\ne &>x")
    shown = [t.text if isinstance(t, Word) else t for t in tokens]
    assert shown == ["a", "&&", "b", "|", "c", "2", ">&", "1", ">>", "f", ";", "(", "d", ")",
                     "<<", "EOF", "\n", "e", "&>", "x"]


@pytest.mark.parametrize(("script", "kinds"), [
    ("$A ${B} ${C:-x} $1 $? $$ $(d) `e` $((1))",
     ["var", "var", "param", "special", "special", "special", "command", "command", "arith"]),
])
def test_expansion_kinds(script: str, kinds: list[str]) -> None:
    assert [e.kind for w in words_of(script) for e in w.expansions] == kinds


@pytest.mark.parametrize(("script", "gitlab"), [
    (r"NOTE=\$CI_JOB_TOKEN", "NOTE=$$CI_JOB_TOKEN"),
    (r'"NOTE=\$CI_JOB_TOKEN"', "NOTE=$$CI_JOB_TOKEN"),
    ("'NOTE=$CI_JOB_TOKEN'", "NOTE=$$CI_JOB_TOKEN"),
    ("$'\\x24X'", "$$X"),
    ('"$A-${B}"', "$A-${B}"),
    ("$$", "${$}"),
    ("`date`", "$(date)"),
])
def test_gitlab_form_keeps_literal_dollars_literal(script: str, gitlab: str) -> None:
    (word,) = words_of(script)
    assert word.gitlab == gitlab


@pytest.mark.parametrize("script", ["'a", '"a', "$(a", "${a", "`a", "$'a"])
def test_open_quotes_are_errors(script: str) -> None:
    with pytest.raises(ShellSyntaxError):
        tokenize(script)


def test_gitlab_variable_helpers() -> None:
    assert references("$A $$B ${C} $$$D") == ["A", "C", "D"]
    assert is_plain("$$(x) $A") and not is_plain("$(x)") and not is_plain("${A:-b}")
    assert substitute("$A/$$A/${A}", {"A": "v"}) == "v/$$A/v"
    assert single_reference("${A}") == "A" and single_reference("$A/b") is None
    assert single_reference("${A") is None
    assert unescape(escape("a$b$$c")) == "a$b$$c"


@pytest.mark.parametrize("script", [
    "cat <<'EOF'\nline $X `y`\n  fi done\nEOF",
    "cat <<\"END\" | cat\na\n\nEND",
    "cat <<EOF\nplain\nEOF",
    "cat <<A; cat <<'B'\nfirst\nA\nsecond\nB",
])
def test_here_document_bodies_match_a_real_sh(script: str) -> None:
    """The bodies :func:`tokenize_script` reads are what bash feeds the commands."""
    docs = [t for t in tokenize_script(script) if isinstance(t, HereDoc)]
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True,
                         env={"X": "", "PATH": "/usr/bin:/bin"}).stdout
    bodies = "".join(d.body for d in docs)
    if all(not d.expands for d in docs) or "$" not in bodies:
        assert out == bodies
    assert all(d.closed for d in docs)


def test_here_documents_after_their_delimiter() -> None:
    tokens = tokenize_script("cat <<-EOF > f\n\tbody\n\tEOF\necho done\ncat <<X")
    docs = [t for t in tokens if isinstance(t, HereDoc)]
    assert docs[0] == HereDoc("EOF", "\tbody\n", 15, 21, True, True, True)
    assert tokens.index(docs[0]) == 3  # right after the delimiter word
    assert docs[1].delimiter == "X" and not docs[1].closed
    assert [t.text for t in tokens if isinstance(t, Word)] == [
        "cat", "EOF", "f", "echo", "done", "cat", "X"]
    # the plain tokenizer leaves bodies to the caller, as before
    assert "body" in [t.text for t in tokenize("cat <<EOF\nbody\nEOF") if isinstance(t, Word)]
