"""What runner-ext knows about a build context: its files, its .dockerignore, file contents."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from runner_ext.dockerfile.dockerignore import DockerIgnore

ReadFile = Callable[[str], "bytes | str | None"]


class IgnoreState(enum.Enum):
    """Whether the context's ``.dockerignore`` is known."""

    ABSENT = "absent"
    READ = "read"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class BuildContext:
    """Files of the build context (paths relative to it, ``/``-separated) and how to read them."""

    files: frozenset[str] | None
    has_dockerignore: bool | None
    ignore_state: IgnoreState
    dockerignore: DockerIgnore | None
    read_file: ReadFile | None

    @classmethod
    def create(
        cls,
        files: Iterable[str] | None,
        has_dockerignore: bool | None,
        read_file: ReadFile | None,
    ) -> BuildContext:
        """Normalise the paths and read ``.dockerignore`` when it can be read."""
        normalised = frozenset(normalise(f) for f in files) if files is not None else None
        state, ignore = IgnoreState.UNKNOWN, None
        if has_dockerignore is False:
            state = IgnoreState.ABSENT
        elif read_file is not None:
            text = _decode(read_file(".dockerignore"))
            if text is not None:
                state, ignore = IgnoreState.READ, DockerIgnore(text)
            elif has_dockerignore is None:
                state = IgnoreState.ABSENT
        return cls(normalised, has_dockerignore, state, ignore, read_file)

    def read_text(self, path: str) -> str | None:
        """A context file's text, or ``None`` when it cannot be read or is not UTF-8."""
        if self.read_file is None:
            return None
        return _decode(self.read_file(path))

    def excluded(self, path: str) -> bool:
        """True when ``.dockerignore`` leaves ``path`` out of the context."""
        return self.dockerignore is not None and self.dockerignore.excludes(path)

    def visible_files(self) -> list[str]:
        """Context files that reach the build (sorted), or ``[]`` when the files are unknown."""
        return sorted(f for f in self.files or () if not self.excluded(f))


def normalise(path: str) -> str:
    """``./a\\b`` → ``a/b``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


def _decode(data: bytes | str | None) -> str | None:
    if data is None or isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
