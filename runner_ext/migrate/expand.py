"""Variable references in values a migration carries into CI variables or inputs.

GitLab expands ``$NAME`` and ``${NAME}`` in job variables; a shell expands much more
(``${NAME:-x}``, ``$(cmd)``, backticks, ``$((…))``). A value may move from a script into a
variable only when the two agree, i.e. when it uses nothing but plain references.
"""

from __future__ import annotations

import re

_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# Predefined variables GitLab sets in every job (prefixes), so they need no definition.
PREDEFINED_PREFIXES = ("CI_", "GITLAB_")
# Predefined variables that hold a repository without a tag.
REPOSITORY_VARIABLES = frozenset({"CI_REGISTRY_IMAGE"})


def references(value: str) -> list[str]:
    """Names of the plain variable references in a value, in order."""
    return [a or b for a, b in _REF.findall(value)]


def is_plain(value: str) -> bool:
    """True when every ``$`` in the value starts a plain ``$NAME``/``${NAME}`` reference."""
    if "`" in value:
        return False
    return "$" not in _REF.sub("", value)


def substitute(value: str, values: dict[str, str]) -> str:
    """Replace references to the given variables by their values (others are kept)."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0))

    return _REF.sub(replace, value)


def is_predefined(name: str) -> bool:
    """True for variables GitLab sets in every job."""
    return name.startswith(PREDEFINED_PREFIXES)


def normalize_ref(ref: str) -> str:
    """An image reference with its implied ``:latest``, when the text shows it has no tag.

    ``$CI_REGISTRY_IMAGE`` gains ``:latest``; ``$IMAGE`` (which may hold a tag) is left
    as written, because only its value at run time can tell.
    """
    last = ref.rsplit("/", 1)[-1]
    if ":" in last or "@" in last:
        return ref
    refs = references(last)
    if not refs or (len(refs) == 1 and refs[0] in REPOSITORY_VARIABLES
                    and _REF.sub("", last) == ""):
        return f"{ref}:latest"
    return ref
