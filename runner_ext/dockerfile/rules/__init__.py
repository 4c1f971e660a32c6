"""The Dockerfile rule catalog: one rule per module, registered here explicitly."""

from __future__ import annotations

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.rules import (
    apt_in_scripts,
    apt_install_recommends,
    apt_without_yes,
    copy_context_before_restore,
    copy_from_unknown_stage,
    engine_unsupported,
    floating_base_tag,
    line_endings,
    no_dockerignore,
    package_cache_left,
    secret_build_variable,
    split_related_runs,
)
from runner_ext.rules.base import Rule
from runner_ext.rules.docs import Catalog

_INTRO = """\
`migrate-project` checks every Dockerfile it touches with these rules, using BuildKit's own
parser, so a Dockerfile is read exactly as `docker build` reads it. Each rule has a stable ID,
a default severity (a finding may raise or lower it where the rule says so) and says whether
its fix is **safe** (applied with `--dockerfile-fixes safe`, the default) or **unsafe** (shown
in the report, never applied).

A Dockerfile that Docker would reject (a parse error, an unknown instruction, bytes that are
not UTF-8, a NUL byte) stops the migration with exit code 2 and a message naming the line.
A byte-order mark and CRLF line ends are accepted, as Docker accepts them: RXD112 reports
them and every edit keeps the line ends of the lines around it.
"""

RULES: tuple[Rule[Subject], ...] = (
    copy_from_unknown_stage,
    copy_context_before_restore,
    package_cache_left,
    apt_without_yes,
    apt_install_recommends,
    apt_in_scripts,
    split_related_runs,
    no_dockerignore,
    floating_base_tag,
    engine_unsupported,
    secret_build_variable,
    line_endings,
)
CATALOG = Catalog("dockerfile", "Dockerfile rules", _INTRO, RULES, "docs/rules-dockerfile.md")
