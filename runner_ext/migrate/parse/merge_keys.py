"""Merge keys (``<<: *anchor``) written out in the job a migration rewrites.

A job that merges its image, services or script from an anchored mapping can't lose them by
deleting its own keys: the merged ones are the job's own keys too, and would win over the
runner-ext template. So the rewrite replaces the job's ``<<:`` entry by the entries the job
really gets through it (GitLab's order: the job's own keys win; among merged mappings, the
earlier wins) minus those the rewrite drops, copied from the anchored text and re-indented.
The anchored mapping itself is not touched, so every other job that merges it expands as
before, and the rewritten job holds no merge key (a second run changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from runner_ext.migrate.analyse.decision import RESHAPE, Refused
from runner_ext.migrate.parse.spans import entry_span
from runner_ext.migrate.parse.yamlnodes import Node, target_of
from runner_ext.rules.base import Splice

MERGE = "<<"


def merge_entries(mapping: Node) -> list[tuple[Node, Node]]:
    """The ``<<:`` entries of a mapping (a quoted ``"<<"`` is an ordinary key)."""
    return [(k, v) for k, v in mapping.pairs
            if k.kind == "scalar" and k.value == MERGE and k.style is None]


def merged(mapping: Node, anchors: dict[str, Node], depth: int = 0
           ) -> list[tuple[Node, Node]]:
    """The entries a mapping gets only through its merge keys, as GitLab resolves them."""
    if depth > 10:
        raise Refused("merge keys nest more than ten levels deep", RESHAPE)
    own = {k.value for k, _ in mapping.pairs if (k, _) not in merge_entries(mapping)}
    found: dict[str, tuple[Node, Node]] = {}
    for merge_key, value in merge_entries(mapping):
        before = {k.value for k, _ in mapping.pairs if k.end <= merge_key.start}
        for source in (value.items if value.kind == "seq" else [value]):
            target = target_of(source, anchors) if source.kind == "alias" else None
            if target is None or target.kind != "map" or target.flow:
                raise Refused("the job merges keys (<<:) from something other than an "
                              "anchored block mapping", RESHAPE)
            entries = [(k, v) for k, v in target.effective_pairs()
                       if (k, v) not in merge_entries(target)]
            for key, item in [*entries, *merged(target, anchors, depth + 1)]:
                if key.value in before:
                    # The YAML spec (and ruamel, js-yaml) keep the job's key; GitLab's Ruby
                    # reader lets a later merge key replace it. Only the text can settle it.
                    raise Refused(f"the job sets '{key.value}' before a merge key (<<:) "
                                  "that brings it too, which GitLab and the YAML spec read "
                                  "differently", "move the <<: line to the top of the "
                                  "mapping, then run migrate-project again")
                if key.value not in own and key.value not in found:
                    found[str(key.value)] = (key, item)
    return list(found.values())


@dataclass
class Inlined:
    """The splices that write a mapping's merge keys out, and the spans they remove."""

    splices: list[Splice] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def inline_merges(text: str, mapping: Node, anchors: dict[str, Node], root: Node,
                  keep: Callable[[str], bool],
                  written: Callable[[Node, Node, int], str | None] | None = None
                  ) -> Inlined:
    """Replace the mapping's ``<<:`` entries by the merged entries ``keep`` accepts.

    ``written`` may write an entry itself (key node, value node, indent → its text, ``""``
    to leave it out, ``None`` to copy it as written).
    """
    result = Inlined()
    merges = merge_entries(mapping)
    if not merges:
        return result
    col = next((k.col for k, _ in mapping.pairs), 0)
    pieces = []
    for key, value in merged(mapping, anchors):
        if not keep(str(key.value)):
            continue
        own = written(key, value, col) if written is not None else None
        if own != "":
            result.kept.append(str(key.value))
            pieces.append(own or _copied(text, key, value, col, mapping, root))
    for index, (key, value) in enumerate(merges):
        span = entry_span(text, key, value)
        if span is None:
            raise Refused("the job's merge key (<<:) shares its line with another key",
                          RESHAPE)
        result.splices.append(Splice(span[0], span[1], "".join(pieces) if index == 0 else ""))
        result.deleted.append(span)
    return result


def _copied(text: str, key: Node, value: Node, col: int, at: Node, root: Node) -> str:
    """An anchored entry's text, re-indented to ``col``; refused when it can't mean the
    same at the job (it defines anchors, or an alias in it would mean another node)."""
    span = entry_span(text, key, value)
    if span is None:
        raise Refused(f"the merged key '{key.value}' shares its line with another key",
                      RESHAPE)
    for node in value.walk():
        if node.anchor:
            raise Refused(f"the merged key '{key.value}' defines anchor &{node.anchor}, "
                          "which a copy would redefine", RESHAPE)
        if node.kind == "alias" and node.target is not _visible(root, node.value, at.start):
            raise Refused(f"the merged key '{key.value}' uses *{node.value}, which names "
                          "another node where the job is", RESHAPE)
    return _reindent(text[span[0]:span[1]], col - key.col)


def _visible(root: Node, name: str, before: int) -> Node | None:
    """The definition an alias of ``name`` written at offset ``before`` would mean."""
    found = None
    for node in root.walk():
        if node.anchor == name and node.end <= before:
            found = node
    return found


def _reindent(piece: str, delta: int) -> str:
    lines = piece.splitlines(keepends=True)
    if delta >= 0:
        return "".join(" " * delta + line if line.strip() else line for line in lines)
    if any(line.strip() and not line.startswith(" " * -delta) for line in lines):
        raise Refused("a merged key can't be re-indented to the job's indentation", RESHAPE)
    return "".join(line[-delta:] if line.strip() else line for line in lines)
