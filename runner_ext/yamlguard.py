"""Reading untrusted YAML at a bounded cost: depth, alias expansion and alias cycles.

Two things make a small YAML text expensive. Nesting: ruamel's scanner does quadratic work
on deeply nested flow sequences (``[[[[…``) before it yields a single event, so
:class:`GuardedScanner` stops at :data:`~runner_ext.limits.YAML_DEPTH` flow levels while
scanning. Aliases: each ``*name`` stands for its anchor's whole content, so nine levels of
nine aliases make a 700-byte file mean 387 million nodes. :func:`checked_events` measures,
from the event stream alone and in one pass, how deep and how big every document is once
its aliases are expanded, and stops at the first event past a limit, before any node exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    ScalarEvent,
)
from ruamel.yaml.scanner import RoundTripScanner

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.limits import YAML_DEPTH, YAML_NODES


class TooDeepError(Exception):
    """Raised by the scanner past the flow-nesting limit (turned into a located error)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"flow nesting deeper than {YAML_DEPTH.value} levels at line {line}")
        self.line = line


class GuardedScanner(RoundTripScanner):
    """ruamel's round-trip scanner, refusing flow collections nested past the limit."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        """Open ``[`` or ``{``, unless that nests deeper than :data:`YAML_DEPTH` allows."""
        if self.flow_level >= YAML_DEPTH.value:
            raise TooDeepError(self.reader.line + 1)
        super().fetch_flow_collection_start(TokenClass, to_push)


def guarded_yaml() -> YAML:
    """A round-trip ``YAML`` whose scanner refuses runaway flow nesting."""
    yaml = YAML(typ="rt")
    yaml.Scanner = GuardedScanner
    return yaml


def too_deep(line: int, source: str | None) -> RunnerExtError:
    """The located error for nesting past :data:`YAML_DEPTH`."""
    return YAML_DEPTH.error(file=source, line=line)


@dataclass
class _Open:
    anchor: str | None
    start: int
    height: int = 0


class _Meter:
    """Expanded size and height of every node, computed as the events go by."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[int, int]] = {}
        self.total = 0

    def see(self, event: Event) -> None:
        line = event.start_mark.line + 1
        if isinstance(event, DocumentStartEvent):
            self.anchors = {}
        elif isinstance(event, CollectionStartEvent):
            self._grow(1, 1, line, event)
            self.stack.append(_Open(event.anchor, self.total - 1))
        elif isinstance(event, CollectionEndEvent):
            node = self.stack.pop()
            height = node.height + 1
            if node.anchor:
                self.anchors[node.anchor] = (self.total - node.start, height)
            if self.stack:
                self.stack[-1].height = max(self.stack[-1].height, height)
        elif isinstance(event, ScalarEvent):
            self._grow(1, 1, line, event)
            if event.anchor:
                self.anchors[event.anchor] = (1, 1)
        elif isinstance(event, AliasEvent):
            size, height = self._target(event.anchor, line)
            self._grow(size, height + 1, line, event)

    def _target(self, name: str, line: int) -> tuple[int, int]:
        if any(node.anchor == name for node in self.stack):
            raise RunnerExtError(Category.INPUT, Problem(
                "YAML alias refers to a node that contains it (a recursive structure)",
                file=self.source, line=line, value=f"*{name}",
                hint="an alias may only repeat a node that is complete before it"))
        if name not in self.anchors:
            raise RunnerExtError(Category.INPUT, Problem(
                "YAML alias names no anchor defined before it", file=self.source, line=line,
                value=f"*{name}", hint=f"define &{name} above its first use"))
        return self.anchors[name]

    def _grow(self, size: int, height: int, line: int, event: Event) -> None:
        if len(self.stack) + height > YAML_DEPTH.value:
            raise too_deep(line, self.source)
        self.total += size
        if self.total > YAML_NODES.value:
            got = f"*{event.anchor}" if isinstance(event, AliasEvent) else None
            raise YAML_NODES.error(file=self.source, line=line, got=got)
        if self.stack:
            self.stack[-1].height = max(self.stack[-1].height, height)


def checked_events(events: Iterable[Event], source: str | None) -> Iterator[Event]:
    """``events`` unchanged, stopping with a located error at the first one past a limit.

    Limits: :data:`YAML_DEPTH` (aliases counted as the nesting they expand to),
    :data:`YAML_NODES` (over all documents, aliases expanded); an alias must name an anchor
    that is complete before it (no recursive structures, no undefined names).
    """
    meter = _Meter(source)
    iterator = iter(events)
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            return
        except TooDeepError as exc:
            raise too_deep(exc.line, source) from None
        meter.see(event)
        yield event
