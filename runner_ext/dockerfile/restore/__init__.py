"""Dependency restores (dotnet, npm/yarn/pnpm, pip, poetry, uv) and the manifests they read.

A toolchain module recognises its restore command in a ``RUN`` and lists the manifest files
the restore needs from the build context, raising :class:`Unsafe` whenever it cannot be sure
that those files are all the restore reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.dockerfile.shell import SimpleCommand


class Unsafe(Exception):
    """Why a restore cannot be moved before the whole-context copy automatically."""


@dataclass(frozen=True)
class Restore:
    """A command that restores dependencies, and the restore-only command to run early."""

    toolchain: str
    command: SimpleCommand
    warmer: tuple[str, ...] | None
    why_not: str | None = None

    @property
    def exact(self) -> bool:
        """The command is itself restore-only (it can move as it is)."""
        return self.warmer == self.command.words


@dataclass(frozen=True)
class Output:
    """A folder the restore writes inside the project (``obj``, ``node_modules``, ``.venv``)."""

    name: str
    root_only: bool

    def contains(self, path: str) -> bool:
        """True when context file ``path`` lies inside such a folder."""
        folders = path.split("/")[:-1]
        return (folders[:1] == [self.name]) if self.root_only else self.name in folders


@dataclass(frozen=True)
class Manifests:
    """Context files to copy before the restore, and the folders the restore writes."""

    files: tuple[str, ...]
    outputs: tuple[Output, ...]


def option_values(words: tuple[str, ...], names: tuple[str, ...]) -> list[str]:
    """Values of ``--name value`` and ``--name=value`` for each of ``names``."""
    values = []
    for index, word in enumerate(words):
        for name in names:
            if word == name and index + 1 < len(words):
                values.append(words[index + 1])
            elif word.startswith(name + "=") and name.startswith("--"):
                values.append(word.partition("=")[2])
    return values
