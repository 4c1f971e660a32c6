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
from runner_ext.sh import (
    HereDoc,
    ScriptToken,
    ShellSyntaxError,
    Word,
    end_of_heredoc,
    tokenize_script,
)
from runner_ext.variables import ASSIGNMENT, NAME

_PASSWORD_FLAG = re.compile(
    r"(\s(?:-p|--password)(?:\s+|=|(?=[^\s-])))(\"[^\"]*\"|'[^']*'|\S+)")
_LOGIN = re.compile(r"\blogin\b")
_NAME_VALUE = re.compile(rf"\b({NAME})=(\"[^\"]*\"|'[^']*'|[^\s\"']+)")
# The password of a URL (``https://user:PASSWORD@host/…``, e.g. a ``git config … insteadOf``).
_URL_PASSWORD = re.compile(r"(://[^\s/:@'\"]*:)([^\s/@'\"]+)(?=@)")


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

    def url_password(match: re.Match[str]) -> str:
        return match.group(0) if match.group(2).startswith("$") else match.group(1) + "***"

    if _LOGIN.search(text):  # -p is a port or a project name elsewhere
        text = _PASSWORD_FLAG.sub(password, text)
    return _URL_PASSWORD.sub(url_password, _NAME_VALUE.sub(name_value, text))


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


# Programs that read a here-document as commands, not data.
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "ssh", "eval", "source", ".",
                     "sudo", "su", "docker", "docker-compose", "podman", "xargs", "env"})
NAME_ONLY = re.compile(rf"^{NAME}$")
_SUBSTITUTION = re.compile(r"\$\(|`")


@dataclass
class _Line:
    tokens: list[ScriptToken]
    text: str
    literal_dollar: bool
    substitution: bool


def logical_lines(item: str) -> list[_Line]:
    """Split one script item into lines of tokens (comments dropped, continuations joined).

    Raises :class:`runner_ext.sh.ShellSyntaxError` when a quote or expansion is left open.
    """
    lines: list[_Line] = []
    current: list[ScriptToken] = []
    for token in [*tokenize_script(item), "\n"]:
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


def _segments(tokens: list[ScriptToken]) -> list[tuple[list[ScriptToken], str]]:
    """Split tokens into (command tokens, separator that follows)."""
    segments: list[tuple[list[ScriptToken], str]] = []
    current: list[ScriptToken] = []
    for token in tokens:
        if isinstance(token, str) and token in _SEPARATORS:
            segments.append((current, token))
            current = []
        else:
            current.append(token)
    segments.append((current, ""))
    return [s for s in segments if s[0] or s[1]]


def _strip_redirects(tokens: list[ScriptToken]) -> tuple[list[str], bool]:
    """The words without redirections and here-documents (GitLab form), and whether there
    were any."""
    kept, redirected = _kept_tokens(tokens)
    return [t.gitlab if isinstance(t, Word) else t for t in kept], redirected


def _kept_tokens(tokens: list[ScriptToken]) -> tuple[list[Word | str], bool]:
    """The tokens :func:`_strip_redirects` keeps (operators such as ``(`` included), and
    whether there were redirections."""
    kept: list[Word | str] = []
    redirected = skip = False
    for token in tokens:
        if skip:
            skip = False
        elif isinstance(token, HereDoc):
            continue
        elif isinstance(token, str) and token in _REDIRECTS | _HEREDOC:
            redirected = skip = True
            last = kept[-1] if kept else None
            if isinstance(last, Word) and last.text.isdigit() and not last.literal_dollar:
                kept.pop()
        else:
            kept.append(token)
    return kept, redirected


