"""CI jobs as GitLab sees them: own keys, ``extends:`` resolved, defaults and globals applied.

Analysis looks at the *effective* job (what the runner would execute); rewriting works on
the job's own text. Both views live on :class:`CiJob`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from runner_ext.errors import RunnerExtError
from runner_ext.limits import SCRIPT_LINES
from runner_ext.migrate.parse.cifiles import CiFile
from runner_ext.migrate.parse.yamlnodes import Node, Reference

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
        self._memo: dict[tuple[str, int], tuple[dict[str, Any], tuple[str, ...]]] = {}
        self._script_lines = 0
        for ci in files:
            self._collect(ci)
        for job in self.jobs.values():
            self._resolve(job)

    def _collect(self, ci: CiFile) -> None:
        if ci.root is None:
            return
        for key, value in ci.root.effective_pairs():  # a job written twice: the last one
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
        job.parents = self._parents(job.name)
        merged, unresolved = self._extended(job.name, 0)
        job.parent_keys = {p: set(self._memo[(p, 1)][0]) for p in job.parents
                           if (p, 1) in self._memo}
        job.unresolved = list(unresolved)
        job.effective = self._with_defaults(merged)

    def _parents(self, name: str) -> list[str]:
        own = self.jobs[name].own if name in self.jobs else {}
        parents = own.get("extends") or []
        return [str(p) for p in ([parents] if isinstance(parents, str) else list(parents))]

    def _extended(self, name: str, depth: int) -> tuple[dict[str, Any], tuple[str, ...]]:
        """``name`` with its parents merged in, and the parents that could not be read.

        Each (job, depth) is merged once per pipeline, as GitLab resolves each job once:
        templates that extend many templates that extend many more stay linear.
        """
        if (name, depth) in self._memo:
            return self._memo[(name, depth)]
        merged: dict[str, Any] = {}
        unresolved: dict[str, None] = {}
        for parent in self._parents(name):
            if parent not in self.jobs or depth >= _MAX_EXTENDS_DEPTH:
                unresolved[parent] = None
                continue
            resolved, below = self._extended(parent, depth + 1)
            unresolved.update(dict.fromkeys(below))
            merged = deep_merge(merged, resolved)
        own = self.jobs[name].own if name in self.jobs else {}
        result = deep_merge(merged, {k: v for k, v in own.items() if k != "extends"})
        self._memo[(name, depth)] = (result, tuple(unresolved))
        return self._memo[(name, depth)]

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
        """A script as a flat list of lines, ``!reference`` resolved (``None``: unresolvable).

        All scripts resolved for one pipeline share :data:`~runner_ext.limits.SCRIPT_LINES`:
        references to references multiply, and a few kilobytes could otherwise mean
        millions of lines.
        """
        lines: list[str] = []
        return lines if self._flatten(value, depth, lines, None) else None

    def _flatten(self, value: Any, depth: int, out: list[str], via: Reference | None) -> bool:
        if value is None:
            return True
        if isinstance(value, str):
            self._script_lines += 1
            if self._script_lines > SCRIPT_LINES.value:
                raise self._too_many_lines(via)
            out.append(value)
            return True
        if isinstance(value, Reference):
            target = self.reference(value)
            return target is not None and depth <= 10 and self._flatten(
                target, depth + 1, out, via or value)
        if not isinstance(value, list):
            return False
        return all(self._flatten(item, depth + 1, out, via) for item in value)

    def _too_many_lines(self, via: Reference | None) -> RunnerExtError:
        job = self.jobs.get(via.path[0]) if via is not None and via.path else None
        where = job.file.path if job else (self.files[0].path if self.files else None)
        shown = f"!reference [{', '.join(via.path)}]" if via is not None else None
        return SCRIPT_LINES.error(file=where, line=job.line if job else None, got=shown)


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
