"""Job scripts as simple commands: enough shell to find docker invocations safely.

We do not run or fully parse shell. We split each script item into logical lines (quotes,
``\\`` continuations and comments respected), tokenise them with :mod:`shlex`, split on
``;``, ``&&``, ``||``, ``|`` and ``&``, and record every construct that makes a command
conditional, repeated or redirected. The migration rewrites a job only when every command
is a plain one it understands; anything else is reported, not guessed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from runner_ext.planner.secrets import looks_secret

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PASSWORD_FLAG = re.compile(r"(\s(?:-p|--password)(?:\s+|=))(\"[^\"]*\"|'[^']*'|\S+)")
_NAME_VALUE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s\"']+)")


def redact(text: str) -> str:
    """A command line fit for messages: literal passwords and secret-looking values masked."""
    def name_value(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        if looks_secret(name) and not value.strip("\"'").startswith("$"):
            return f"{name}=***"
        return match.group(0)

    def password(match: re.Match[str]) -> str:
        value = match.group(2).strip("\"'")
        return match.group(0) if value.startswith("$") else match.group(1) + "***"

    return _NAME_VALUE.sub(name_value, _PASSWORD_FLAG.sub(password, text))
_OPEN = {"if": "if", "for": "for", "while": "while", "until": "until", "case": "case",
         "{": "{ }", "(": "subshell", "select": "select"}
_CLOSE = frozenset({"fi", "done", "esac", "}", ")"})
_MIDDLE = frozenset({"then", "else", "elif", "do", "in"})
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", ";;", "|&"})
_REDIRECTS = frozenset({">", ">>", "<", ">&", "<&", ">|", "&>", "&>>", "<>"})
_TRUE = frozenset({"true", ":"})
_TESTS = frozenset({"[", "[[", "test"})


@dataclass(frozen=True)
class Command:
    """One simple command of a job script."""

    words: tuple[str, ...]
    text: str
    assignments: tuple[tuple[str, str], ...] = ()
    construct: str | None = None
    may_fail: bool = False
    redirected: bool = False
    literal_dollar: bool = False
    substitution: bool = False

    @property
    def name(self) -> str:
        """The command's first word ('' for a pure assignment)."""
        return self.words[0] if self.words else ""


@dataclass
class _Line:
    text: str
    literal_dollar: bool
    substitution: bool


def logical_lines(item: str) -> tuple[list[_Line], bool]:
    """Split one script item into lines, dropping comments and joining ``\\`` continuations.

    Each line records whether it has a ``$`` inside single quotes (a literal dollar the
    shell never expands) and a command substitution (``$(…)`` or backticks); the flag says
    whether a quote was left open.
    """
    lines: list[_Line] = []
    current: list[str] = []
    quote = ""
    dollar_in_single = substitution = False
    i = 0
    while i < len(item):
        ch = item[i]
        if quote == "'":
            dollar_in_single |= ch == "$"
            quote = "" if ch == "'" else quote
        elif ch == "\\" and i + 1 < len(item):
            if item[i + 1] != "\n":
                current.append(item[i: i + 2])
            i += 2
            continue
        elif quote == '"':
            quote = "" if ch == '"' else quote
            substitution |= ch == "`" or (ch == "$" and item[i + 1: i + 2] == "(")
        elif ch in "'\"":
            quote = ch
        elif ch == "`" or (ch == "$" and item[i + 1: i + 2] == "("):
            substitution = True
        elif ch == "#" and (not current or current[-1][-1] in " \t;&|("):
            while i < len(item) and item[i] != "\n":
                i += 1
            continue
        elif ch == "\n":
            lines.append(_Line("".join(current), dollar_in_single, substitution))
            current, dollar_in_single, substitution = [], False, False
            i += 1
            continue
        current.append(ch)
        i += 1
    lines.append(_Line("".join(current), dollar_in_single, substitution))
    return [line for line in lines if line.text.strip()], bool(quote)


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def _segments(tokens: list[str]) -> list[tuple[list[str], str]]:
    """Split tokens into (command tokens, separator that follows)."""
    segments: list[tuple[list[str], str]] = []
    current: list[str] = []
    for token in tokens:
        if token in _SEPARATORS:
            segments.append((current, token))
            current = []
        else:
            current.append(token)
    segments.append((current, ""))
    return [s for s in segments if s[0] or s[1]]


