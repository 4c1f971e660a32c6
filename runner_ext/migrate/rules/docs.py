"""The CI rule reference (``docs/rules-ci.md``), made from the rule docstrings.

A rule's docstring has a first line ``ID name: summary`` and paragraphs starting with
``What it does:``, ``Why it matters:``, ``Flagged:`` and ``Instead:`` (each followed by an
indented YAML example) and ``Fix:``. :func:`sections` reads them; tests run the examples.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

from runner_ext.migrate.facts import JobFacts
from runner_ext.rules.base import Rule

_LABELS = {"What it does:": "what", "Why it matters:": "why", "Flagged:": "flagged",
           "Instead:": "instead", "Fix:": "fix"}
_HEADER = """\
# CI rules

`migrate-project` (and `runner-ext rules`) check every CI job with these rules. They find
image builds and other Docker use that needs a Docker daemon — the host's socket, a
`docker:dind` service or a shell runner — and say why each matters. A job whose findings
`migrate-project` can resolve safely is rewritten to the runner-ext template; the others are
left untouched and reported with the reason and what to do (see `docs/migrate.md`).

Each rule has a stable ID and a default severity. This page is generated from the rules'
docstrings (`runner_ext/migrate/rules/`); a test fails when it is out of date. Regenerate it
with `python -c "from runner_ext.migrate.rules.docs import write; write()"`.
"""


def sections(rule: Rule[JobFacts]) -> dict[str, str]:
    """A rule's documentation by section (``summary``, ``what``, ``why``, ``flagged``…)."""
    doc = inspect.cleandoc(rule.__doc__ or "")
    first, _, body = doc.partition("\n\n")
    found = {"summary": first.split(": ", 1)[-1]}
    current = ""
    for paragraph in body.split("\n\n"):
        label = next((lbl for lbl in _LABELS if paragraph.startswith(lbl)), None)
        if label is not None:
            current = _LABELS[label]
            found[current] = paragraph[len(label):].strip()
        elif current:
            found[current] = (found[current] + "\n\n" + paragraph).strip("\n")
    for key in ("flagged", "instead"):
        if key in found:
            found[key] = textwrap.dedent(found[key]).strip("\n") + "\n"
    return found


def _prose(text: str) -> str:
    """Docstring prose as Markdown: ````x```` becomes ```x```, the first letter capitalised."""
    text = text.replace("``", "`")
    return text[:1].upper() + text[1:]


def _anchor(rule: Rule[JobFacts]) -> str:
    return f"{rule.ID.lower()}-{rule.NAME}"


def render() -> str:
    """The whole reference page."""
    from runner_ext.migrate.rules import RULES

    out = [_HEADER, "| ID | name | default severity |", "|---|---|---|"]
    out += [f"| [{r.ID}](#{_anchor(r)}) | {r.NAME} | {r.SEVERITY.value} |" for r in RULES]
    for rule in RULES:
        part = sections(rule)
        out += ["", f"## {rule.ID} {rule.NAME}", "", _prose(part["summary"]), "",
                f"Default severity: **{rule.SEVERITY.value}**.", "",
                "### What it does", _prose(part["what"]), "",
                "### Why it matters", _prose(part["why"]), "",
                "### Flagged", "```yaml", part["flagged"].rstrip("\n"), "```", "",
                "### Instead", "```yaml", part["instead"].rstrip("\n"), "```", "",
                "### Fix", _prose(part["fix"])]
    return "\n".join(out).rstrip("\n") + "\n"


def write(path: str = "docs/rules-ci.md") -> None:
    """Regenerate the reference page."""
    Path(path).write_text(render(), encoding="utf-8")
