"""Compose files a job builds from: found and read the way podman-compose will read them."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules import compose_build

# podman-compose 1.0.3 looks for these, in this order, when no -f is given.
DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_FIX = "name the compose file with -f, or fix it so `docker compose config` accepts it"


def compose_files(words: Sequence[str]) -> list[str]:
    """The ``-f``/``--file`` values of a compose command (after ``compose``)."""
    files = []
    for index, word in enumerate(words):
        if word in ("-f", "--file") and index + 1 < len(words):
            files.append(words[index + 1])
        elif word.startswith("--file="):
            files.append(word.split("=", 1)[1])
    return files


def check_compose(facts: JobFacts, cwd: str, words: Sequence[str], shown: str) -> list[str]:
    """The services a compose command builds; refuses a file the shim can't read.

    ``shown`` names the command in messages (its text, and where it is written).
    """
    named = compose_files(words)
    for name in named or DEFAULT_FILES:
        if "$" in name:
            raise Refused(f"{shown} names its compose file with a variable runner-ext can't "
                          "follow", _FIX, compose_build.ID)
        path = posixpath.normpath(posixpath.join(cwd, name)).lstrip("./")
        text = facts.read_text(path)
        if text is not None:
            return _services(path, text)
    looked = ", ".join(named or DEFAULT_FILES)
    raise Refused(f"{shown} builds from a compose file the project does not have ({looked})",
                  _FIX, compose_build.ID)


def _services(path: str, text: str) -> list[str]:
    try:
        data: Any = YAML(typ="safe").load(text)
    except YAMLError as exc:
        raise Refused(f"{path} is not valid YAML ({str(exc).splitlines()[0]})", _FIX,
                      compose_build.ID) from exc
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise Refused(f"{path} has no services: mapping", _FIX, compose_build.ID)
    return [str(name) for name, spec in services.items()
            if isinstance(spec, dict) and "build" in spec]
