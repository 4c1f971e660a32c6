"""``$NAME`` references in values GitLab expands: the one place that knows their syntax.

GitLab expands ``$NAME`` and ``${NAME}`` in job variables, inputs and image names, and
writes a literal dollar as ``$$``. These helpers follow those rules; anything else after a
``$`` (``${NAME:-x}``, ``$(cmd)``, ``$1``) is shell syntax GitLab does not expand, which
:func:`is_plain` reports.
"""

from __future__ import annotations

import re

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
NAME_RE = re.compile(rf"^{NAME}$")
ASSIGNMENT = re.compile(rf"^{NAME}=")
_REF = re.compile(rf"\$\$|\$(?:\{{({NAME})\}}|({NAME}))")
_SINGLE = re.compile(rf"^\$(?:\{{({NAME})\}}|({NAME}))$")


def references(value: str) -> list[str]:
    """Names of the plain variable references in a value, in order (``$$`` is no reference)."""
    return [m.group(1) or m.group(2) for m in _REF.finditer(value) if m.group(0) != "$$"]


def is_plain(value: str) -> bool:
    """True when every ``$`` is a ``$$`` escape or starts a plain ``$NAME``/``${NAME}``."""
    return "$" not in _REF.sub("", value)


def substitute(value: str, values: dict[str, str]) -> str:
    """Replace references to the given variables by their values (others, and ``$$``, kept)."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0)) if name else match.group(0)

    return _REF.sub(replace, value)


def single_reference(value: str) -> str | None:
    """The name when the whole value is one reference (``$NAME`` or ``${NAME}``)."""
    match = _SINGLE.match(value)
    return (match.group(1) or match.group(2)) if match else None


def escape(literal: str) -> str:
    """Literal text as a GitLab value: every ``$`` doubled."""
    return literal.replace("$", "$$")


def unescape(value: str) -> str:
    """A value without references as the literal text GitLab makes of it (``$$`` → ``$``)."""
    return value.replace("$$", "$")


def spellings(name: str) -> tuple[str, str]:
    """The two ways a CI file names a variable: ``$NAME`` and ``${NAME}``."""
    return f"${name}", f"${{{name}}}"


# The registries the executor entrypoint logs in to by itself (executor/entrypoint.sh,
# runner_ext_auth_json), each named by GitLab's predefined host variable, with the
# credential variables a job may have used for it: GitLab's container registry and its
# dependency proxy. Logins to anything else need RUNNER_EXT_REGISTRY_AUTH.
JOB_LOGINS: dict[str, tuple[frozenset[str], ...]] = {
    "CI_REGISTRY": (frozenset({"CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"}),
                    frozenset({"CI_JOB_TOKEN"})),
    "CI_DEPENDENCY_PROXY_SERVER": (
        frozenset({"CI_DEPENDENCY_PROXY_USER", "CI_DEPENDENCY_PROXY_PASSWORD"}),
        frozenset({"CI_JOB_TOKEN"})),
}
JOB_LOGIN_HOSTS: frozenset[str] = frozenset(
    spelled for name in JOB_LOGINS for spelled in spellings(name))

