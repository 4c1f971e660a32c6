"""Reading a project's CI files: the root ``.gitlab-ci.yml`` and the local files it includes.

Input is checked before anything else happens, so a bad file stops the run with a located
error and nothing is written: a size limit (:data:`~runner_ext.limits.FILE_BYTES`), strict
UTF-8, one line ending style, valid YAML of bounded depth and alias expansion, only GitLab's
tags; at most :data:`~runner_ext.limits.CI_FILES` files, and no include
loop.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.limits import CI_FILES, FILE_BYTES
from runner_ext.migrate.parse.source import ProjectSource, outside_error, project_path
from runner_ext.migrate.parse.yamlnodes import (
    Node,
    anchors_of,
    check_tags,
    duplicate_keys,
    parse_documents,
    to_data,
)

ROOT_CI_FILE = ".gitlab-ci.yml"
NO_CI_CONFIGURATION = "the project has no CI configuration"
MAX_FILE_BYTES = FILE_BYTES.value  # the value lives in runner_ext.limits
_BOM = "\ufeff"


@dataclass
class CiFile:
    """One CI file: its text (LF line ends, no BOM), node tree and data."""

    path: str
    text: str
    root: Node | None
    data: dict[str, Any]
    crlf: bool = False
    bom: bool = False
    component_spec: bool = False
    anchors: dict[str, Node] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def restore(self, text: str) -> str:
        """Give rewritten text the file's original line ends and BOM."""
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return _BOM + text if self.bom else text

    def original(self) -> str:
        """The file's text exactly as read."""
        return self.restore(self.text)

    def alias_uses(self) -> list[Node]:
        """Every alias node (``*name``) in the file."""
        return [n for n in self.root.walk() if n.kind == "alias"] if self.root else []


def decode_text(path: str, raw: bytes, *, what: str = "file") -> tuple[str, bool, bool]:
    """``(text with LF line ends and no BOM, had CRLF, had BOM)``; refuses what we can't keep."""
    if len(raw) > FILE_BYTES.value:
        raise FILE_BYTES.error(file=path, got=f"{len(raw)} bytes", what=what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RunnerExtError(Category.INPUT, Problem(
            f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x})", file=path, line=line,
            hint="re-save it as UTF-8")) from exc
    bom = text.startswith(_BOM)
    text = text.removeprefix(_BOM)
    crlf = "\r" in text
    if crlf:
        if text.count("\r") != text.count("\r\n") or text.count("\n") != text.count("\r\n"):
            line = text[: text.find("\r")].count("\n") + 1
            raise RunnerExtError(Category.INPUT, Problem(
                "mixed line endings (CRLF and LF)", file=path, line=line,
                hint="convert the file to one style, e.g. with dos2unix"))
        text = text.replace("\r\n", "\n")
    return text, crlf, bom


def parse_ci_file(path: str, raw: bytes) -> CiFile:
    """Decode, parse and check one CI file."""
    text, crlf, bom = decode_text(path, raw, what="CI file")
    documents = parse_documents(text, path)
    warnings: list[str] = []
    for doc in documents:
        check_tags(doc, path)
        warnings.extend(f"{path}:{d.winner.line}: key '{d.key}' is written twice (also at "
                        f"line {d.shadowed.line}); GitLab uses the last one, and so does "
                        "runner-ext, which never edits the first" for d in duplicate_keys(doc))
    if len(documents) > 1 and documents[0].get("spec") is not None:
        return CiFile(path, text, None, {}, crlf, bom, component_spec=True)
    if len(documents) > 1:
        raise RunnerExtError(Category.INPUT, Problem(
            "several YAML documents in a CI file", file=path, line=documents[1].line,
            hint="only CI/CD component files may have a spec: header and a second document"))
    root = documents[0] if documents else None
    if root is not None and root.kind == "scalar" and root.value == "":
        root = None
    if root is not None and (root.kind != "map" or root.flow):
        raise RunnerExtError(Category.INPUT, Problem(
            "a CI file must be a block mapping of keywords and jobs", file=path, line=root.line))
    anchors = anchors_of(root) if root else {}
    data = to_data(root, anchors, source=path) if root else {}
    return CiFile(path, text, root, data, crlf, bom, anchors=anchors, warnings=warnings)


