"""Job scripts as simple commands: enough shell to find docker invocations safely.

We do not run shell. Each script item is split into words and operators by the one sh
tokenizer (:mod:`runner_ext.sh`), then into commands at ``;``, ``&&``, ``||``, ``|``, ``&``
and newlines, recording every construct that makes a command conditional, repeated or
redirected. A command's words are written as GitLab would write the same value (a literal
``$`` as ``$$``), so a value moved from a script into a CI variable keeps its meaning.
The migration rewrites a job only when every command is a plain one it understands;
anything else is reported, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runner_ext.planner.secrets import looks_secret
from runner_ext.sh import ShellSyntaxError, Token, Word, tokenize
from runner_ext.variables import ASSIGNMENT, NAME

_PASSWORD_FLAG = re.compile(r"(\s(?:-p|--password)(?:\s+|=))(\"[^\"]*\"|'[^']*'|\S+)")
_NAME_VALUE = re.compile(rf"\b({NAME})=(\"[^\"]*\"|'[^']*'|[^\s\"']+)")


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
_REDIRECTS = frozenset({">", ">>", "<", ">&", "<&", ">|", "&>", "&>>", "<>", "<<<"})
_HEREDOC = frozenset({"<<", "<<-"})
_TRUE = frozenset({"true", ":"})
_TESTS = frozenset({"[", "[[", "test"})


@dataclass(frozen=True)
class Command:
    """One simple command of a job script.

    ``words`` and assignment values are GitLab-form text (see :attr:`runner_ext.sh.Word.gitlab`).
    """

    words: tuple[str, ...]
    text: str
    assignments: tuple[tuple[str, str], ...] = ()
    construct: str | None = None
    may_fail: bool = False
    redirected: bool = False
    literal_dollar: bool = False
    substitution: bool = False
    # Where the command is written: the script item (its index among the items parsed
    # together), the command's offsets in that item's text, and the line's exact source.
    item: int = -1
    span: tuple[int, int] = (0, 0)
    source: str = ""

    @property
    def name(self) -> str:
        """The command's first word ('' for a pure assignment)."""
        return self.words[0] if self.words else ""


@dataclass
class _Line:
    tokens: list[Token]
    text: str
    literal_dollar: bool
    substitution: bool


def logical_lines(item: str) -> list[_Line]:
    """Split one script item into lines of tokens (comments dropped, continuations joined).

    Raises :class:`runner_ext.sh.ShellSyntaxError` when a quote or expansion is left open.
    """
    lines: list[_Line] = []
    current: list[Token] = []
    for token in [*tokenize(item), "\n"]:
        if token != "\n":
            current.append(token)
            continue
        words = [t for t in current if isinstance(t, Word)]
        if words:
            lines.append(_Line(current, item[words[0].start: words[-1].end],
                               any(w.literal_dollar for w in words),
                               any(w.substitution for w in words)))
        current = []
    return lines


def _segments(tokens: list[Token]) -> list[tuple[list[Token], str]]:
    """Split tokens into (command tokens, separator that follows)."""
    segments: list[tuple[list[Token], str]] = []
    current: list[Token] = []
    for token in tokens:
        if isinstance(token, str) and token in _SEPARATORS:
            segments.append((current, token))
            current = []
        else:
            current.append(token)
    segments.append((current, ""))
    return [s for s in segments if s[0] or s[1]]


def _strip_redirects(tokens: list[Token]) -> tuple[list[str], bool]:
    """The words without redirections (GitLab form), and whether there were any."""
    kept: list[Token] = []
    redirected = skip = False
    for token in tokens:
        if skip:
            skip = False
        elif isinstance(token, str) and token in _REDIRECTS:
            redirected = skip = True
            last = kept[-1] if kept else None
            if isinstance(last, Word) and last.text.isdigit() and not last.literal_dollar:
                kept.pop()
        else:
            kept.append(token)
    return [t.gitlab if isinstance(t, Word) else t for t in kept], redirected


class ScriptParser:
    """Turns script items into commands, tracking shell blocks across lines."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.commands: list[Command] = []
        self.problems: list[str] = []
        self.item = -1

    def feed(self, item: str) -> None:
        """Parse one script item (one entry of ``script:``)."""
        self.item += 1
        try:
            lines = logical_lines(item)
        except ShellSyntaxError as exc:
            self.problems.append(f"unbalanced quotes or expansion ({exc}) in: "
                                 f"{redact(item.strip())[:80]}")
            return
        for line in lines:
            if any(isinstance(t, str) and t in _HEREDOC for t in line.tokens):
                self.problems.append(f"here-document in: {redact(line.text.strip())[:80]}")
                return
            self._line(line)

    def _line(self, line: _Line) -> None:
        segments = [(*_strip_redirects(tokens), separator,
                     [t for t in tokens if isinstance(t, Word)])
                    for tokens, separator in _segments(line.tokens)]
        guarded: str | None = None
        for index, (words, redirected, separator, word_tokens) in enumerate(segments):
            count = len(words)
            words, inside, lead = self._blocks(words)
            if not words:
                continue
            last = len(word_tokens) - 1 - (count - lead - len(words))
            span = (word_tokens[lead].start, word_tokens[max(last, lead)].end)
            previous = segments[index - 1][2] if index else ""
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
            self._add(words, line, construct, may_fail, redirected, span)

    def _blocks(self, words: list[str]) -> tuple[list[str], str | None, int]:
        """The words without block keywords, the outermost block, and how many leading
        words were keywords."""
        count = len(words)
        while words and words[0] in _OPEN:
            opener = words[0]
            self.blocks.append(_OPEN[opener])
            words = words[1:]
            if opener in ("for", "select"):
                words = []  # `for NAME in WORDS`: the loop's header, not a command
        while words and words[0] in _MIDDLE:
            words = words[1:]
        while words and words[0] in _CLOSE:
            if self.blocks:
                self.blocks.pop()
            else:
                self.problems.append(f"'{words[0]}' without an opening block")
            words = words[1:]
        lead = count - len(words)
        inside = self.blocks[0] if self.blocks else None
        if words and words[-1] in _CLOSE and self.blocks and words[0] not in ("echo", "printf"):
            self.blocks.pop()
            words = words[:-1]
        return words, inside, lead

    def _add(self, words: list[str], line: _Line, construct: str | None,
             may_fail: bool, redirected: bool, span: tuple[int, int]) -> None:
        assignments = []
        while words and ASSIGNMENT.match(words[0]):
            name, value = words.pop(0).split("=", 1)
            assignments.append((name, value))
        self.commands.append(Command(
            tuple(words), redact(line.text.strip()), tuple(assignments), construct, may_fail,
            redirected, line.literal_dollar, line.substitution, self.item, span, line.text))


def parse_script(items: list[str]) -> tuple[list[Command], list[str]]:
    """Commands of a whole script (``before_script`` + ``script``) and parse problems."""
    parser = ScriptParser()
    for item in items:
        parser.feed(item)
    if parser.blocks:
        parser.problems.append(f"'{parser.blocks[-1]}' block is never closed")
    return parser.commands, parser.problems
