"""``.dockerignore`` matching with Docker's rules.

Patterns are cleaned like file paths (a leading ``/`` is dropped), ``*`` and ``?`` stay inside
one path segment, ``**`` spans any number of segments, ``!`` re-includes, the last matching
pattern wins, and a pattern that matches a folder excludes everything below it.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    exclusion: bool


class DockerIgnore:
    """The parsed patterns of one ``.dockerignore`` file."""

    def __init__(self, text: str) -> None:
        self.patterns = [p for p in map(_parse_line, text.split("\n")) if p is not None]

    def excludes(self, path: str) -> bool:
        """True when ``path`` (relative to the context, ``/``-separated) is left out."""
        candidates = _self_and_parents(path)
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            if any(pattern.regex.match(candidate) for candidate in candidates):
                matched = not pattern.exclusion
        return matched


def _parse_line(line: str) -> _Pattern | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    exclusion = line.startswith("!")
    if exclusion:
        line = line[1:].strip()
    cleaned = posixpath.normpath(line.replace("\\", "/")) if line else ""
    cleaned = cleaned.lstrip("/") or "."
    return _Pattern(re.compile(_to_regex(cleaned)), exclusion)


def _self_and_parents(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _to_regex(pattern: str) -> str:
    out, i = ["^"], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    out.append("$")
    return "".join(out)
