"""The Jinja2 environment every renderer uses, and atomic writing of what it renders."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from runner_ext.errors import Category, Problem, RunnerExtError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def yaml_scalar(value: object) -> str:
    """A YAML scalar for any string/bool/number: JSON's double-quoted form is valid YAML."""
    return json.dumps(value)


def yaml_flow(value: object) -> str:
    """A YAML flow collection (list or mapping) in JSON form."""
    return json.dumps(value)


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
    env.filters["yaml"] = yaml_scalar
    env.filters["flow"] = yaml_flow
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
    """Write every file under ``out`` atomically (temp file + rename); returns the paths."""
    written = []
    for relative, content in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        written.append(target)
    return written