class ScriptParser:
    """Turns script items into commands, tracking shell blocks across lines."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.commands: list[Command] = []
        self.problems: list[str] = []
        self.item = -1
        # A here-document whose body goes on in the next script items (delimiter, <<-).
        self.heredoc: tuple[str, bool] | None = None
        self.case_pattern = False
        self.defined: list[str] = []

    def feed(self, item: str) -> None:
        """Parse one script item (one entry of ``script:``)."""
        self.item += 1
        if self.heredoc is not None:
            found = end_of_heredoc(item, 0, *self.heredoc)
            if found is None:
                return  # the whole item is the body: data
            self.heredoc = None
            # The body's characters become blanks, so offsets into the item stay right.
            item = re.sub(r"[^\n]", " ", item[:found[1]]) + item[found[1]:]
        try:
            lines = logical_lines(item)
        except ShellSyntaxError as exc:
            self.problems.append(f"unbalanced quotes or expansion ({exc}) in: "
                                 f"{redact(item.strip())[:80]}")
            return
        for line in lines:
            if not self._heredocs(line):
                return
            self._line(line)

    def _heredocs(self, line: _Line) -> bool:
        """Check the line's here-documents: their bodies are data unless a shell reads
        them or they run commands; False (with a problem) when they can't be read."""
        where = f"script entry {self.item + 1}: {redact(line.text.strip())[:80]}"
        for tokens, _ in _segments(line.tokens):
            docs = [t for t in tokens if isinstance(t, HereDoc)]
            words = _strip_redirects(tokens)[0]
            program = words[0] if words else ""
            for doc in docs:
                if program in _SHELLS:
                    self.problems.append(f"here-document <<{doc.delimiter} is read by "
                                         f"{program} as commands, which runner-ext does not "
                                         f"analyse ({where})")
                    return False
                if doc.expands and _SUBSTITUTION.search(doc.body):
                    self.problems.append(f"here-document <<{doc.delimiter} runs commands in "
                                         f"its body ($(…) or backticks) ({where})")
                    return False
                if not doc.closed:
                    self.heredoc = (doc.delimiter, doc.strip_tabs)
        return True

    def _case_patterns(self, tokens: list[ScriptToken]) -> list[ScriptToken]:
        """The tokens without ``case`` patterns (``a|b)`` after ``in`` or ``;;``): a pattern
        is no command, and its ``|`` no pipe."""
        out: list[ScriptToken] = []
        for token in tokens:
            text = token.text if isinstance(token, Word) else token
            if self.case_pattern and text != "esac":
                self.case_pattern = token != ")"
                continue
            self.case_pattern = False
            out.append(token)
            header = [t.text for t in out[-3:] if isinstance(t, Word)]
            if token == ";;" or (len(header) == 3 and header[0] == "case" and text == "in"):
                self.case_pattern = True
        return out

    def _line(self, line: _Line) -> None:
        parts = _segments(self._case_patterns(line.tokens))
        # A command fed a here-document is carried only with its body: never line by line.
        fed = [any(isinstance(t, HereDoc) for t in tokens) for tokens, _ in parts]
        segments = [(*_strip_redirects(tokens), separator,
                     [t for t in tokens if isinstance(t, Word)], _kept_tokens(tokens)[0])
                    for tokens, separator in parts]
        guarded: str | None = None
        for index, (words, redirected, separator, word_tokens, kept) in enumerate(segments):
            words, inside, lead = self._blocks(words)
            if self.defined:  # `name() {`: recorded as a `function NAME` command
                first = word_tokens[0]
                self._add(["function", self.defined.pop()], line, "function", False, False,
                          (first.start, first.end))
            if not words:
                continue
            # Operators kept among the words (`(` of a subshell or `((`) have no position:
            # count Word tokens only, before the command and in the block words after it.
            start = sum(isinstance(t, Word) for t in kept[:lead])
            last = len(word_tokens) - 1 - sum(isinstance(t, Word)
                                              for t in kept[lead + len(words):])
            if start >= len(word_tokens):
                continue  # no word at all, e.g. `( )`: nothing runs
            span = (word_tokens[start].start, word_tokens[max(last, start)].end)
            previous = segments[index - 1][2] if index else ""
            nxt = segments[index + 1][0] if index + 1 < len(segments) else []
            construct = inside or guarded or ("here-document" if fed[index] else None)
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
        function = _function_name(words)
        if function:
            self.defined.append(function)
            words = words[words.index("{"):] if "{" in words else []
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


def _function_name(words: list[str]) -> str | None:
    """The name a function definition (``name() {``, ``function name {``) defines."""
    if len(words) >= 3 and words[1:3] == ["(", ")"] and NAME_ONLY.match(words[0]):
        return words[0]
    if len(words) >= 2 and words[0] == "function" and NAME_ONLY.match(words[1]):
        return words[1]
    return None


def parse_script(items: list[str]) -> tuple[list[Command], list[str]]:
    """Commands of a whole script (``before_script`` + ``script``) and parse problems."""
    parser = ScriptParser()
    for item in items:
        parser.feed(item)
    if parser.blocks:
        parser.problems.append(f"'{parser.blocks[-1]}' block is never closed")
    if parser.heredoc is not None:
        parser.problems.append(f"here-document <<{parser.heredoc[0]} is never closed")
    return parser.commands, parser.problems
