"""CI jobs as GitLab sees them: own keys, ``extends:`` resolved, defaults and globals applied.

Analysis looks at the *effective* job (what the runner would execute); rewriting works on
the job's own text. Both views live on :class:`CiJob`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from runner_ext.migrate.cifiles import CiFile
from runner_ext.migrate.yamlnodes import Node, Reference

# Top-level keys that are not jobs.
KEYWORDS = frozenset({"default", "include", "stages", "variables", "workflow", "image",
                      "services", "cache", "before_script", "after_script", "spec", "types"})
# Keys `default:` gives every job; the old top-level globals of the same names.
DEFAULT_KEYS = frozenset({"after_script", "artifacts", "before_script", "cache", "hooks",
                          "id_tokens", "image", "interruptible", "retry", "services", "tags",
                          "timeout"})
GLOBAL_KEYS = frozenset({"image", "services", "cache", "before_script", "after_script"})
_MAX_EXTENDS_DEPTH = 11


@dataclass
class CiJob:
    """One job: where it is written and what it amounts to."""

    name: str
    file: CiFile
    key: Node
    node: Node
    own: dict[str, Any]
    effective: dict[str, Any] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    parent_keys: dict[str, set[str]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    defined_in: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        """Line of the job's key."""
        return self.key.line

    @property
    def hidden(self) -> bool:
        """Hidden jobs (``.name``) are templates and never run."""
        return self.name.startswith(".")


def deep_merge(base: Any, over: Any) -> Any:
    """GitLab's merge for ``extends`` and same-named jobs: hashes merge, anything else wins."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return copy.deepcopy(over)


class Pipeline:
    """Every job of the loaded CI files, with lookups GitLab would do."""

    def __init__(self, files: list[CiFile]) -> None:
        self.files = files
        self.jobs: dict[str, CiJob] = {}
        self.top: dict[str, Any] = {}
        for ci in files:
            self._collect(ci)
        for job in self.jobs.values():
            self._resolve(job)

    def _collect(self, ci: CiFile) -> None:
        if ci.root is None:
            return
        for key, value in ci.root.pairs:
            name = key.value
            own = ci.data.get(name)
            self.top[name] = deep_merge(self.top[name], own) if name in self.top else own
            if name in KEYWORDS or not isinstance(own, dict):
                continue
            if name in self.jobs:
                self.jobs[name].defined_in.append(ci.path)
                self.jobs[name].own = deep_merge(self.jobs[name].own, own)
                continue
            self.jobs[name] = CiJob(name, ci, key, value, own, defined_in=[ci.path])

    def _resolve(self, job: CiJob) -> None:
        merged = self._extended(job.name, 0, job)
        job.effective = self._with_defaults(merged)

    def _extended(self, name: str, depth: int, job: CiJob) -> dict[str, Any]:
        own = self.jobs[name].own if name in self.jobs else {}
        parents = own.get("extends") or []
        parents = [parents] if isinstance(parents, str) else list(parents)
        merged: dict[str, Any] = {}
        for parent in parents:
            if depth == 0:
                job.parents.append(str(parent))
            if parent not in self.jobs or depth >= _MAX_EXTENDS_DEPTH:
                job.unresolved.append(str(parent))
                continue
            resolved = self._extended(parent, depth + 1, job)
            if depth == 0:
                job.parent_keys[str(parent)] = set(resolved)
            merged = deep_merge(merged, resolved)
        result: dict[str, Any] = deep_merge(merged, {k: v for k, v in own.items()
                                                     if k != "extends"})
        return result

    def defaults(self) -> dict[str, Any]:
        """What ``default:`` and the old top-level globals give every job."""
        found = {k: self.top[k] for k in GLOBAL_KEYS if k in self.top}
        default = self.top.get("default")
        if isinstance(default, dict):
            found.update({k: v for k, v in default.items() if k in DEFAULT_KEYS})
        return found

    def _with_defaults(self, job: dict[str, Any]) -> dict[str, Any]:
        inherit = _mapping(job.get("inherit"))
        allowed = _allowed(inherit.get("default", True))
        effective = dict(job)
        for key, value in self.defaults().items():
            if key not in effective and (allowed is None or key in allowed):
                effective[key] = value
        allowed_vars = _allowed(inherit.get("variables", True))
        inherited = {k: v for k, v in _mapping(self.top.get("variables")).items()
                     if allowed_vars is None or k in allowed_vars}
        effective["variables"] = {**inherited, **_mapping(job.get("variables"))}
        return effective

    def reference(self, ref: Reference) -> Any:
        """The value a ``!reference`` points at, or ``None`` when it can't be found."""
        value: Any = self.top
        for part in ref.path:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    def script(self, value: Any, depth: int = 0) -> list[str] | None:
        """A script as a flat list of lines, ``!reference`` resolved (``None``: unresolvable)."""
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, Reference):
            target = self.reference(value)
            return None if target is None or depth > 10 else self.script(target, depth + 1)
        if not isinstance(value, list):
            return None
        lines: list[str] = []
        for item in value:
            part = self.script(item, depth + 1)
            if part is None:
                return None
            lines.extend(part)
        return lines


def _allowed(value: Any) -> set[str] | None:
    """The keys an ``inherit:`` entry lets through (``None``: all of them)."""
    if value is False:
        return set()
    if isinstance(value, list):
        return {str(v) for v in value}
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def variable_values(variables: Any) -> dict[str, str]:
    """``variables:`` as name → value (the ``value:`` of the long form)."""
    if not isinstance(variables, dict):
        return {}
    values = {}
    for name, value in variables.items():
        if isinstance(value, dict):
            value = value.get("value", "")
        values[str(name)] = "" if value is None else str(value)
    return values
