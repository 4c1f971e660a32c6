"""Promotions: copying an image that is already in a registry to more tags, without a build.

A promote job (``docker pull A; docker tag A B; docker push B``) becomes one registry copy
per destination with skopeo, which keeps the manifest digest (``--preserve-digests``) and
copies every image of a multi-platform index (``--all``) without pulling layers through a
daemon. This module is the one place that knows that command line: :func:`copy_words` builds
it once, for a promotion whose references are known (:func:`promote_commands`, used by
``runner-ext plan --promote-from``) and for the CI template (:func:`promote_shell`), where the
references are job variables (:data:`FROM_VARIABLE`, :data:`TO_VARIABLE`) checked with the
same reference grammar before skopeo sees them.

skopeo 1.9 (Debian bookworm, in the shim executor image) reads only the system
registries.conf (not ``CONTAINERS_REGISTRIES_CONF``), so the org's mirrors and plain-HTTP
registries go in through its global ``--registries-conf``, and the org CA through
``--src-cert-dir``/``--dest-cert-dir``; registry auth is the file the executor entrypoint
writes (mode 0600, removed after the copy).
"""

from __future__ import annotations

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.planner.engines import CA_COPY, CERT_DIR, registries_conf
from runner_ext.planner.plan import PlanFile
from runner_ext.planner.references import expected, matches
from runner_ext.planner.shell import check_shell, file_lines, matches_shell, shell_word
from runner_ext.planner.spec import RegistryOptions
from runner_ext.planner.words import ITEM, Text, Var, Word, word

# The job variables of a promote job: the source image, and the destinations (one per line
# or separated by spaces; guarded pushes append to it at run time).
FROM_VARIABLE = "RUNNER_EXT_PROMOTE_FROM"
TO_VARIABLE = "RUNNER_EXT_PROMOTE_TO"
WORK_DIR_VARIABLE = "RUNNER_EXT_WORK_DIR"
# Every image of an index, digests unchanged (the copy fails rather than convert a
# manifest), a few retries for a flaky registry.
COPY_FLAGS = ("--all", "--preserve-digests", "--retry-times", "3")
TRANSPORT = "docker://"
# The function the template's job script calls after sourcing the entrypoint (library mode).
FUNCTION = "runner_ext_promote"


class Promotion:
    """One image copied to one or more destinations (full references)."""

    def __init__(self, source: str, destinations: tuple[str, ...]) -> None:
        self.source = source
        self.destinations = tuple(dict.fromkeys(destinations))


def _files(work_dir: Text, registry: RegistryOptions) -> list[PlanFile]:
    files = []
    conf = registries_conf(registry)
    if conf:
        files.append(PlanFile(word(work_dir, "/registries.conf"), content=word(conf)))
    if registry.ca_file:
        files.append(PlanFile(word(work_dir, CA_COPY), copy_from=word(registry.ca_file)))
    return files


def copy_words(source: Text, destination: Text, work_dir: Text,
               registry: RegistryOptions) -> list[Word]:
    """The skopeo command that copies ``source`` to ``destination``, as argv words."""
    words = [word("skopeo")]
    if registries_conf(registry):
        words += [word("--registries-conf"), word(work_dir, "/registries.conf")]
    words += [word("copy"), *(word(f) for f in COPY_FLAGS),
              word("--authfile"), word(work_dir, "/auth.json")]
    if registry.ca_file:
        for flag in ("--src-cert-dir", "--dest-cert-dir"):
            words += [word(flag), word(work_dir, CERT_DIR)]
    return [*words, word(TRANSPORT, source), word(TRANSPORT, destination)]


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


def promote_commands(promotion: Promotion, work_dir: str, registry: RegistryOptions
                     ) -> list[list[str]]:
    """One skopeo command per destination (after :func:`check_promotion`); auth, and the
    files of :func:`promote_files`, live in ``work_dir``."""
    check_promotion(promotion)
    return [[w.literal or "" for w in copy_words(promotion.source, d, work_dir, registry)]
            for d in promotion.destinations]


def promote_files(work_dir: str, registry: RegistryOptions) -> dict[str, str]:
    """The files the commands read besides auth: path → content ('<copy of FILE>' for the
    org CA)."""
    return {f.path.literal or "": (f.content.literal or "") if f.content else
            f"<copy of {f.copy_from.literal if f.copy_from else ''}>"
            for f in _files(work_dir, registry)}


def promote_shell(registry: RegistryOptions) -> str:
    """The CI template's sh functions: the reference checks and :data:`FUNCTION`, which
    checks the two variables, writes registry auth (the entrypoint's writer, mode 0600) and
    the org's registry files, runs :func:`copy_words` for each destination and removes the
    auth file again."""
    work_dir = Var(WORK_DIR_VARIABLE)
    argv = " ".join(shell_word(w) for w in copy_words(Var(FROM_VARIABLE), ITEM, work_dir,
                                                        registry))
    to = f"${{{TO_VARIABLE}}}"
    body = [
        f"{FUNCTION}() {{",
        f'  runner_ext_check reference {FROM_VARIABLE} "${{{FROM_VARIABLE}}}" || return $?',
        f"  set -f; {TO_VARIABLE}=$(printf '%s\\n' {to}); set +f",
        f'  if [ -z "{to}" ]; then',
        '    echo "runner-ext: nothing to promote in this pipeline"; return 0',
        "  fi",
        f'  runner_ext_check reference {TO_VARIABLE} "{to}" lines || return $?',
        *file_lines_for(work_dir, registry),
        f"  RUNNER_EXT_AUTH_FILE={shell_word(word(work_dir, '/auth.json'))}",
        "  runner_ext_write_auth || return $?",
        "  runner_ext_rc=0",
        "  set -f",
        f"  for {ITEM.name} in {to}; do",
        f"    set -- {argv}",
        '    echo "runner-ext: running: $*"',
        '    "$@" || { runner_ext_rc=$?; break; }',
        "  done",
        "  set +f",
        '  rm -f -- "$RUNNER_EXT_AUTH_FILE"',
        '  return "$runner_ext_rc"',
        "}",
    ]
    return matches_shell() + check_shell() + "\n".join(body) + "\n"


def file_lines_for(work_dir: Text, registry: RegistryOptions) -> list[str]:
    """The sh lines that write the org's registry files before the copy."""
    return [line for f in _files(work_dir, registry) for line in file_lines(f)]