def _strip_redirects(words: list[str]) -> tuple[list[str], bool]:
    kept: list[str] = []
    redirected = False
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word in _REDIRECTS:
            redirected = True
            skip = True
            if kept and kept[-1].isdigit() and index > 0:
                kept.pop()
            continue
        kept.append(word)
    return kept, redirected


class ScriptParser:
    """Turns script items into commands, tracking shell blocks across lines."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.commands: list[Command] = []
        self.problems: list[str] = []

    def feed(self, item: str) -> None:
        """Parse one script item (one entry of ``script:``)."""
        lines, open_quote = logical_lines(item)
        if open_quote:
            self.problems.append(f"unbalanced quotes in: {item.strip()[:80]}")
            return
        for line in lines:
            if "<<" in line.text.replace("<<<", ""):
                self.problems.append(f"here-document in: {line.text.strip()[:80]}")
                return
            try:
                tokens = _tokens(line.text)
            except ValueError:
                self.problems.append(f"cannot split into words: {line.text.strip()[:80]}")
                continue
            self._line(tokens, line)

    def _line(self, tokens: list[str], line: _Line) -> None:
        segments = _segments(tokens)
        guarded: str | None = None
        for index, (words, separator) in enumerate(segments):
            words, inside = self._blocks(words)
            if not words:
                continue
            previous = segments[index - 1][1] if index else ""
            nxt = segments[index + 1][0] if index + 1 < len(segments) else []
            construct = inside or guarded
            may_fail = separator == "||" and len(nxt) == 1 and nxt[0] in _TRUE
            if previous == "||" and len(words) == 1 and words[0] in _TRUE:
                continue
            if separator in ("|", "|&", "&") or previous in ("|", "|&") or (
                    "||" in (separator, previous) and not may_fail):
                construct = construct or separator or previous
            if words[0] in _TESTS and separator in ("&&", "||"):
                guarded = guarded or f"{words[0]} … {separator}"
            self._add(words, line, construct, may_fail)

    def _blocks(self, words: list[str]) -> tuple[list[str], str | None]:
        while words and words[0] in _OPEN:
            self.blocks.append(_OPEN[words[0]])
            words = words[1:]
        while words and words[0] in _MIDDLE:
            words = words[1:]
        while words and words[0] in _CLOSE:
            if self.blocks:
                self.blocks.pop()
            else:
                self.problems.append(f"'{words[0]}' without an opening block")
            words = words[1:]
        inside = self.blocks[0] if self.blocks else None
        if words and words[-1] in _CLOSE and self.blocks and words[0] not in ("echo", "printf"):
            self.blocks.pop()
            words = words[:-1]
        return words, inside

    def _add(self, words: list[str], line: _Line, construct: str | None,
             may_fail: bool) -> None:
        words, redirected = _strip_redirects(words)
        assignments = []
        while words and _ASSIGNMENT.match(words[0]):
            name, value = words.pop(0).split("=", 1)
            assignments.append((name, value))
        self.commands.append(Command(
            tuple(words), redact(line.text.strip()), tuple(assignments), construct, may_fail,
            redirected, line.literal_dollar, line.substitution))


def parse_script(items: list[str]) -> tuple[list[Command], list[str]]:
    """Commands of a whole script (``before_script`` + ``script``) and parse problems."""
    parser = ScriptParser()
    for item in items:
        parser.feed(item)
    if parser.blocks:
        parser.problems.append(f"'{parser.blocks[-1]}' block is never closed")
    return parser.commands, parser.problems
