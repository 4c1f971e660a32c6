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
