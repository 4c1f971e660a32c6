"""The Dockerfile rule reference (``docs/rules-dockerfile.md``), made from the rule docstrings."""

from __future__ import annotations

import inspect

from runner_ext.dockerfile.rules import RULES

SECTIONS = ("### What it does", "### Why", "### Example", "### Instead", "### Fix")

_INTRO = """\
# Dockerfile rules

`migrate-project` checks every Dockerfile it touches with these rules, using BuildKit's own
parser, so a Dockerfile is read exactly as `docker build` reads it. Each rule has a stable ID,
a default severity (a finding may raise or lower it where the rule says so) and says whether
its fix is **safe** (applied with `--dockerfile-fixes safe`, the default) or **unsafe** (shown
in the report, never applied).

A Dockerfile that Docker would reject (a parse error, an unknown instruction, bytes that are
not UTF-8, a NUL byte) stops the migration with exit code 2 and a message naming the line.
A byte-order mark and CRLF line ends are accepted, as Docker accepts them: RXD112 reports
them and every edit keeps the line ends of the lines around it.

This page is generated from the rules' docstrings (`runner_ext/dockerfile/rules/`); a test
fails when it is out of date. Regenerate it with
`python -c "from runner_ext.dockerfile.docs import write; write()"`.

| ID | name | default severity | fix |
|---|---|---|---|
"""


def fix_kind(rule: object) -> str:
    """``safe``, ``unsafe`` or ``none``, from the docstring's Fix section."""
    fix = (inspect.getdoc(rule) or "").split("### Fix", 1)[-1].strip().lower()
    for kind in ("safe", "unsafe"):
        if fix.startswith(kind):
            return kind
    return "none"


def rules_markdown() -> str:
    """The whole reference page."""
    parts = [_INTRO]
    for rule in RULES:
        parts.append(f"| [{rule.ID}](#{rule.ID.lower()}-{rule.NAME}) | {rule.NAME} | "
                     f"{rule.SEVERITY.value} | {fix_kind(rule)} |\n")
    for rule in RULES:
        title, _, body = (inspect.getdoc(rule) or "").partition("\n")
        parts.append(f"\n## {rule.ID} {rule.NAME}\n\n{title}\n\nDefault severity: "
                     f"**{rule.SEVERITY.value}**.\n{body.rstrip()}\n")
    return "".join(parts)


def write(path: str = "docs/rules-dockerfile.md") -> None:
    """Regenerate the reference page."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(rules_markdown())
