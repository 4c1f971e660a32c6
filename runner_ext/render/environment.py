"""The Jinja2 environment every renderer uses, and atomic writing of what it renders."""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from runner_ext import atomic
from runner_ext.errors import Category, Problem, RunnerExtError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _emitter() -> YAML:
    yaml = YAML()
    yaml.width = sys.maxsize  # one line per scalar: the templates place it after a key
    return yaml


def _styled(value: object) -> object:
    """Strings double-quoted (escapes for every special character), collections in flow."""
    if isinstance(value, str):
        return DoubleQuotedScalarString(value)
    if isinstance(value, Mapping):
        mapping = CommentedMap((_styled(k), _styled(v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, (list, tuple)):
        sequence = CommentedSeq(_styled(v) for v in value)
        sequence.fa.set_flow_style()
        return sequence
    return value


def _emit(value: object) -> str:
    stream = io.StringIO()
    _emitter().dump(_styled(value), stream)
    text = stream.getvalue()
    return text.removesuffix("\n...\n").removesuffix("\n")


def yaml_inline(value: object) -> str:
    """``value`` as inline YAML, written by ruamel.yaml's emitter: a scalar (string, bool,
    number) on one line, or a flow collection (list or mapping)."""
    return _emit(value)


@cache
def environment() -> jinja2.Environment:
    """Templates from ``templates/`` (shipped as ``runner_ext/templates``); undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["yaml"] = yaml_inline
    return env


def render(name: str, context: Mapping[str, Any]) -> str:
    """Render one template; a template bug is reported as such, with the template's name."""
    try:
        return environment().get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise RunnerExtError(
            Category.TEMPLATE, Problem(f"template failed: {exc}", file=f"templates/{name}",
                                       line=line)
        ) from exc


def write_files(out: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file under ``out`` atomically (synced temp files, then renames), creating
    the folders they go in."""
    targets = [(out / relative, content) for relative, content in files.items()]
    for target, _ in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_all(targets)
