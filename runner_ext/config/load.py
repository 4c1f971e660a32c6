"""Read ``runner-ext.toml`` into an :class:`OrgConfig`, with errors that point at lines."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from runner_ext.config.model import OrgConfig
from runner_ext.errors import Category, Problem, RunnerExtError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"]+)\s*=")
_TOML_LINE = re.compile(r"at line (\d+), column (\d+)")


def load_config(path: Path | None) -> OrgConfig:
    """Load and validate a config file; ``None`` gives the built-in defaults."""
    if path is None:
        return OrgConfig()
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, exc) from exc
    return parse_config(data, text=text, source=str(path))


def parse_config(data: dict[str, Any], *, text: str = "", source: str = "<config>") -> OrgConfig:
    """Validate already-parsed TOML data; ``text`` is used only to find line numbers."""
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, text, source) for err in exc.errors()]
        raise RunnerExtError(Category.CONFIG, problems) from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RunnerExtError(
            Category.CONFIG,
            Problem("config file not found", file=str(path),
                    hint="copy runner-ext.example.toml and edit it"),
        ) from exc
    except UnicodeDecodeError as exc:
        raise RunnerExtError(
            Category.CONFIG, Problem("config file is not UTF-8 text", file=str(path))
        ) from exc


def _syntax_error(path: Path, exc: tomllib.TOMLDecodeError) -> RunnerExtError:
    match = _TOML_LINE.search(str(exc))
    line = int(match.group(1)) if match else None
    message = _TOML_LINE.sub("", str(exc)).strip(" ()")
    return RunnerExtError(
        Category.CONFIG, Problem(f"not valid TOML: {message}", file=str(path), line=line)
    )


def _problem(err: Any, text: str, source: str) -> Problem:
    loc: Sequence[str | int] = err["loc"]
    key = ".".join(str(part) for part in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        message, hint = "unknown key", _allowed_keys(loc)
    elif kind == "literal_error":
        message, hint = "not an allowed value", err.get("ctx", {}).get("expected")
        hint = f"allowed: {hint}" if hint else None
    else:
        message, hint = str(err["msg"]).removeprefix("Value error, "), None
    value = None if kind == "missing" or not loc else repr(err.get("input"))
    return Problem(
        message, file=source, line=locate(text, loc), key=key or None, value=value, hint=hint
    )


def _allowed_keys(loc: Sequence[str | int]) -> str | None:
    model: Any = OrgConfig
    for part in loc[:-1]:
        field = None if isinstance(part, int) else model.model_fields.get(part)
        if field is not None:
            args = getattr(field.annotation, "__args__", None)
            model = args[0] if args else field.annotation
    fields = getattr(model, "model_fields", None)
    return f"allowed keys: {', '.join(sorted(fields))}" if fields else None


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line number of a dotted key in TOML text (tables and plain keys)."""
    names = [str(p) for p in loc if not isinstance(p, int)]
    if not names or not text:
        return None
    table: list[str] = []
    table_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = [p.strip().strip('"') for p in header.group(1).split(".")]
            table_line = number
            if table == names:
                return number
            continue
        key = _KEY.match(line)
        if key and [*table, key.group(1).strip('"')] == names[: len(table) + 1]:
            return number
    return table_line if table == names[:-1] else None
