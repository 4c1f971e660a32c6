"""Where each corpus project comes from: ``index.json`` read, checked and shown as Markdown.

``index.json`` is the one home of the provenance (repository, the commit each file was taken
at, licence, the files we wrote ourselves); ``PROVENANCE.md`` is rendered from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from runner_ext.markdown import escape as cell

_COMMIT = re.compile(r"^[0-9a-f]{40}$")

_HEADER = """# Corpus provenance

Real GitLab CI files from public repositories, each taken unchanged at the commit shown, used
as test inputs for the migration (`tests/test_corpus.py`, `bench/corpus.py`). The licence of
each repository is in `LICENSES/`. Files listed under "written by us" are stand-ins we wrote
(Dockerfiles, scripts or empty manifests a job names), not the project's own files; each says
so in its first lines. This file is rendered from `index.json`
(`RUNNER_EXT_UPDATE_GOLDEN=1 pytest tests/test_corpus.py` rewrites it).

| project | repository | file @ commit | licence | written by us |
|---|---|---|---|---|
"""


def load_index(corpus: Path) -> list[dict[str, Any]]:
    """The projects of ``corpus/index.json``, sorted by name."""
    data = json.loads((corpus / "index.json").read_text(encoding="utf-8"))
    return sorted(data["projects"], key=lambda p: str(p["slug"]))


def load_selections(corpus: Path) -> list[dict[str, Any]]:
    """How projects were chosen (``selections`` of ``corpus/index.json``), oldest first."""
    data = json.loads((corpus / "index.json").read_text(encoding="utf-8"))
    return list(data.get("selections", []))


def provenance_markdown(projects: list[dict[str, Any]],
                        selections: list[dict[str, Any]] | None = None) -> str:
    """The provenance table, one row per project, then how projects were chosen."""
    rows = []
    for p in projects:
        files = "<br>".join(f"{cell(f['path'])} @ {cell(f['commit'])}" for f in p["files"])
        added = "<br>".join(cell(a) for a in p.get("added", [])) or "—"
        rows.append(f"| {cell(p['slug'])} | [{cell(p['repo'])}]({p['url']}) | {files} | "
                    f"{cell(p['licence'])} ([text]({p['licence_file']})) | {added} |")
    return _HEADER + "\n".join(rows) + "\n" + "".join(map(_selection, selections or []))


def _selection(selection: dict[str, Any]) -> str:
    """One selection: its rule, then per query what was taken and what was skipped, why."""
    lines = ["", f"## {selection['title']}", "", str(selection["rule"]), ""]
    for number, query in enumerate(selection["queries"], start=1):
        taken = ", ".join(query["taken"]) or "none"
        lines += [f"### Query {number}: repositories holding `{query['path']}` "
                  f"({query['listed']} listed)", "", f"Taken: {taken}.", "",
                  "| skipped | why |", "|---|---|"]
        lines += [f"| {cell(s['repo'])} | {cell(s['why'])} |" for s in query["skipped"]]
        lines.append("")
    return "\n".join(lines)


def provenance_problems(corpus: Path) -> list[str]:
    """Every way the corpus and its provenance disagree (empty when complete)."""
    projects = {str(p["slug"]): p for p in load_index(corpus)}
    folders = {p.parent.name for p in corpus.glob("*/.gitlab-ci.yml")}
    problems = [f"{slug}: folder has no provenance entry"
                for slug in sorted(folders - set(projects))]
    problems += [f"{slug}: provenance entry has no folder"
                 for slug in sorted(set(projects) - folders)]
    for slug, p in sorted(projects.items()):
        problems += [f"{slug}: {why}" for why in _entry_problems(corpus, slug, p)]
    return problems


def _entry_problems(corpus: Path, slug: str, entry: dict[str, Any]) -> list[str]:
    found = []
    if not str(entry.get("licence", "")).strip():
        found.append("no licence")
    if not (corpus / str(entry.get("licence_file", ""))).is_file():
        found.append(f"licence text {entry.get('licence_file')} missing")
    paths = [str(f.get("path")) for f in entry.get("files", [])]
    if ".gitlab-ci.yml" not in paths:
        found.append("the root .gitlab-ci.yml has no commit")
    for f in entry.get("files", []):
        if not _COMMIT.match(str(f.get("commit", ""))):
            found.append(f"{f.get('path')}: commit is not 40 hex digits")
        if not (corpus / slug / str(f.get("path"))).is_file():
            found.append(f"{f.get('path')}: listed but not in the folder")
    ours = set(paths) | set(entry.get("added", []))
    for path in (corpus / slug).rglob("*"):
        rel = path.relative_to(corpus / slug).as_posix()
        if path.is_file() and rel not in ours:
            found.append(f"{rel}: in the folder but neither taken (with a commit) nor "
                         "written by us")
    return found
