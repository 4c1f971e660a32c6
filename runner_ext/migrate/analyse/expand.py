"""Variable references in values a migration carries into CI variables or inputs.

GitLab expands ``$NAME`` and ``${NAME}`` in job variables; a shell expands much more
(``${NAME:-x}``, ``$(cmd)``, backticks, ``$((…))``). A value may move from a script into a
variable only when the two agree, i.e. when it uses nothing but plain references.
"""

from __future__ import annotations

from runner_ext.variables import is_plain, references, substitute

__all__ = ["PREDEFINED_PREFIXES", "REPOSITORY_VARIABLES", "is_plain", "is_predefined",
           "normalize_ref", "references", "substitute"]

# Predefined variables GitLab sets in every job (prefixes), so they need no definition.
PREDEFINED_PREFIXES = ("CI_", "GITLAB_")
# Predefined variables that hold a repository without a tag.
REPOSITORY_VARIABLES = frozenset({"CI_REGISTRY_IMAGE"})


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
                    and substitute(last, {refs[0]: ""}) == ""):
        return f"{ref}:latest"
    return ref
