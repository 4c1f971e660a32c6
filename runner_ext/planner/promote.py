"""Promotions: copying an image that is already in a registry to more tags, without a build.

A promote job (``docker pull A; docker tag A B; docker push B``) becomes one registry copy
per destination with skopeo, which keeps the manifest digest (``--preserve-digests``) and
copies every image of a multi-platform index (``--all``) without pulling layers through a
daemon. This module is the one place that knows that command line: :func:`copy_argv` for a
promotion whose references are known (``runner-ext plan --promote-from``), and
:func:`promote_shell` for the CI template, where they are job variables
(:data:`FROM_VARIABLE`, :data:`TO_VARIABLE`), checked with the same reference grammar
before skopeo sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.planner.references import expected, matches
from runner_ext.planner.shell import check_shell, matches_shell, quote

# The job variables of a promote job: the source image, and the destinations (one per line
# or separated by spaces; guarded pushes append to it at run time).
FROM_VARIABLE = "RUNNER_EXT_PROMOTE_FROM"
TO_VARIABLE = "RUNNER_EXT_PROMOTE_TO"
# skopeo 1.9 (Debian bookworm): every image of an index, digests unchanged (the copy fails
# instead of converting a manifest), a few retries for a flaky registry.
COPY_FLAGS = ("--all", "--preserve-digests", "--retry-times", "3")
TRANSPORT = "docker://"
# The function the template's job script calls after sourcing the entrypoint (library mode).
FUNCTION = "runner_ext_promote"


@dataclass(frozen=True)
class Promotion:
    """One image copied to one or more destinations (full references)."""

    source: str
    destinations: tuple[str, ...]


def copy_argv(source: str, destination: str, auth_file: str) -> list[str]:
    """The skopeo command that copies ``source`` to ``destination``."""
    return ["skopeo", "copy", *COPY_FLAGS, "--authfile", auth_file,
            TRANSPORT + source, TRANSPORT + destination]


def check_promotion(promotion: Promotion) -> None:
    """Refuse references that are not image references, or an empty promotion."""
    problems = [Problem(f"not {expected('reference')}", key=key, value=value,
                        hint="write a full image reference such as registry.example.com/"
                             "group/app:1.0")
                for key, value in [("source", promotion.source),
                                   *(("destination", d) for d in promotion.destinations)]
                if not matches("reference", value)]
    if not promotion.destinations:
        problems.append(Problem("a promotion needs at least one destination",
                                key="destination", hint="give -d IMAGE"))
    if promotion.source in promotion.destinations:
        problems.append(Problem("the source is also a destination", key="destination",
                                value=promotion.source, hint="drop it from the destinations"))
    if problems:
        raise RunnerExtError(Category.PLAN, problems)


def promote_commands(promotion: Promotion, auth_file: str) -> list[list[str]]:
    """One skopeo command per destination, after :func:`check_promotion`."""
    check_promotion(promotion)
    return [copy_argv(promotion.source, d, auth_file) for d in promotion.destinations]


def promote_shell(auth_file: str) -> str:
    """The CI template's sh functions: the reference checks and :data:`FUNCTION`, which
    checks the two variables, writes registry auth (the entrypoint's writer, mode 0600),
    runs :func:`copy_argv` for each destination and removes the auth file again."""
    argv = copy_argv(f"${{{FROM_VARIABLE}}}", "${runner_ext_item}", "${RUNNER_EXT_AUTH_FILE}")
    words = " ".join(_word(w) for w in argv)
    body = [
        f"{FUNCTION}() {{",
        f'  runner_ext_check reference {FROM_VARIABLE} "${{{FROM_VARIABLE}}}" || return $?',
        "  set -f",
        f'  {TO_VARIABLE}=$(printf \'%s\\n\' ${{{TO_VARIABLE}}})',
        "  set +f",
        f'  if [ -z "${{{TO_VARIABLE}}}" ]; then',
        '    echo "runner-ext: nothing to promote in this pipeline"; return 0',
        "  fi",
        f'  runner_ext_check reference {TO_VARIABLE} "${{{TO_VARIABLE}}}" lines || return $?',
        f"  RUNNER_EXT_AUTH_FILE={_word(auth_file)}",
        "  runner_ext_write_auth || return $?",
        "  runner_ext_rc=0",
        "  set -f",
        f"  for runner_ext_item in ${{{TO_VARIABLE}}}; do",
        f"    set -- {words}",
        '    echo "runner-ext: running: $*"',
        '    "$@" || { runner_ext_rc=$?; break; }',
        "  done",
        "  set +f",
        '  rm -f -- "$RUNNER_EXT_AUTH_FILE"',
        '  return "$runner_ext_rc"',
        "}",
    ]
    return matches_shell() + check_shell() + "\n".join(body) + "\n"


def _word(word: str) -> str:
    """A literal word quoted, or a word holding ``${VAR}`` references in double quotes."""
    return f'"{word}"' if "${" in word else quote(word)

