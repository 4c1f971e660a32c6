"""The one way runner-ext writes files: each through a synced temporary file and a rename.

:func:`write_all` stages every file before renaming any, so a full disk or a permission problem
leaves the targets as they were; a reader never sees half a file, and after a crash a target is
either the old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

DEFAULT_MODE = 0o644


def stage(target: Path, text: str) -> str:
    """Write ``text`` next to ``target`` in a synced temporary file with the target's mode.

    The target's folder must exist: a missing one is an error, not something to create.
    """
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else DEFAULT_MODE
        os.chmod(temp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def write_all(files: Iterable[tuple[Path, str]]) -> list[Path]:
    """Stage every ``(target, text)``, then rename each into place; on an error nothing moves.

    The ``OSError`` of the file that could not be staged propagates, with ``filename`` set.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for target, text in files:
            try:
                staged.append((stage(target, text), target))
            except OSError as exc:
                exc.filename = exc.filename or str(target)
                raise
    except BaseException:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    for temp, target in staged:
        os.replace(temp, target)
    return [target for _, target in staged]


def write_text(target: Path, text: str) -> Path:
    """Write one file atomically."""
    return write_all([(target, text)])[0]
