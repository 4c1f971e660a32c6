"""GitLab's JSON answers, checked as they are read: a wrong shape is a one-line error, not a crash.

A proxy's HTML page, a list where an object belongs, a missing or mistyped field: each becomes
``RunnerExtError(Category.GITLAB)`` naming the request (``GET /api/v4/projects/42``) and what
was wrong. Values are never echoed back, only their JSON type.
"""

from __future__ import annotations

from typing import Any

import requests

from runner_ext.errors import Category, Problem, RunnerExtError

_HINT = ("check that --gitlab-url is the GitLab server's base URL and not a proxy, a login "
         "page or another service; if it is GitLab, report this with its version")
_JSON_TYPES = ((dict, "an object"), (list, "a list"), (str, "a string"), (bool, "a boolean"),
               (int, "a number"), (float, "a number"))


def unexpected(where: str, what: str) -> RunnerExtError:
    """The error for an answer of the wrong shape from the request ``where``."""
    return RunnerExtError(Category.GITLAB, Problem(
        f"{where}: unexpected answer from GitLab: {what}", hint=_HINT))


def kind(value: Any) -> str:
    """The JSON type of ``value`` in words, or the content type of a non-JSON answer."""
    if value is None:
        return "null"
    if isinstance(value, requests.Response):
        content_type = value.headers.get("Content-Type") or "no content type"
        return f"a non-JSON answer ({content_type.split(';')[0]})"
    return next((word for cls, word in _JSON_TYPES if isinstance(value, cls)), "something else")


class Answer:
    """One JSON object from GitLab; each read checks the field's presence and type."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise unexpected(where, f"expected an object, got {kind(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def text(self, key: str) -> str:
        """A required string."""
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def optional_text(self, key: str) -> str | None:
        """A string that may be missing or null."""
        return None if self.data.get(key) is None else self.text(key)

    def number(self, key: str) -> int:
        """A required integer."""
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "a number", value)
        return value

    def optional_real(self, key: str) -> float | None:
        """A number that may be a fraction, missing or null (e.g. a job's ``duration``)."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong(key, "a number", value)
        return float(value)

    def flag(self, key: str) -> bool:
        """A required boolean."""
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self._wrong(key, "a boolean", value)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of strings; missing or null reads as empty."""
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._wrong(key, "a list of strings", value)
        return tuple(value)

    def child(self, key: str) -> Answer:
        """A required nested object."""
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise self._wrong(key, "an object", value)
        return Answer(value, self.where)

    def children(self, key: str) -> list[Answer]:
        """A list of objects; missing or null reads as empty."""
        value = self.data.get(key)
        return [] if value is None else items(value, self.where, field=key)

    def _wrong(self, key: str, wanted: str, value: Any) -> RunnerExtError:
        got = "it is missing" if key not in self.data else f"got {kind(value)}"
        return unexpected(self.where, f"field {key!r} should be {wanted}, {got}")


def items(data: Any, where: str, *, field: str | None = None) -> list[Answer]:
    """A JSON list of objects (a list endpoint's answer, or the list in ``field``)."""
    what = f"field {field!r}" if field else "the answer"
    if not isinstance(data, list):
        raise unexpected(where, f"{what} should be a list, got {kind(data)}")
    bad = next((kind(item) for item in data if not isinstance(item, dict)), None)
    if bad is not None:
        raise unexpected(where, f"{what} should be a list of objects, holds {bad}")
    return [Answer(item, where) for item in data]
