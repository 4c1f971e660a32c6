"""The grammar of image references and registry hosts, written once as POSIX EREs.

It follows the reference grammar of the distribution project (what ``docker pull`` parses):
``[host[:port]/]path[:tag][@digest]``, with lower-case path components. The planner checks
values it knows with these patterns; the shell it renders checks job variables with the same
text under ``grep -E`` (``runner_ext_matches``, from :mod:`runner_ext.planner.shell`), so a
value refused here is refused in the job too. No pattern matches a value starting with
``-``, so a checked value can never become an engine option.
"""

from __future__ import annotations

import re
from functools import cache

_ALNUM = "[a-z0-9]+"
_SEPARATOR = "([._]|__|-+)"
_PATH_COMPONENT = f"{_ALNUM}({_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = "([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = f"{_DOMAIN_COMPONENT}(\\.{_DOMAIN_COMPONENT})*"
_IPV6 = "\\[[A-Fa-f0-9:]+\\]"
_PORT = "(:[0-9]{1,5})?"
_HOST = f"({_DOMAIN}|{_IPV6}){_PORT}"
_NAME = f"({_HOST}/)?{_PATH_COMPONENT}(/{_PATH_COMPONENT})*"
_TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = "[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[A-Fa-f0-9]{32,}"

# Every character any of the patterns admits; the shell rejects others (newlines, quotes,
# blanks) before it runs grep, which reads a value line by line.
ALPHABET = "A-Za-z0-9._:/@+[]-"
MAX_LENGTH = 512

# kind → (ERE matching the whole value, what a person should write instead)
GRAMMARS: dict[str, tuple[str, str]] = {
    "reference": (f"{_NAME}(:{_TAG})?(@{_DIGEST})?",
                  "an image reference: [host[:port]/]path[:tag][@digest], path in lower case"),
    "repository": (_NAME, "a repository: [host[:port]/]path, lower case, without tag or digest"),
    "host": (_HOST, "a registry host: name or address, optionally :port, nothing else"),
    "mirror": (f"{_HOST}(/{_PATH_COMPONENT})*",
               "a registry mirror: host[:port] optionally followed by /path"),
}


@cache
def _compiled(kind: str) -> re.Pattern[str]:
    return re.compile(GRAMMARS[kind][0])


def matches(kind: str, value: str) -> bool:
    """True when ``value`` is entirely a ``kind`` (see :data:`GRAMMARS`)."""
    return len(value) <= MAX_LENGTH and _compiled(kind).fullmatch(value) is not None


def expected(kind: str) -> str:
    """What a value of ``kind`` looks like, for error hints."""
    return GRAMMARS[kind][1]
