"""The one POSIX sh tokenizer: words and operators, with sh's quoting rules.

A word keeps, part by part, what the shell would make of it: literal text (quotes removed,
backslashes applied as sh applies them) and expansions (``$NAME``, ``${…}``, ``$(…)``,
backticks, ``$((…))``, ``$1``, ``$?``…) kept as written. So a caller can tell a literal
dollar (``'$X'``, ``\\$X``, ``$'\\x24X'``) from a real reference, and can write a value
into a GitLab variable exactly (:attr:`Word.gitlab`).

This is a tokenizer, not a shell: it does no expansion, aliasing or globbing. :func:`tokenize`
returns a ``<<`` operator for the caller to refuse; :func:`tokenize_script` also reads the
here-document bodies (data, not commands) into :class:`HereDoc` tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.variables import escape

# Longest first, so ``&&`` wins over ``&``.
OPERATORS = ("<<<", "<<-", "&>>", "&&", "||", ";;", "|&", ">>", "<<", "<&", ">&", "<>", ">|",
             "&>", ";", "&", "|", "<", ">", "(", ")", "\n")
_BLANK = " \t"
_ENDS_WORD = frozenset(_BLANK + ";&|<>()\n")
_SPECIAL = frozenset("@*#?-$!0123456789")
_NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_NAME_CHARS = _NAME_START + "0123456789"
_DOUBLE_ESCAPES = frozenset('$`"\\\n')
_ANSI = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
         "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


class ShellSyntaxError(ValueError):
    """The text is not complete sh: an open quote, expansion or substitution."""


@dataclass(frozen=True)
class Expansion:
    """One expansion in a word, as written.

    ``kind`` is ``var`` (``$NAME``/``${NAME}``), ``param`` (``${NAME:-x}`` and other
    operators), ``special`` (``$1``, ``$?``, ``$$``…), ``command`` (``$(…)``, backticks)
    or ``arith`` (``$((…))``).
    """

    kind: str
    source: str
    name: str = ""


Part = str | Expansion


@dataclass(frozen=True)
class Word:
    """One shell word: its parts, and where it is in the source text."""

    parts: tuple[Part, ...]
    start: int
    end: int

    @property
    def text(self) -> str:
        """The word after quote removal, expansions as written (``$`` literal or not)."""
        return "".join(p if isinstance(p, str) else p.source for p in self.parts)

    @property
    def expansions(self) -> tuple[Expansion, ...]:
        """The word's expansions, in order."""
        return tuple(p for p in self.parts if isinstance(p, Expansion))

    @property
    def literal_dollar(self) -> bool:
        """True when a ``$`` of the word is literal text, not an expansion."""
        return any(isinstance(p, str) and "$" in p for p in self.parts)

    @property
    def substitution(self) -> bool:
        """True when the word runs a command (``$(…)`` or backticks)."""
        return any(e.kind == "command" for e in self.expansions)

    @property
    def gitlab(self) -> str:
        """The word as a GitLab variable value with the same meaning where GitLab can say it.

        Literal dollars become ``$$``; ``$NAME``/``${NAME}`` stay references. Other
        expansions are written so that they are never taken for plain references
        (``$$`` becomes ``${$}``, backticks ``$(…)``): a caller checks
        :func:`runner_ext.variables.is_plain` before it moves the value into GitLab.
        """
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(escape(part))
            elif part.source == "$$":
                out.append("${$}")
            elif part.source.startswith("`"):
                out.append("$(" + part.source[1:-1] + ")")
            else:
                out.append(part.source)
        return "".join(out)


Token = Word | str


@dataclass(frozen=True)
class HereDoc:
    """A here-document's body (``<<EOF`` … ``EOF``), placed after its delimiter word.

    ``expands``: the delimiter is unquoted, so ``$…``, ``$(…)`` and backticks in the body
    are expanded (and commands in ``$(…)`` run). ``closed``: the delimiter line was found
    before the text ended (``False``: the body goes on in whatever text comes next).
    """

    delimiter: str
    body: str
    start: int
    end: int
    expands: bool
    strip_tabs: bool
    closed: bool


ScriptToken = Token | HereDoc


