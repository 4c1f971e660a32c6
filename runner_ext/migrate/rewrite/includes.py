"""Adding entries to a CI file's ``include:``, whatever form it is written in."""

from __future__ import annotations

from typing import Any

from runner_ext.migrate.analyse.decision import MANUAL, RESHAPE, Refused
from runner_ext.migrate.parse.cifiles import CiFile
from runner_ext.migrate.parse.spans import (
    content_end,
    entry_span,
    indent_of,
    item_span,
    line_end,
    line_start,
    value_span,
)
from runner_ext.migrate.parse.yamlnodes import Node
from runner_ext.migrate.rewrite.emit import dump_list_item
from runner_ext.rules.base import Splice


def include_splice(ci: CiFile, entries: list[dict[str, Any]]) -> Splice:
    """One splice adding ``entries`` to the file's ``include:`` (created when missing)."""
    root, text = ci.root, ci.text
    if root is None:
        raise Refused("the CI file is empty", MANUAL)
    key, value = root.key_node("include"), root.get("include")
    if key is None or value is None:
        return _new_include(ci, entries)
    if value.kind == "seq" and not value.flow and value.items:
        return _append(text, value, entries)
    if value.kind in ("scalar", "map", "seq") and value.tag is None:
        return _convert(text, key, value, entries)
    raise Refused("the file's include: is written in a form runner-ext can't extend", RESHAPE)


def _new_include(ci: CiFile, entries: list[dict[str, Any]]) -> Splice:
    assert ci.root is not None
    first_key, first_value = ci.root.pairs[0]
    span = entry_span(ci.text, first_key, first_value)
    at = span[0] if span else first_key.start
    if ci.text[:at].strip("-\n ") == "":
        # Comments at the very top describe the file, not the first key: stay below them.
        at = line_start(ci.text, first_key.start)
    items = "".join(dump_list_item(e, 2) for e in entries)
    return Splice(at, at, "include:\n" + items + "\n")


def _append(text: str, seq: Node, entries: list[dict[str, Any]]) -> Splice:
    span = item_span(text, seq.items[-1])
    if span is None:
        raise Refused("the file's include: list shares lines with other text", RESHAPE)
    indent = indent_of(text, seq.items[0].start)
    at = span[1]
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return Splice(at, at, prefix + "".join(dump_list_item(e, indent) for e in entries))


def _existing_items(text: str, value: Node) -> list[str]:
    if value.kind == "seq":
        return [f"  - {text[i.start:i.end]}\n" for i in value.items]
    if value.kind == "scalar":
        return [f"  - {text[value.start:value.end]}\n"]
    end = line_end(text, content_end(text, value))
    lines = text[value.pairs[0][0].start:end].splitlines()
    base = value.col
    body = [lines[0], *[line[base:] if line[:base].strip() == "" else line for line in lines[1:]]]
    return ["  - " + body[0] + "\n", *["    " + line + "\n" if line else "\n" for line in body[1:]]]


def _convert(text: str, key: Node, value: Node, entries: list[dict[str, Any]]) -> Splice:
    if value.kind == "map" and value.flow:
        existing = [f"  - {text[value.start:value.end]}\n"]
    else:
        existing = _existing_items(text, value)
    start, end = value_span(text, key, value)
    items = "".join(existing) + "".join(dump_list_item(e, 2) for e in entries)
    return Splice(start, end, "\n" + items.rstrip("\n"))

