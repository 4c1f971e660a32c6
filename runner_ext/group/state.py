"""The scan's state file: one JSON line per project scanned, written as soon as it is done.

The first line names the GitLab and the group. Each later line is a finished project's row,
appended and flushed by the thread that scanned it, so a Ctrl-C or a crash loses at most the
projects still in flight; ``--resume`` reads the rows back and scans only the others. A last
line cut short by a crash is ignored (that project is scanned again).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.group.inventory import ProjectRow

VERSION = 1


class StateFile:
    """Append-only record of the projects scanned so far."""

    def __init__(self, path: Path, *, gitlab_url: str, group: str, resume: bool) -> None:
        self.path = path
        self.done: dict[int, ProjectRow] = {}
        header = {"runner_ext_scan_state": VERSION, "gitlab_url": gitlab_url, "group": group}
        if resume and path.exists():
            self.done = _read(path, header)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        self._lock = threading.Lock()
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def record(self, row: ProjectRow) -> None:
        """Append one finished project (thread-safe). Flushed to the OS at once, so it
        survives the process (Ctrl-C, a crash), though not a power cut."""
        line = json.dumps(row.to_dict(), separators=(",", ":")) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        """Close the file (rows already recorded stay)."""
        with self._lock:
            self._file.close()


def _read(path: Path, header: dict[str, Any]) -> dict[int, ProjectRow]:
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        found = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        found = None
    if found != header:
        raise RunnerExtError(Category.USAGE, Problem(
            "the state file is not from a scan of this group on this GitLab", file=str(path),
            line=1, hint="pass the same GROUP and --gitlab-url as the interrupted scan, or "
                         "leave out --resume to start over"))
    rows: dict[int, ProjectRow] = {}
    for number, text in enumerate(lines[1:], start=2):
        try:
            row = ProjectRow.from_dict(json.loads(text))
        except (json.JSONDecodeError, TypeError, KeyError):
            if number == len(lines):
                break  # cut short by a crash: that project is scanned again
            raise RunnerExtError(Category.USAGE, Problem(
                "the state file is damaged", file=str(path), line=number,
                hint="leave out --resume to start over")) from None
        rows[row.id] = row
    if lines and not path.read_bytes().endswith(b"\n"):
        # Drop a cut-short last line so the next appended row starts on a line of its own.
        path.write_text("\n".join(lines[:-1] if lines[-1] and len(lines) > 1 and
                                  _cut(lines[-1]) else lines) + "\n", encoding="utf-8")
    return rows


def _cut(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return True
    return False