def end_of_heredoc(text: str, start: int, delimiter: str, strip_tabs: bool
                   ) -> tuple[int, int] | None:
    """``(end of body, end of delimiter line)`` for a body starting at ``start``;
    ``None`` when no line of ``text`` from there is the delimiter."""
    i = start
    while i < len(text):
        nxt = text.find("\n", i)
        stop = len(text) if nxt < 0 else nxt
        line = text[i:stop]
        if (line.lstrip("\t") if strip_tabs else line) == delimiter:
            return i, min(stop + 1, len(text))
        i = stop + 1
    return None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.parts: list[Part] = []
        self.literal: list[str] = []

    def peek(self, offset: int = 0) -> str:
        index = self.i + offset
        return self.text[index] if index < len(self.text) else ""

    def add(self, text: str) -> None:
        self.literal.append(text)

    def expansion(self, expansion: Expansion) -> None:
        self.flush()
        self.parts.append(expansion)

    def flush(self) -> None:
        if self.literal:
            self.parts.append("".join(self.literal))
            self.literal = []

    def take_word(self, start: int) -> Word:
        self.flush()
        parts, self.parts = tuple(self.parts), []
        return Word(parts, start, self.i)


def tokenize(text: str) -> list[Token]:
    """Split sh text into words and operator strings (``\\n`` is an operator).

    Comments are dropped and ``\\``-newline continuations joined. Raises
    :class:`ShellSyntaxError` for an unclosed quote, ``${``, ``$(`` or backtick.
    """
    return [t for t in _tokens(text, heredocs=False) if not isinstance(t, HereDoc)]


def tokenize_script(text: str) -> list[ScriptToken]:
    """:func:`tokenize`, with every here-document body read into a :class:`HereDoc` token
    right after its delimiter word (the body is skipped, never taken for commands)."""
    return _tokens(text, heredocs=True)


def _tokens(text: str, *, heredocs: bool) -> list[ScriptToken]:
    scan = _Scanner(text)
    tokens: list[ScriptToken] = []
    pending: list[tuple[int, Word, bool]] = []  # (index after the word, word, strip tabs)
    while scan.i < len(text):
        ch = scan.peek()
        if ch in _BLANK:
            scan.i += 1
        elif ch == "\\" and scan.peek(1) == "\n":
            scan.i += 2
        elif ch == "#":
            while scan.i < len(text) and scan.peek() != "\n":
                scan.i += 1
        elif ch in _ENDS_WORD:
            operator = next(op for op in OPERATORS if text.startswith(op, scan.i))
            tokens.append(operator)
            scan.i += len(operator)
            if heredocs and operator == "\n" and pending:
                _bodies(scan, tokens, pending)
        else:
            start = scan.i
            _word(scan)
            word = scan.take_word(start)
            tokens.append(word)
            if heredocs and len(tokens) > 1 and tokens[-2] in ("<<", "<<-"):
                pending.append((len(tokens), word, tokens[-2] == "<<-"))
    if pending:
        _bodies(scan, tokens, pending)
    return tokens


def _bodies(scan: _Scanner, tokens: list[ScriptToken],
            pending: list[tuple[int, Word, bool]]) -> None:
    """Read the bodies of the here-documents opened on the line just ended, in order."""
    placed: list[tuple[int, HereDoc]] = []
    for index, word, strip_tabs in pending:
        quoted = any(c in scan.text[word.start:word.end] for c in "'\"\\")
        found = end_of_heredoc(scan.text, scan.i, word.text, strip_tabs)
        body_end, resume = found if found else (len(scan.text), len(scan.text))
        placed.append((index, HereDoc(word.text, scan.text[scan.i:body_end], scan.i,
                                      body_end, not quoted, strip_tabs, found is not None)))
        scan.i = resume
    for index, heredoc in reversed(placed):
        tokens.insert(index, heredoc)
    pending.clear()


def _word(scan: _Scanner) -> None:
    while scan.i < len(scan.text) and scan.peek() not in _ENDS_WORD and scan.peek() not in _BLANK:
        ch = scan.peek()
        if ch == "\\":
            nxt = scan.peek(1)
            scan.i += 2
            if nxt and nxt != "\n":
                scan.add(nxt)
        elif ch == "'":
            end = scan.text.find("'", scan.i + 1)
            if end < 0:
                raise ShellSyntaxError("unclosed single quote")
            scan.add(scan.text[scan.i + 1: end])
            scan.i = end + 1
        elif ch == '"':
            _double(scan)
        elif ch == "$" and scan.peek(1) == "'":
            _ansi_c(scan)
        elif ch in "$`":
            _dollar(scan)
        else:
            scan.add(ch)
            scan.i += 1


