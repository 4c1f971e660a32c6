"""A job's ``docker buildx bake``, read at migration time with the reader the shim image runs
at job time (:mod:`runner_ext.migrate.shim.bake`): the targets it builds, or the reader's
one-line reason as the job's refusal."""

from __future__ import annotations

import posixpath

from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.shim import bake
from runner_ext.migrate.shim.verbs import without_globals

_FIX = ("build each bake target with docker build in the script, or keep the bake file to "
        "what the shim's bake reads (docs/migrate.md), then run migrate-project again")


def bake_args(words: list[str]) -> list[str]:
    """The words after ``bake`` of ``docker [buildx] bake …``."""
    rest = without_globals(words[1:])
    return rest[2:] if rest[:2] == ["buildx", "bake"] else rest[1:]


def check_bake(facts: JobFacts, cwd: str, words: list[str], env: dict[str, str],
               shown: str) -> list[bake.Build]:
    """The builds (one per target) a bake command makes, read from the project's files as
    the wrapper will read them; :class:`Refused` with the reader's reason otherwise.

    ``env`` holds the values known now (the job's variables without references); a bake
    variable the job sets at run time takes its default here and its value at run time,
    which changes tags, not whether the file can be read. ``shown`` names the command.
    """
    args = bake_args(words)
    for word in args:
        if "$" in word and not word.startswith("--set") and "=" not in word:
            raise Refused(f"{shown} names its bake file or targets with a variable "
                          f"({word}) runner-ext can't follow", _FIX)

    def read(name: str) -> str | None:
        path = posixpath.normpath(posixpath.join(cwd, name))
        if path.startswith(("/", "../")) or path == "..":
            return None  # outside the project: not read
        return facts.read_text(path)

    try:
        invocation = bake.parse_args(args)
        for name in invocation.files:
            if name != "-" and read(name) is None:
                raise Refused(f"{shown} reads the bake file {name}, which the project does not "
                              "have (a bake file the job writes as it runs can't be read "
                              "before it runs)", _FIX)
        found = bake.resolve(invocation, read, env)
    except bake.BakeRefused as refused:
        raise Refused(f"{shown} runs docker buildx bake, which the shim reads exactly or "
                      f"not at all: {refused}", _FIX) from None
    return found


def check_outputs(outputs: list[tuple[str, str]], shown: str) -> tuple[bool, str]:
    """A ``docker build --output`` that pushes or keeps the image (registry, image, docker) is
    read by the wrapper as the bake reader reads a target's output; :class:`Refused` naming
    an attribute podman's push can't carry. Other outputs (local, tar) are podman build's.

    Returns whether an output pushes, and the first other output as ``OPTION VALUE`` ('' when
    there is none)."""
    pushes, other = False, ""
    for name, value in outputs:
        kinds = [part[5:] for part in value.split(",") if part.startswith("type=")]
        if kinds and kinds[-1] in ("registry", "image", "docker"):
            try:
                pushes = bake.read_output(value, "the build")[0] or pushes
            except bake.BakeRefused as refused:
                raise Refused(f"{shown} pushes with an output the shim reads exactly or not at "
                              f"all: {refused}", _OUTPUT_FIX) from None
        else:
            other = other or f"{name} {value}"
    return pushes, other


_OUTPUT_FIX = ("drop the output attribute (or push with --push), then run migrate-project "
               "again")
