"""``pip install -r``, ``poetry install`` and ``uv sync``."""

from __future__ import annotations

import posixpath
import sys
from typing import Any

from runner_ext.dockerfile.context import BuildContext
from runner_ext.dockerfile.restore import (
    Manifests,
    Output,
    Restore,
    Unsafe,
    option_values,
)
from runner_ext.dockerfile.shell import SimpleCommand, positionals

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_PIP_WITH_VALUE = frozenset({"-r", "--requirement", "-c", "--constraint", "-i", "--index-url",
                             "--extra-index-url", "--trusted-host", "-f", "--find-links",
                             "--prefix", "--root", "--progress-bar", "--root-user-action",
                             "--only-binary", "--no-binary", "--platform", "--python-version",
                             "--implementation", "--abi", "-e", "--editable", "-t", "--target"})
_REQUIREMENT_FILES = ("-r", "--requirement", "-c", "--constraint")
_VENV = (Output(".venv", root_only=True),)


def detect(command: SimpleCommand) -> Restore | None:
    """``pip install -r …``, ``pip install .``, ``poetry install`` or ``uv sync``."""
    words = _pip_words(command)
    if words is not None:
        return _pip(command, words)
    if command.program == "poetry" and command.words[1:2] == ("install",):
        if "--only-root" in command.words:
            return None
        extra = () if "--no-root" in command.words else ("--no-root",)
        return Restore("poetry", command, (*command.words, *extra))
    if command.program == "uv" and command.words[1:2] == ("sync",):
        extra = () if "--no-install-project" in command.words else ("--no-install-project",)
        return Restore("uv", command, (*command.words, *extra))
    return None


def _pip_words(command: SimpleCommand) -> tuple[str, ...] | None:
    words = command.words
    if command.program.startswith("python") and words[1:3] == ("-m", "pip"):
        words = words[2:]
    elif not command.program.startswith("pip"):
        return None
    return words if words[1:2] == ("install",) else None


def _pip(command: SimpleCommand, words: tuple[str, ...]) -> Restore | None:
    local = [w for w in positionals(words[2:], _PIP_WITH_VALUE) if _is_path(w)]
    local += option_values(words, ("-e", "--editable"))
    has_files = bool(option_values(words, _REQUIREMENT_FILES))
    if not has_files and not local:
        return None  # packages by name only: the context plays no part
    if local:
        return Restore("pip", command, None,
                       f"`pip install {local[0]}` builds the project, which needs its sources")
    if positionals(words[2:], _PIP_WITH_VALUE) or option_values(words, ("-t", "--target")):
        return Restore("pip", command, None, "the command installs more than requirement files")
    return Restore("pip", command, command.words)


def _is_path(word: str) -> bool:
    return word.startswith((".", "/", "file:")) or word.endswith((".whl", ".tar.gz", ".zip"))


def manifests(restore: Restore, context: BuildContext) -> Manifests:
    """Requirement files (and what they include), or pyproject.toml with its lock file."""
    if restore.toolchain == "pip":
        return Manifests(tuple(sorted(_requirements(restore, context))), ())
    visible = context.visible_files()
    if "pyproject.toml" not in visible:
        raise Unsafe("no pyproject.toml at the root of the build context")
    _check_pyproject(context.read_text("pyproject.toml"), restore.toolchain)
    names = {"poetry": ("pyproject.toml", "poetry.lock", "poetry.toml"),
             "uv": ("pyproject.toml", "uv.lock", ".python-version", "uv.toml")}
    return Manifests(tuple(f for f in names[restore.toolchain] if f in visible), _VENV)


def _requirements(restore: Restore, context: BuildContext) -> set[str]:
    visible = set(context.visible_files())
    pending = [posixpath.normpath(p) for p in
               option_values(restore.command.words, _REQUIREMENT_FILES)]
    found: set[str] = set()
    while pending:
        path = pending.pop()
        if "$" in path or path.startswith("/") or path not in visible:
            raise Unsafe(f"requirement file {path} is not in the build context")
        if path not in found:
            found.add(path)
            pending += _includes(path, context.read_text(path))
    return found


def _includes(path: str, text: str | None) -> list[str]:
    """Files a requirements file includes; raises for anything that needs the sources."""
    if text is None:
        raise Unsafe(f"cannot read {path} to check for local packages")
    included = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        words = line.replace("=", " ", 1).split() if line.startswith("-") else [line]
        if not line or line.startswith("#"):
            continue
        if words[0] in _REQUIREMENT_FILES and len(words) > 1:
            included.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), words[1])))
        elif words[0] in ("-e", "--editable") or _is_path(words[0]) or "@ file:" in line or (
                words[0] in ("-f", "--find-links") and len(words) > 1 and _is_path(words[1])):
            raise Unsafe(f"{path} installs from a local path ({line})")
    return included


def _check_pyproject(text: str | None, tool: str) -> None:
    if text is None:
        raise Unsafe("cannot read pyproject.toml to check for path dependencies")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Unsafe(f"pyproject.toml does not parse ({error})") from None
    tool_table = data.get("tool", {})
    if tool == "uv" and "workspace" in tool_table.get("uv", {}):
        raise Unsafe("pyproject.toml declares a uv workspace, whose members live in the sources")
    for spec in _dependency_specs(data):
        if isinstance(spec, dict) and ("path" in spec or spec.get("workspace")):
            raise Unsafe("pyproject.toml has a path dependency, which needs the sources")
        if isinstance(spec, str) and "file:" in spec:
            raise Unsafe(f"pyproject.toml has a local dependency ({spec})")


def _dependency_specs(data: dict[str, Any]) -> list[Any]:
    specs: list[Any] = list(data.get("project", {}).get("dependencies", []))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {}),
              data.get("tool", {}).get("uv", {}).get("sources", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for value in table.values():
            specs += value if isinstance(value, list) else [value]
    return specs
