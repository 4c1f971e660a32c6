"""Just enough shell to find commands in a ``RUN``: simple commands split at operators."""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.dockerfile.model import Instruction
from runner_ext.sh import ShellSyntaxError, Token, Word, tokenize
from runner_ext.variables import ASSIGNMENT

OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "|&"})
_WRAPPERS = frozenset({"sudo", "env", "exec", "command", "time", "nice", "nohup"})
_KEYWORDS = frozenset({"then", "do", "else", "!", "{", "(", "if", "while", "until", "elif"})


@dataclass(frozen=True)
class SimpleCommand:
    """One command of a shell script with the operators around it."""

    words: tuple[str, ...]
    before: str | None
    after: str | None
    plain: bool

    @property
    def program(self) -> str:
        """The command name without a path (``/usr/bin/apt-get`` → ``apt-get``)."""
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""

    def has(self, *options: str) -> bool:
        """True when any of ``options`` is one of the words."""
        return any(option in self.words for option in options)


def run_commands(instruction: Instruction) -> list[SimpleCommand] | None:
    """The simple commands of a ``RUN`` (``None`` when its shell text cannot be split)."""
    if instruction.json:
        return [SimpleCommand(instruction.value, None, None, True)]
    script = " ".join(instruction.value)
    if instruction.heredocs:
        script = "\n".join(instruction.heredocs)
    return split_commands(script)


def split_commands(script: str) -> list[SimpleCommand] | None:
    """Split ``script`` at ``&&``, ``||``, ``;``, ``|``, ``&`` and newlines."""
    try:
        tokens: list[Token | None] = [";" if t == "\n" else t for t in tokenize(script)]
    except ShellSyntaxError:
        return None
    commands: list[SimpleCommand] = []
    current: list[Token] = []
    before: str | None = None
    for token in [*tokens, None]:
        if token is None or (isinstance(token, str) and token in OPERATORS):
            if current:
                commands.append(_command(current, before, token))
            before, current = token, []
        else:
            current.append(token)
    return commands


def _command(tokens: list[Token], before: str | None, after: str | None) -> SimpleCommand:
    plain = all(isinstance(t, Word) for t in tokens)
    words = [t.text if isinstance(t, Word) else t for t in tokens]
    while words and (words[0] in _KEYWORDS or ASSIGNMENT.match(words[0])):
        words.pop(0)
    while words and words[0] in _WRAPPERS:
        words.pop(0)
        while words and (words[0].startswith("-") or ASSIGNMENT.match(words[0])):
            words.pop(0)
    return SimpleCommand(tuple(words), before, after, plain)


def positionals(words: tuple[str, ...], with_value: frozenset[str]) -> list[str]:
    """Arguments that are not options (skipping the values of options in ``with_value``)."""
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in with_value:
            skip = True
        elif not word.startswith("-"):
            found.append(word)
    return found
