"""Rule documentation, one format for every catalog: parsed from docstrings, rendered as pages.

A rule module's docstring is its documentation. Its first paragraph is a one-sentence summary;
then come Markdown sections in this order::

    ### What it does      what the rule looks at and flags
    ### Why it matters    the risk or the cost
    ### Example           a fenced block the rule flags
    ### Instead           prose and/or a fenced block it passes
    ### Fix               "Safe: …", "Unsafe: …" or "None: …" (catalogs with fixes only)

A catalog whose examples all share the same boilerplate (every Pod Security example is a
pod spec with the same container) registers a skeleton for a fence info string with
:func:`register_skeleton`; its rules then write only what differs in fences opened with
that string, and :func:`parse` fills the skeleton in, so the sections, the rendered pages
and the tests that run the examples all see the whole example.

``runner-ext rules --markdown CATALOG`` prints a catalog's reference page from these; the
pages under ``docs/`` are that output, and a test keeps them in step.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

SECTIONS = ("What it does", "Why it matters", "Example", "Instead", "Fix")
_FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# fence info string -> (language of the completed block, what completes a fragment)
_SKELETONS: dict[str, tuple[str, Callable[[str], str]]] = {}


def register_skeleton(info: str, language: str, complete: Callable[[str], str]) -> None:
    """Let docstrings open fences with ```INFO holding fragments that ``complete`` fills in."""
    _SKELETONS[info] = (language, complete)


def _fill_skeletons(text: str) -> str:
    def fill(block: re.Match[str]) -> str:
        skeleton = _SKELETONS.get(block.group(1))
        if skeleton is None:
            return block.group(0)
        language, complete = skeleton
        return f"```{language}\n{complete(block.group(2))}```"

    return _FENCE.sub(fill, text)


@dataclass(frozen=True)
class RuleDoc:
    """One rule's documentation: its summary and its sections by title."""

    summary: str
    sections: dict[str, str]
    body: str

    def code(self, section: str) -> str:
        """The first fenced block of ``section`` (the example to run), or ``""``."""
        found = _FENCE.search(self.sections.get(section, ""))
        return found.group(2) if found else ""

    @property
    def fix_kind(self) -> str:
        """``safe``, ``unsafe`` or ``none``, from the Fix section's first word."""
        first = self.sections.get("Fix", "").split(None, 1)[:1]
        word = first[0].rstrip(":.,;").lower() if first else ""
        return word if word in ("safe", "unsafe") else "none"


def parse(rule: Any) -> RuleDoc:
    """Read a rule module's docstring, skeletons filled in; sections it lacks are absent."""
    doc = _fill_skeletons(inspect.cleandoc(rule.__doc__ or ""))
    summary, _, body = doc.partition("\n\n")
    sections: dict[str, str] = {}
    for part in re.split(r"^### ", body, flags=re.MULTILINE)[1:]:
        title, _, text = part.partition("\n")
        sections[title.strip()] = text.strip("\n")
    return RuleDoc(" ".join(summary.split()), sections, body.strip("\n"))


def missing_sections(rule: Any, required: Sequence[str]) -> list[str]:
    """The required sections a rule's docstring lacks or has out of order."""
    doc = parse(rule)
    titles = [t for t in doc.sections if t in SECTIONS]
    out_of_order = titles != sorted(titles, key=SECTIONS.index)
    absent = [s for s in required if not doc.sections.get(s)]
    return absent + (["(order)"] if out_of_order else [])


@dataclass(frozen=True)
class Catalog:
    """A rule catalog as the reference page presents it."""

    key: str
    title: str
    intro: str
    rules: Sequence[Any]
    page: str
    required: Sequence[str] = SECTIONS
    has_fixes: bool = True


def page(catalog: Catalog) -> str:
    """The catalog's whole reference page, in Markdown."""
    fix_head = " fix |" if catalog.has_fixes else ""
    parts = [f"# {catalog.title}\n\n{catalog.intro.strip()}\n\nThis page is generated from the "
             f"rules' docstrings; a test fails when it is out of date.\nRegenerate it with "
             f"`runner-ext rules --markdown {catalog.key} > {catalog.page}`.\n\n"
             f"| ID | name | default severity |{fix_head}\n"
             f"|---|---|---|{'---|' if catalog.has_fixes else ''}\n"]
    for rule in catalog.rules:
        fix = f" {parse(rule).fix_kind} |" if catalog.has_fixes else ""
        parts.append(f"| [{rule.ID}](#{rule.ID.lower()}-{rule.NAME}) | {rule.NAME} | "
                     f"{rule.SEVERITY.value} |{fix}\n")
    for rule in catalog.rules:
        doc = parse(rule)
        parts.append(f"\n## {rule.ID} {rule.NAME}\n\n{doc.summary}\n\nDefault severity: "
                     f"**{rule.SEVERITY.value}**.\n\n{doc.body}\n")
    return "".join(parts)