def _include_entries(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def local_includes(data: dict[str, Any], files: list[str]) -> tuple[list[str], list[str]]:
    """Local files an ``include:`` names (globs expanded), and notes on what is not read."""
    found: list[str] = []
    notes: list[str] = []
    for entry in _include_entries(data.get("include")):
        local = entry if isinstance(entry, str) else (
            entry.get("local") if isinstance(entry, dict) else None)
        if not isinstance(local, str):
            kind = next(iter(entry), "?") if isinstance(entry, dict) else "include"
            name = entry.get(kind, "") if isinstance(entry, dict) else ""
            notes.append(f"include {kind}: {name} is not read; jobs defined there are not "
                         "migrated")
            continue
        if local.startswith(("http://", "https://")):
            notes.append(f"remote include {local} is not read")
            continue
        if "$" in local:
            notes.append(f"include {local} uses a variable and is not read")
            continue
        pattern = local.lstrip("/")
        if any(c in pattern for c in "*?["):
            found.extend(f for f in files if _glob_match(f, pattern))
        else:
            found.append(pattern)
    return found, notes


def _glob_match(path: str, pattern: str) -> bool:
    if "**" in pattern:
        return fnmatch.fnmatchcase(path, pattern)
    return path.count("/") == pattern.count("/") and fnmatch.fnmatchcase(path, pattern)


def _inside_project(ci: CiFile, paths: list[str]) -> list[str]:
    """The included paths, normalised; one that leaves the project is a located error."""
    kept = []
    for path in paths:
        rel = project_path(path)
        if rel is None:
            node = ci.root.key_node("include") if ci.root else None
            raise outside_error(path, "a local include leaves the project", file=ci.path,
                                line=node.line if node else None, key="include")
        kept.append(rel)
    return kept


def load_ci_files(source: ProjectSource, root: str = ROOT_CI_FILE,
                  ) -> tuple[list[CiFile], list[str]]:
    """The root CI file (``root``: the project's CI configuration path) and every local file
    it includes (recursively), plus notes.

    A file included twice is read once; an include loop is an error, as in GitLab.
    """
    files = source.list_files()
    queue = [root]
    loaded: dict[str, CiFile] = {}
    includes: dict[str, list[str]] = {}
    notes: list[str] = []
    while queue:
        path = queue.pop(0)
        if path in loaded or path in includes:
            continue
        raw = source.read(path)
        if raw is None:
            if path == root:
                raise RunnerExtError(Category.INPUT, Problem(
                    NO_CI_CONFIGURATION, file=root,
                    hint="run migrate-project on the project's root folder"))
            notes.append(f"{path} is included but does not exist")
            includes[path] = []
            continue
        if len(loaded) >= CI_FILES.value:
            raise CI_FILES.error(file=path)
        ci = loaded[path] = parse_ci_file(path, raw)
        notes.extend(ci.warnings)
        more, more_notes = local_includes(ci.data, files)
        more = _inside_project(ci, more)
        includes[path] = more
        queue.extend(more)
        notes.extend(f"{path}: {n}" for n in more_notes)
    _check_no_include_loop(loaded, includes, root)
    return list(loaded.values()), notes


def _check_no_include_loop(loaded: dict[str, CiFile], includes: dict[str, list[str]],
                           root: str) -> None:
    """Refuse a file that includes itself, directly or through others (depth-first)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> None:
        path.append(name)
        for child in includes.get(name, []):
            if child in path:
                raise _include_loop(loaded[name], [*path[path.index(child):], child])
            if child not in done:
                visit(child)
        path.pop()
        done.add(name)

    visit(root)


def _include_loop(ci: CiFile, cycle: list[str]) -> RunnerExtError:
    key = ci.root.key_node("include") if ci.root is not None else None
    return RunnerExtError(Category.INPUT, Problem(
        "include loop: " + " includes ".join(cycle), file=ci.path,
        line=key.line if key is not None else None,
        hint="remove one of these includes (GitLab refuses a loop too: it counts every "
             "include and stops at 150)"))
