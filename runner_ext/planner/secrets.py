"""Which build-arg and ARG/ENV names look like credentials, and which of them are refused.

The one place that decides: the planner (:mod:`runner_ext.planner.validate`), the migration
(:mod:`runner_ext.migrate.analyse.request`) and the run-time check the planner renders into the CI
template (:func:`runner_ext.planner.shell.plan_to_shell`) all use :func:`fold`,
:data:`SECRET_NAME_PATTERNS` and :func:`secret_refused`, so they agree on every name.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

# Kaniko hashes build args into cache keys and Docker records them in image history,
# so a credential passed this way leaks to anyone who can pull the image or the cache.
# Matched against the folded (upper-case) name.
SECRET_NAME_PATTERNS: tuple[str, ...] = ("*TOKEN*", "*PASSWORD*", "*SECRET*", "*_KEY", "*PASSWD*")

_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def fold(name: str) -> str:
    """The name compared by every check: ASCII letters upper-cased, nothing else changed.

    Exactly what ``tr a-z A-Z`` does in the job, so the rendered check agrees byte for byte.
    """
    return name.translate(_UPPER)


def looks_secret(name: str) -> bool:
    """True when a variable name matches one of :data:`SECRET_NAME_PATTERNS`, in any case."""
    folded = fold(name)
    return any(fnmatch.fnmatchcase(folded, pattern) for pattern in SECRET_NAME_PATTERNS)


def allowed_names(allowed: Iterable[str]) -> tuple[str, ...]:
    """The allow-list (``build.allow_secret_build_args``) folded, in order, without repeats."""
    return tuple(dict.fromkeys(fold(name) for name in allowed))


def secret_refused(name: str, allowed: Iterable[str]) -> bool:
    """True when a build arg ``name`` looks like a secret and the allow-list lacks it.

    Case-insensitive on both sides: ``npm_token`` allowed also allows ``NPM_TOKEN``.
    """
    return looks_secret(name) and fold(name) not in allowed_names(allowed)
