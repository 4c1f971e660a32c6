"""YAML text for the few things a migration adds, dumped by ruamel.yaml, never concatenated.

Every fragment is a mapping dumped in block style and then indented to where it is spliced
in; multi-line values become literal block scalars, short lists flow lists.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def block_text(value: str) -> str:
    """Several lines become a ``|`` block scalar; one line stays a plain string."""
    if "\n" in value.strip("\n"):
        literal: str = LiteralScalarString(value.strip("\n") + "\n")
        return literal
    return value.strip("\n")


def flow_list(items: list[str]) -> CommentedSeq:
    """A list written ``[a, b]``."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def dump_mapping(data: dict[str, Any], indent: int) -> str:
    """A mapping's YAML lines, each indented by ``indent`` spaces."""
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return "".join(" " * indent + line if line.strip() else line
                   for line in stream.getvalue().splitlines(keepends=True))


def dump_list_item(data: dict[str, Any], indent: int) -> str:
    """A mapping as one ``- key: …`` item of a block sequence whose dashes are at ``indent``."""
    body = dump_mapping(data, 0).splitlines(keepends=True)
    first = " " * indent + "- " + body[0]
    rest = "".join(" " * (indent + 2) + line if line.strip() else line for line in body[1:])
    return first + rest


def dump_flow(value: Any) -> str:
    """A value on one line (e.g. ``[.a, .b]``), for replacing a scalar in place."""
    stream = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = True
    yaml.width = 4096
    yaml.dump(value, stream)
    return stream.getvalue().strip().removesuffix("...").strip()
