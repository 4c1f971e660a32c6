"""Keeping credentials found in a project out of everything a migration prints or writes.

The values masked are the literal registry passwords of ``docker login`` lines, literal values
of CI variables with secret-looking names, and secret-looking ``ARG``/``ENV`` defaults of the
Dockerfiles read. Command lines are also masked by shape
(:func:`runner_ext.migrate.analyse.shell.redact`), so a short password is hidden on its
``docker login`` line even where its value is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from runner_ext.markdown import escape as markdown_escape
from runner_ext.migrate.analyse.decision import Refusal
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.shell import redact
from runner_ext.migrate.report.outcomes import JobWork
from runner_ext.migrate.rules.plaintext_password import literal_parts, plaintext_passwords
from runner_ext.planner.secrets import looks_secret
from runner_ext.sh import ShellSyntaxError, words_of

MASK = "***"
# Shorter values are masked on their own lines only: replacing every "dev" would over-mask.
MIN_LENGTH = 4
_BUILD_VARIABLE = re.compile(r"^\s*(?:ARG|ENV)\s+(.+)$", re.IGNORECASE | re.MULTILINE)


def _variables(data: Any) -> Iterable[tuple[str, Any]]:
    """Every ``variables:`` entry anywhere in a CI file's data."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "variables" and isinstance(value, dict):
                yield from value.items()
            else:
                yield from _variables(value)
    elif isinstance(data, list):
        for item in data:
            yield from _variables(item)


def ci_secrets(data: Any, facts: Iterable[JobFacts]) -> set[str]:
    """Literal secrets of a pipeline: login passwords and secret-looking variables."""
    found = {p for f in facts for p in plaintext_passwords(f)}
    for name, value in _variables(data):
        if isinstance(value, dict):
            value = value.get("value")
        if looks_secret(str(name)) and isinstance(value, (str, int)):
            found.update(literal_parts(str(value)))
    return found


def dockerfile_secrets(text: str) -> set[str]:
    """Defaults of secret-looking ``ARG``/``ENV`` names in a Dockerfile."""
    found: set[str] = set()
    for match in _BUILD_VARIABLE.finditer(text):
        try:
            words = words_of(match.group(1))
        except ShellSyntaxError:
            continue
        for word in words:
            name, eq, _ = word.text.partition("=")
            if eq and looks_secret(name):
                found.update(literal_parts(word.gitlab.partition("=")[2]))
    return found


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value (longest first) replaced by ``***``."""
    for value in sorted((s for s in secrets if len(s) >= MIN_LENGTH), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def in_markdown(secrets: Iterable[str]) -> set[str]:
    """The secrets and their Markdown-escaped forms (the report escapes what it quotes)."""
    return {form for s in secrets for form in (s, markdown_escape("x" + s)[1:])}


def mask_lines(text: str, secrets: Iterable[str]) -> str:
    """Like :func:`mask`, and each line masked by shape too (for diffs of CI files)."""
    lines = text.splitlines(keepends=True)
    return mask("".join(redact(line) for line in lines), secrets)


def mask_data(data: Any, secrets: frozenset[str]) -> Any:
    """A JSON-able structure with every string masked."""
    if isinstance(data, str):
        return mask(data, secrets)
    if isinstance(data, dict):
        return {k: mask_data(v, secrets) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_data(v, secrets) for v in data]
    return data


def copies_a_secret(items: list[JobWork], secrets: frozenset[str]) -> bool:
    """A rewrite may drop a credential's line but never copy a credential somewhere new:
    when one would, no job of the file is rewritten."""
    new = [text for i in items if i.request is not None and i.rewrite is not None
           for text in [*(s.replacement for s in i.rewrite.splices), *i.request.destinations,
                        *i.request.build_args, *i.request.labels, i.request.target,
                        i.request.dockerfile, i.request.context, i.request.cache_repo]]
    if not any(secret in text for secret in secrets if len(secret) >= MIN_LENGTH
               for text in new):
        return False
    for item in items:
        item.request, item.rewrite = None, None
        item.refusal = Refusal("the rewrite would copy a plaintext credential to a new place",
                               "move the credential into a masked CI/CD variable, then run "
                               "migrate-project again")
    return True
