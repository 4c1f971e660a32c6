"""Untrusted text in Markdown: the one escaping function for everything taken from a project.

Job names, file paths, include URLs, commands and the reasons quoting them come from the
project being migrated, and the Markdown report becomes a merge request description. There,
GitLab runs a line starting with ``/approve``, ``/merge`` or ``/assign_reviewer`` as a quick
action, turns ``@name`` into a notification and ``#12``/``!3``/``~label`` into references, and
renders links, images and HTML. :func:`escape` makes such text inert: one line, every
character that means something in GitLab Flavored Markdown escaped, and no block marker (or
``/``) where a line could start.
"""

from __future__ import annotations

import re
import unicodedata

# Backslash-escaped wherever they appear: emphasis, code, links and images, HTML and entities,
# table cells, headings, GitLab references (@user, #issue, !mr, ~label, %milestone, $snippet,
# &epic), inline math ($) and inline diffs ({+ +}).
_SPECIALS = frozenset("\\`*_[]{}<>#!|~@$%&")
# Unicode's explicit bidirectional embeddings, overrides and isolates ("Trojan Source").
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What else opens a block, or a quick action, at the start of a line.
_LINE_OPENERS = frozenset("/-+=>")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI


def escape(text: str) -> str:
    """``text`` as inert inline Markdown on one line.

    Newlines and other control characters become spaces and the ends are trimmed (trailing
    spaces would be a line break, leading ones an indent); Markdown and GitLab specials are
    backslash-escaped; a leading ``/``, ``-``, ``+``, ``=``, ``>`` or ``1.`` is escaped too, so
    the text cannot start a quick action or a block even when it is placed at the start of a
    line.
    """
    flat = "".join(" " if _is_control(char) else char for char in text).strip()
    out = "".join(f"\\{char}" if char in _SPECIALS else char for char in flat)
    if out[:1] in _LINE_OPENERS:
        return f"\\{out}"
    return _ORDERED_ITEM.sub(r"\1\\\2", out, count=1)
