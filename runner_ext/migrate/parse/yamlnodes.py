"""A YAML document as positioned nodes, built from ruamel.yaml's parser events.

Rewrites are splices of the original text, so we need every node's exact offsets, its
anchor, tag and style, and where aliases are used. ruamel's composer folds aliases into
the anchored node (losing the alias's position), so we build our own small tree from the
event stream. :func:`to_data` turns a node into plain Python data the way GitLab reads it
(aliases and ``<<`` merge keys resolved, ``!reference`` kept as :class:`Reference`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.limits import YAML_DEPTH, YAML_NODES
from runner_ext.yamlguard import checked_events, guarded_yaml

Kind = Literal["map", "seq", "scalar", "alias"]
STANDARD_TAG = "tag:yaml.org,2002:"
REFERENCE_TAG = "!reference"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
          "FALSE": False}


@dataclass(frozen=True)
class Reference:
    """A GitLab ``!reference [.job, key, …]`` tag, kept as its path."""

    path: tuple[str, ...]


@dataclass(eq=False)
class Node:
    """One node with its offsets into the document text (``end`` is exclusive)."""

    kind: Kind
    start: int
    end: int
    line: int
    col: int
    tag: str | None = None
    anchor: str | None = None
    value: str = ""
    style: str | None = None
    flow: bool = False
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    # An alias's anchored node: the latest definition of its name before it (YAML lets a
    # name be anchored again; each alias means the definition it follows).
    target: Node | None = None

    def get(self, key: str) -> Node | None:
        """The value node of a mapping key (``None`` when absent or not a mapping).

        A key written twice means its last value, as GitLab reads it.
        """
        for k, v in reversed(self.pairs):
            if k.kind == "scalar" and k.value == key:
                return v
        return None

    def key_node(self, key: str) -> Node | None:
        """The key node of a mapping key (the last one, when it is written twice)."""
        return next((k for k, _ in reversed(self.pairs)
                     if k.kind == "scalar" and k.value == key), None)

    def effective_pairs(self) -> list[tuple[Node, Node]]:
        """The mapping's entries without those a later entry of the same key shadows."""
        last = {k.value: i for i, (k, _) in enumerate(self.pairs) if k.kind == "scalar"}
        return [(k, v) for i, (k, v) in enumerate(self.pairs)
                if k.kind != "scalar" or k.value == "<<" or last[k.value] == i]

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, in document order."""
        yield self
        for k, v in self.pairs:
            yield from k.walk()
            yield from v.walk()
        for item in self.items:
            yield from item.walk()


def parse_documents(text: str, source: str) -> list[Node]:
    """Every document of a YAML text as a node tree; syntax errors name the line.

    Nesting, alias expansion and alias cycles are checked on the event stream
    (:func:`~runner_ext.yamlguard.checked_events`) before any node is built.
    """
    try:
        events = list(checked_events(guarded_yaml().parse(text), source))
    except RunnerExtError:
        raise
    except Exception as exc:
        raise _syntax_error(exc, source) from exc
    return _Builder(events, source).documents()


def _syntax_error(exc: Exception, source: str) -> RunnerExtError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    return RunnerExtError(Category.INPUT, Problem(
        f"not valid YAML: {problem}", file=source, line=line,
        hint="fix the syntax (GitLab's pipeline editor shows the same error)"))


class _Builder:
    def __init__(self, events: list[Event], source: str) -> None:
        self.events = events
        self.pos = 0
        self.source = source
        self.defined: dict[str, Node] = {}

    def documents(self) -> list[Node]:
        docs = []
        while self.pos < len(self.events):
            event = self.events[self.pos]
            self.pos += 1
            if isinstance(event, DocumentStartEvent):
                self.defined = {}  # anchors are local to their document
                docs.append(self.node())
            elif not isinstance(event, StreamStartEvent | StreamEndEvent | DocumentEndEvent):
                raise AssertionError(f"unexpected YAML event {event}")
        return docs

    def node(self) -> Node:
        event = self.events[self.pos]
        self.pos += 1
        mark = event.start_mark
        base = {"start": mark.index, "line": mark.line + 1, "col": mark.column,
                "anchor": getattr(event, "anchor", None)}
        if isinstance(event, AliasEvent):
            base["anchor"] = None
            return Node("alias", end=event.end_mark.index, value=event.anchor,
                        target=self.defined.get(event.anchor), **base)
        tag = getattr(event, "tag", None)
        if isinstance(event, ScalarEvent):
            # ruamel marks the folds of `>` scalars with BEL characters (for round trips).
            value = event.value.replace("\a", "") if event.style == ">" else event.value
            return self._define(Node("scalar", end=event.end_mark.index, tag=tag,
                                     value=value, style=event.style, **base))
        flow = bool(getattr(event, "flow_style", False))
        if isinstance(event, MappingStartEvent):
            node = Node("map", end=0, tag=tag, flow=flow, **base)
            while not self._at_end():
                node.pairs.append((self.node(), self.node()))
        elif isinstance(event, SequenceStartEvent):
            node = Node("seq", end=0, tag=tag, flow=flow, **base)
            while not self._at_end():
                node.items.append(self.node())
        else:  # pragma: no cover - the parser produces no other node events
            raise AssertionError(f"unexpected YAML event {event}")
        node.end = self.events[self.pos].end_mark.index
        self.pos += 1
        return self._define(node)

    def _define(self, node: Node) -> Node:
        """Record an anchored node: aliases after it (until it is redefined) mean it."""
        if node.anchor:
            self.defined[node.anchor] = node
        return node

    def _at_end(self) -> bool:
        return isinstance(self.events[self.pos], MappingEndEvent | SequenceEndEvent)


def check_tags(root: Node, source: str) -> None:
    """Only YAML's own tags and a flat ``!reference [a, b]`` are accepted (as GitLab does)."""
    for node in root.walk():
        if node.tag is None or node.tag.startswith(STANDARD_TAG):
            continue
        if node.tag != REFERENCE_TAG:
            raise RunnerExtError(Category.INPUT, Problem(
                "unknown YAML tag", file=source, line=node.line, value=node.tag,
                hint="GitLab CI understands only !reference"))
        if node.kind != "seq" or not node.items or any(
                i.kind != "scalar" or i.tag is not None for i in node.items):
            raise RunnerExtError(Category.INPUT, Problem(
                "!reference must be a list of plain names, e.g. !reference [.setup, script]",
                file=source, line=node.line, hint="nested tags or mappings are not allowed there"))


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one mapping: the shadowed entry and the one that wins."""

    key: str
    shadowed: Node
    winner: Node


def duplicate_keys(root: Node) -> list[DuplicateKey]:
    """Keys written twice in one mapping. GitLab accepts them and uses the last value (so
    does :func:`to_data`); the shadowed entry is never edited."""
    found = []
    for node in root.walk():
        seen: dict[str, Node] = {}
        for key, _ in node.pairs:
            if key.kind == "scalar" and key.value != "<<":
                if key.value in seen:
                    found.append(DuplicateKey(key.value, seen[key.value], key))
                seen[key.value] = key
    return sorted(found, key=lambda d: d.winner.line)


def anchors_of(root: Node) -> dict[str, Node]:
    """Anchor name → its last definition in the document.

    An alias means the definition *before* it (:attr:`Node.target`), which differs when a
    name is anchored twice; this map is only the fallback for nodes built without targets.
    """
    return {n.anchor: n for n in root.walk() if n.anchor}


def target_of(alias: Node, anchors: dict[str, Node]) -> Node | None:
    """The node an alias repeats: the definition it follows."""
    return alias.target or anchors.get(alias.value)


class _Budget:
    """Nodes :func:`to_data` may still produce, and the outermost alias being expanded."""

    def __init__(self, source: str | None) -> None:
        self.left = YAML_NODES.value
        self.source = source
        self.alias: Node | None = None

    def spend(self, node: Node, depth: int) -> None:
        self.left -= 1
        if depth > YAML_DEPTH.value:
            raise YAML_DEPTH.error(file=self.source, line=(self.alias or node).line)
        if self.left < 0:
            where = self.alias or node
            raise YAML_NODES.error(file=self.source, line=where.line,
                                   got=f"*{where.value}" if where.kind == "alias" else None)


def to_data(node: Node, anchors: dict[str, Node], depth: int = 0, *,
            source: str | None = None, budget: _Budget | None = None) -> Any:
    """Plain data: dicts, lists, strings, bools, ``None`` and :class:`Reference`.

    Expansion stops with a located error past :data:`~runner_ext.limits.YAML_NODES` nodes
    or :data:`~runner_ext.limits.YAML_DEPTH` levels, whatever the anchors say.
    """
    budget = budget or _Budget(source)
    budget.spend(node, depth)
    if node.kind == "alias":
        outermost = budget.alias is None
        budget.alias = budget.alias or node
        target = target_of(node, anchors)
        assert target is not None  # checked_events refuses an alias without an anchor
        data = to_data(target, anchors, depth + 1, budget=budget)
        budget.alias = None if outermost else budget.alias
        return data
    if node.kind == "scalar":
        return _scalar(node)
    if node.kind == "seq":
        items = [to_data(i, anchors, depth + 1, budget=budget) for i in node.items]
        if node.tag == REFERENCE_TAG:
            return Reference(tuple(str(i) for i in items))
        return items
    result: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key, value in node.pairs:
        if key.kind == "scalar" and key.value == "<<" and key.style is None:
            for source_node in (value.items if value.kind == "seq" else [value]):
                data = to_data(source_node, anchors, depth + 1, budget=budget)
                if isinstance(data, dict):
                    merged = {**data, **merged}
            continue
        result[str(to_data(key, anchors, depth + 1, budget=budget))] = to_data(
            value, anchors, depth + 1, budget=budget)
    return {**merged, **result}


def _scalar(node: Node) -> Any:
    if node.style is not None or (node.tag and node.tag.endswith(":str")):
        return node.value
    if node.value in _NULLS:
        return None
    return _BOOLS.get(node.value, node.value)
