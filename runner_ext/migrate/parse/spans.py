"""Text spans of YAML entries, for splicing: which characters a key or list item owns.

An entry owns its key's line (from the line start), the comment lines directly above it at
the same indentation, everything up to the end of its value's last line, and the comment
lines right after it that are indented deeper (they annotate the value). Blank lines and
comments at the parent's indentation stay where they are.
"""

from __future__ import annotations

from runner_ext.migrate.parse.yamlnodes import Node


def line_start(text: str, index: int) -> int:
    """Offset of the first character of the line holding ``index``."""
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """Offset just past the newline ending the line holding ``index`` (or the text's end)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def is_empty(node: Node) -> bool:
    """A value written as nothing at all (``key:`` followed by a newline)."""
    return node.kind == "scalar" and node.style is None and node.value == "" and not node.tag


def content_end(text: str, node: Node) -> int:
    """Offset just past the node's last significant character (no trailing blanks/comments)."""
    if node.kind == "map" and not node.flow and node.pairs:
        key, value = node.pairs[-1]
        return key.end if is_empty(value) else content_end(text, value)
    if node.kind == "seq" and not node.flow and node.items:
        return content_end(text, node.items[-1])
    end = node.end
    while end > node.start and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def indent_of(text: str, index: int) -> int:
    """Column of the first non-blank character on the line holding ``index``."""
    start = line_start(text, index)
    line = text[start:line_end(text, index)]
    return len(line) - len(line.lstrip(" "))


def _own_line_start(text: str, index: int, *, allow_dash: bool) -> int | None:
    start = line_start(text, index)
    prefix = text[start:index].strip()
    if prefix == "" or (allow_dash and prefix == "-"):
        return start
    return None


def _comments_above(text: str, start: int, col: int) -> int:
    while start > 0:
        prev = line_start(text, start - 1)
        line = text[prev:start]
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") or len(line) - len(stripped) != col:
            break
        start = prev
    return start


def _comments_below(text: str, end: int, col: int) -> int:
    while end < len(text):
        nxt = line_end(text, end)
        line = text[end:nxt]
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") or len(line) - len(stripped) <= col:
            break
        end = nxt
    return end


def entry_span(text: str, key: Node, value: Node) -> tuple[int, int] | None:
    """The span of a ``key: value`` entry of a block mapping (``None``: not on its own line)."""
    start = _own_line_start(text, key.start, allow_dash=False)
    if start is None:
        return None
    last = key.end if is_empty(value) else content_end(text, value)
    return (_comments_above(text, start, key.col),
            _comments_below(text, line_end(text, last), key.col))


def item_span(text: str, item: Node) -> tuple[int, int] | None:
    """The span of one ``- item`` of a block sequence (``None``: not on its own line)."""
    start = _own_line_start(text, item.start, allow_dash=True)
    if start is None:
        return None
    col = indent_of(text, item.start)
    return (_comments_above(text, start, col),
            _comments_below(text, line_end(text, content_end(text, item)), col))


def value_span(text: str, key: Node, value: Node) -> tuple[int, int]:
    """From just after ``key:`` to the end of the value's last line (newline excluded)."""
    colon = text.index(":", key.end)
    last = key.end if is_empty(value) else content_end(text, value)
    end = line_end(text, last)
    if end > 0 and text[end - 1] == "\n":
        end -= 1
    return colon + 1, end
