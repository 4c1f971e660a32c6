"""Which build-arg and ARG/ENV names look like credentials."""

from __future__ import annotations

import fnmatch

# Kaniko hashes build args into cache keys and Docker records them in image history,
# so a credential passed this way leaks to anyone who can pull the image or the cache.
SECRET_NAME_PATTERNS: tuple[str, ...] = ("*TOKEN*", "*PASSWORD*", "*SECRET*", "*_KEY", "*PASSWD*")


def looks_secret(name: str) -> bool:
    """True when a variable name matches one of :data:`SECRET_NAME_PATTERNS`."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_NAME_PATTERNS)