def _double(scan: _Scanner) -> None:
    scan.i += 1
    while True:
        ch = scan.peek()
        if not ch:
            raise ShellSyntaxError("unclosed double quote")
        if ch == '"':
            scan.i += 1
            return
        if ch == "\\" and scan.peek(1) in _DOUBLE_ESCAPES and scan.peek(1):
            if scan.peek(1) != "\n":
                scan.add(scan.peek(1))
            scan.i += 2
        elif ch in "$`":
            _dollar(scan, quoted=True)
        else:
            scan.add(ch)
            scan.i += 1


def _ansi_c(scan: _Scanner) -> None:
    """``$'…'``: backslash escapes decoded, everything else literal."""
    i = scan.i + 2
    out = []
    while True:
        if i >= len(scan.text):
            raise ShellSyntaxError("unclosed $'…' quote")
        ch = scan.text[i]
        if ch == "'":
            break
        if ch != "\\" or i + 1 >= len(scan.text):
            out.append(ch)
            i += 1
            continue
        decoded, i = _ansi_escape(scan.text, i + 1)
        out.append(decoded)
    scan.add("".join(out))
    scan.i = i + 1


def _ansi_escape(text: str, i: int) -> tuple[str, int]:
    """One escape after the backslash at ``i - 1``: its character and the next index."""
    ch = text[i]
    if ch in _ANSI:
        return _ANSI[ch], i + 1
    digits, base, width = "", 0, 0
    if ch in "01234567":
        base, width, start = 8, 3, i
    elif ch == "x":
        base, width, start = 16, 2, i + 1
    elif ch in "uU":
        base, width, start = 16, 4 if ch == "u" else 8, i + 1
    else:
        return "\\" + ch, i + 1
    end = start
    allowed = "01234567" if base == 8 else "0123456789abcdefABCDEF"
    while end < len(text) and end - start < width and text[end] in allowed:
        end += 1
    digits = text[start:end]
    if not digits:
        return "\\" + ch, i + 1
    return chr(int(digits, base)), end


def _dollar(scan: _Scanner, quoted: bool = False) -> None:
    text, i = scan.text, scan.i
    if text[i] == "`":
        end = _closing_backtick(text, i + 1)
        scan.expansion(Expansion("command", text[i: end + 1]))
        scan.i = end + 1
        return
    nxt = scan.peek(1)
    if text.startswith("$((", i):
        end = _closing(text, i + 3, "(", ")", depth=2)
        scan.expansion(Expansion("arith", text[i: end]))
    elif nxt == "(":
        end = _closing(text, i + 2, "(", ")")
        scan.expansion(Expansion("command", text[i: end]))
    elif nxt == "{":
        end = _closing(text, i + 2, "{", "}")
        inner = text[i + 2: end - 1]
        plain = bool(inner) and inner[0] in _NAME_START and all(c in _NAME_CHARS for c in inner)
        scan.expansion(Expansion("var" if plain else "param", text[i: end],
                                 inner if plain else ""))
    elif nxt and nxt in _NAME_START:
        end = i + 1
        while end < len(text) and text[end] in _NAME_CHARS:
            end += 1
        scan.expansion(Expansion("var", text[i: end], text[i + 1: end]))
    elif nxt and nxt in _SPECIAL:
        end = i + 2
        scan.expansion(Expansion("special", text[i: end]))
    else:
        scan.add("$")
        end = i + 1
    scan.i = end


def _closing_backtick(text: str, i: int) -> int:
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "`":
            return i
        i += 1
    raise ShellSyntaxError("unclosed backtick")


def _closing(text: str, i: int, opening: str, closing: str, depth: int = 1) -> int:
    """Index just past the ``closing`` character that matches, skipping quotes and nesting."""
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                break
            i = end + 1
        elif ch == '"':
            i = _skip_double(text, i + 1)
        elif ch == "`":
            i = _closing_backtick(text, i + 1) + 1
        else:
            depth += (ch == opening) - (ch == closing)
            i += 1
            if depth == 0:
                return i
    raise ShellSyntaxError(f"unclosed {opening} expansion")


def _skip_double(text: str, i: int) -> int:
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        elif text.startswith("$(", i):
            i = _closing(text, i + 2, "(", ")")
        elif text[i] == "`":
            i = _closing_backtick(text, i + 1) + 1
        else:
            i += 1
    raise ShellSyntaxError("unclosed double quote")


def words_of(text: str) -> list[Word]:
    """Only the words of ``text`` (operators dropped); raises :class:`ShellSyntaxError`."""
    return [t for t in tokenize(text) if isinstance(t, Word)]
