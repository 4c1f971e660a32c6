"""The vocabulary of a build plan: literal words, and words known only when the job runs.

A plan for a concrete spec contains only strings. A plan for a *symbolic* spec (the one our
CI templates carry) refers to job variables: :class:`Var` for a value, and list-valued
variables (one item per line) expanded with :class:`Each`. The engine planners build
both kinds through the helpers here, so the flag mapping is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Var:
    """A job variable whose value is known only at run time (a list: one item per line)."""

    name: str


@dataclass(frozen=True)
class Dirname:
    """The directory part of a path held in a variable."""

    var: Var


@dataclass(frozen=True)
class Basename:
    """The file-name part of a path held in a variable."""

    var: Var


Part = str | Var | Dirname | Basename
Text = str | Var
Items = tuple[str, ...] | Var
Flag = bool | Var


@dataclass(frozen=True)
class Word:
    """One argv word: the concatenation of its parts."""

    parts: tuple[Part, ...]

    @property
    def literal(self) -> str | None:
        """The word as a string when it has no run-time parts."""
        if all(isinstance(p, str) for p in self.parts):
            return "".join(p for p in self.parts if isinstance(p, str))
        return None


@dataclass(frozen=True)
class Each:
    """Words repeated for every line of a list variable; ``ITEM`` stands for the line."""

    var: Var
    words: tuple[Arg, ...]
    refuse_names: tuple[str, ...] = ()
    allow_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class When:
    """Words used only when a variable is ``equals`` (``nonempty=True``: when it is not
    empty)."""

    var: Var
    words: tuple[Arg, ...]
    nonempty: bool = False
    equals: str = "true"


@dataclass(frozen=True)
class Joined:
    """One word made of a prefix, the lines of a list variable joined by ``sep``, a suffix."""

    prefix: str
    var: Var
    sep: str
    suffix: str


Arg = Word | Each | When | Joined
ITEM = Var("runner_ext_item")


def word(*parts: Part) -> Word:
    """Build one argv word from literal and run-time parts (adjacent literals merged)."""
    merged: list[Part] = []
    for part in parts:
        if part == "":
            continue
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return Word(tuple(merged))


def words(*values: Part) -> list[Arg]:
    """Each value becomes its own word."""
    return [word(v) for v in values]


def each(items: Items, build: Callable[[Text], Sequence[Arg]], *,
         refuse_names: tuple[str, ...] = (), allow_names: tuple[str, ...] = ()) -> list[Arg]:
    """Repeat ``build(item)`` for every item, now (a tuple) or in the job (a variable)."""
    if isinstance(items, Var):
        return [Each(items, tuple(build(ITEM)), refuse_names, allow_names)]
    return [arg for item in items for arg in build(item)]


def when(flag: Flag, build: Callable[[], Sequence[Arg]]) -> list[Arg]:
    """``build()`` if the flag is true, now (a bool) or in the job (a variable)."""
    if isinstance(flag, Var):
        return [When(flag, tuple(build()))]
    return list(build()) if flag else []


def unless(flag: Flag, build: Callable[[], Sequence[Arg]]) -> list[Arg]:
    """``build()`` if the flag is false, now (a bool) or in the job (a variable that is
    exactly ``false``)."""
    if isinstance(flag, Var):
        return [When(flag, tuple(build()), equals="false")]
    return [] if flag else list(build())


def when_set(value: Text, build: Callable[[Text], Sequence[Arg]]) -> list[Arg]:
    """``build(value)`` if the value is not empty, now or in the job."""
    if isinstance(value, Var):
        return [When(value, tuple(build(value)), nonempty=True)]
    return list(build(value)) if value else []


def joined(prefix: str, items: Items, sep: str, suffix: str = "") -> Word | Joined:
    """One word holding all items joined by ``sep``."""
    if isinstance(items, Var):
        return Joined(prefix, items, sep, suffix)
    return word(prefix + sep.join(items) + suffix)


def dirname(path: Text) -> Part:
    """Directory of a path (``.`` for a bare file name), now or in the job."""
    if isinstance(path, Var):
        return Dirname(path)
    head = path.rpartition("/")[0]
    return head or ("/" if path.startswith("/") else ".")


def basename(path: Text) -> Part:
    """File name of a path, now or in the job."""
    return Basename(path) if isinstance(path, Var) else path.rpartition("/")[2]
