"""The scan's outputs: JSON, CSV, Markdown and one self-contained HTML page.

The HTML page carries its style and script inline and a Content-Security-Policy that forbids
every network request, so it opens from a file, offline. Its table sorts by any column (click
a header, or open it with ``#sort=COLUMN`` / ``#sort=-COLUMN``) and filters by class.
Everything taken from a project (paths, job names, messages) is escaped for the format.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from runner_ext.group.inventory import CLASSES, RISK_POINTS, ProjectRow
from runner_ext.markdown import escape
from runner_ext.render.environment import TEMPLATES, write_files

if TYPE_CHECKING:
    from runner_ext.group.scan import ScanResult

NAMES = {"json": "scan.json", "csv": "scan.csv", "md": "scan.md", "html": "scan.html"}
CSV_COLUMNS = ("project", "class", "risk", "risks", "jobs", "dockerfile_findings", "ci_file",
               "error", "web_url")
# Characters that make a spreadsheet read a cell as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def to_json(result: ScanResult) -> str:
    """The whole result, rows included."""
    return json.dumps(result.to_dict(), indent=2) + "\n"


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def to_csv(result: ScanResult) -> str:
    """One line per project."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in result.rows:
        writer.writerow([_cell(str(v)) for v in (
            row.path, row.kind, row.risk, " ".join(row.risks),
            " ".join(f"{j.name}:{j.kind}" for j in row.jobs), row.findings, row.ci_file,
            row.error or "", row.web_url)])
    return out.getvalue()


def to_markdown(result: ScanResult) -> str:
    """Counts by class, then one table line per project (riskiest first)."""
    lines = [f"# Scan of {escape(result.group)}", "",
             f"{len(result.rows)} projects on {escape(result.gitlab_url)}.", "",
             "| class | projects |", "|---|---:|"]
    lines += [f"| {k} | {n} |" for k, n in result.counts().items() if n]
    lines += ["", "| project | class | risk | risks | build jobs | Dockerfile findings | "
              "notes |", "|---|---|---:|---|---|---:|---|"]
    for row in sorted(result.rows, key=lambda r: (-r.risk, r.path)):
        jobs = ", ".join(f"{escape(j.name)} ({j.kind})" for j in row.jobs if
                         j.kind != "no-image-build")
        notes = escape(row.error) if row.error else escape("; ".join(row.notes[:2]))
        lines.append(f"| {escape(row.path)} | {row.kind} | {row.risk} | "
                     f"{', '.join(row.risks)} | {jobs} | {row.findings} | {notes} |")
    return "\n".join(lines) + "\n"


@cache
def _html_environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def _safe_url(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def _html_row(row: ProjectRow) -> dict[str, Any]:
    return {"path": row.path, "url": _safe_url(row.web_url), "kind": row.kind,
            "risk": row.risk, "risks": row.risks, "findings": row.findings,
            "jobs": [f"{j.name} ({j.kind})" for j in row.jobs if j.kind != "no-image-build"],
            "dockerfiles": [f"{d.path}: {d.error or f'{len(d.findings)} finding(s)'}"
                            for d in row.dockerfiles],
            "notes": ([row.error] if row.error else []) + row.notes + [
                f"{d.path}: {d.error}" for d in row.dockerfiles if d.error]}


def to_html(result: ScanResult) -> str:
    """One page: counts by class and a sortable, filterable table of every project."""
    template = _html_environment().get_template("group/scan.html.j2")
    return template.render(
        group=result.group, gitlab_url=result.gitlab_url, total=len(result.rows),
        counts=[(k, n) for k, n in result.counts().items() if n], classes=CLASSES,
        risk_points=RISK_POINTS, rows=[_html_row(r) for r in result.rows])


def write_outputs(result: ScanResult, out: Path) -> list[Path]:
    """Write all four files into ``out`` (atomically each); returns their paths."""
    render = {"json": to_json, "csv": to_csv, "md": to_markdown, "html": to_html}
    return write_files(out, {NAMES[k]: f(result) for k, f in render.items()})
