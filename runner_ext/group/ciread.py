"""A project's CI configuration read through the API: its ``ci_config_path`` and its includes.

``include: local`` files come from the project itself (or, inside a file included from another
project, from that project). ``include: project`` files come from :class:`SharedFiles`, which
fetches each ``(project, ref, file)`` once for the whole scan, however many projects include
it and however many threads ask at the same time. Remote, template and component includes and
wildcards are not read; each becomes a note.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from runner_ext.limits import CI_FILES
from runner_ext.migrate.parse.cifiles import ROOT_CI_FILE, CiFile, parse_ci_file
from runner_ext.migrate.parse.source import project_path

# Reads a file of another project: (project, ref or None for its default branch, path).
ReadShared = Callable[[str, "str | None", str], "bytes | None"]


@dataclass(frozen=True)
class FileRef:
    """One CI file: in which project (``None``: the scanned one), at which ref, which path."""

    project: str | None
    ref: str | None
    path: str

    def name(self) -> str:
        """How reports name the file: a plain path in the project, else ``group/p@ref:path``."""
        if self.project is None:
            return self.path
        return f"{self.project}@{self.ref}:{self.path}" if self.ref else \
            f"{self.project}:{self.path}"


class SharedFiles:
    """Files of other projects, each fetched once per scan (a failure is not kept)."""

    def __init__(self, read: Callable[[str, str, str | None], bytes | None]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._files: dict[tuple[str, str | None, str], Future[bytes | None]] = {}

    def get(self, project: str, ref: str | None, path: str, *,
            on_fetch: Callable[[], None] | None = None) -> bytes | None:
        """The file's bytes, ``None`` when it does not exist; ``on_fetch`` is called when
        this call is the one that asks GitLab."""
        key = (project, ref, path)
        with self._lock:
            future = self._files.get(key)
            mine = future is None
            if future is None:
                future = self._files[key] = Future()
        if mine:
            if on_fetch is not None:
                on_fetch()
            try:
                future.set_result(self._read(project, path, ref))
            except BaseException as exc:
                with self._lock:
                    del self._files[key]
                future.set_exception(exc)
        return future.result()


@dataclass
class CiConfig:
    """What was read: the files in include order, the root's name, notes on what was not."""

    root: str
    files: list[CiFile]
    notes: list[str]


def root_file(ci_config_path: str | None) -> FileRef | None:
    """The project's CI file as its ``ci_config_path`` names it (``None``: a remote URL)."""
    value = (ci_config_path or "").strip() or ROOT_CI_FILE
    if value.startswith(("http://", "https://")):
        return None
    if "@" in value:  # path@group/project[:ref], GitLab's form for a file in another project
        path, _, where = value.partition("@")
        project, _, ref = where.partition(":")
        return FileRef(project, ref or None, path.lstrip("/"))
    return FileRef(None, None, value.lstrip("/"))


def load_ci(ci_config_path: str | None, read_own: Callable[[str], bytes | None],
            shared: ReadShared) -> CiConfig | None:
    """The project's CI files, includes resolved; ``None`` when it has no CI file."""
    root = root_file(ci_config_path)
    if root is None:
        return CiConfig(str(ci_config_path), [], [
            f"the CI configuration is a remote URL ({ci_config_path}) and is not read"])

    def read(ref: FileRef) -> bytes | None:
        return read_own(ref.path) if ref.project is None else shared(
            ref.project, ref.ref, ref.path)

    first = read(root)
    if first is None:
        return None
    files: list[CiFile] = []
    notes: list[str] = []
    queue: list[tuple[FileRef, bytes | None]] = [(root, first)]
    seen = {root}
    while queue:
        ref, raw = queue.pop(0)
        raw = read(ref) if raw is None else raw
        if raw is None:
            notes.append(f"{ref.name()} is included but does not exist or the token cannot "
                         "read it")
            continue
        if len(files) >= CI_FILES.value:
            raise CI_FILES.error(file=ref.name())
        ci = parse_ci_file(ref.name(), raw)
        files.append(ci)
        for child in _includes(ci, ref, notes):
            if child not in seen:
                seen.add(child)
                queue.append((child, None))
    return CiConfig(root.name(), files, notes)


def _entries(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _includes(ci: CiFile, parent: FileRef, notes: list[str]) -> list[FileRef]:
    """The files ``ci`` includes that can be read; notes for the others."""
    found: list[FileRef] = []
    for entry in _entries(ci.data.get("include")):
        if isinstance(entry, str):
            entry = {"remote" if entry.startswith(("http://", "https://")) else "local": entry}
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("local"), str):
            found.extend(_local(str(entry["local"]), parent, ci.path, notes))
        elif isinstance(entry.get("project"), str):
            found.extend(_project(entry, ci.path, notes))
        else:
            kind = next(iter(entry), "include")
            notes.append(f"{ci.path}: include {kind}: {entry.get(kind)} is not read; jobs "
                         "defined there are not scanned")
    return found


def _local(path: str, parent: FileRef, where: str, notes: list[str]) -> list[FileRef]:
    if "$" in path or any(c in path for c in "*?["):
        notes.append(f"{where}: include {path} uses a variable or wildcard and is not read")
        return []
    rel = project_path(path.lstrip("/"))
    if rel is None:
        notes.append(f"{where}: include {path} leaves the project and is not read")
        return []
    return [FileRef(parent.project, parent.ref, rel)]


def _project(entry: dict[str, Any], where: str, notes: list[str]) -> list[FileRef]:
    project, ref = str(entry["project"]).strip("/"), entry.get("ref")
    if "$" in project or (ref is not None and "$" in str(ref)):
        notes.append(f"{where}: include project {project} uses a variable and is not read")
        return []
    paths = [str(f).lstrip("/") for f in _entries(entry.get("file")) if isinstance(f, str)]
    return [FileRef(project, None if ref is None else str(ref), p) for p in paths]
