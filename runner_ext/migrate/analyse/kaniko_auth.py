"""The line a hand-written Kaniko job writes ``/kaniko/.docker/config.json`` with.

It is dropped when it only holds the entries the template's entrypoint writes itself:
``$CI_REGISTRY`` with ``CI_REGISTRY_USER``/``CI_REGISTRY_PASSWORD`` or ``CI_JOB_TOKEN``, and
GitLab's dependency proxy (``$CI_DEPENDENCY_PROXY_SERVER``, with or without its port) with
``CI_DEPENDENCY_PROXY_USER``/``CI_DEPENDENCY_PROXY_PASSWORD`` (see ``JOB_LOGINS``). Any other
registry, a credential helper or credentials from other variables leave the job, with the
registry named. Messages never quote the line: it may hold a credential.
"""

from __future__ import annotations

import re

from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.shell import Command
from runner_ext.variables import JOB_LOGIN_HOSTS, JOB_LOGINS, references, spellings

CONFIG_DIR = "/kaniko/.docker"
CONFIG_FILE = "/kaniko/.docker/config.json"


def own_text(command: Command) -> str:
    """The command's own source, redirections included (not the rest of its line)."""
    start, end = command.span
    return command.source[start:end] if end > start else command.text


_OWN_REGISTRY_KEYS = spellings("CI_REGISTRY")
_PROXY = "CI_DEPENDENCY_PROXY_SERVER"
_OWN_CREDENTIALS = JOB_LOGINS["CI_REGISTRY"]
_PROXY_NAMES = frozenset({_PROXY}.union(*JOB_LOGINS[_PROXY]))
_HELPERS = {"ecr-login": "Amazon ECR", "gcr": "Google Container Registry",
            "gcloud": "Google Artifact Registry", "acr-env": "Azure Container Registry",
            "acr": "Azure Container Registry"}
_KEY = re.compile(r'"((?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|[^"{}])+)"\s*:\s*\{')
_HELPER = re.compile(r'"(credsStore|credHelpers)"\s*:\s*'
                     r'(?:"([^"]*)"|\{\s*"([^"]*)"\s*:\s*"([^"]*)")')
_NOT_REGISTRIES = frozenset({"auths", "proxies", "default", "credHelpers"})
_AUTH_HINT = ("put that registry's user and password into the RUNNER_EXT_REGISTRY_AUTH "
              "CI/CD variable (docs/how-builds-run.md), delete the line, then run "
              "migrate-project again — or keep the job as it is")


def check_auth_line(facts: JobFacts, command: Command) -> None:
    """Check a line that prepares ``/kaniko/.docker``: it is dropped when the template's
    own login covers it; :class:`Refused` otherwise."""
    if command.name == "mkdir" and all(
            w.rstrip("/") in ("/kaniko", CONFIG_DIR) or w.startswith("-")
            for w in command.words[1:]):
        return
    if CONFIG_FILE not in own_text(command) or not command.redirected:
        raise Refused("the job also prepares the Kaniko image's own files (a line using "
                      "/kaniko/), which the runner-ext executor image does not have",
                      "set custom CA certificates and registry mirrors in the org config "
                      "instead, drop the line, then run migrate-project again")
    text = _with_values(facts, own_text(command))
    registries = _registries(text)
    # the dependency proxy's key is often computed (`$(echo $CI_DEPENDENCY_PROXY_SERVER |
    # awk …)` to drop the port): the entrypoint writes both forms, so any key naming it is ours
    registries = [r for r in registries if _PROXY not in r]
    other = [r for r in registries if r not in JOB_LOGIN_HOSTS]
    proxy = {n for n in references(text) if n.startswith("CI_DEPENDENCY_PROXY")}
    if proxy - _PROXY_NAMES:
        names = ", ".join(f"${n}" for n in sorted(proxy - _PROXY_NAMES))
        raise Refused(f"{CONFIG_FILE} uses {names} for GitLab's dependency proxy; the "
                      "runner-ext template logs in to $CI_DEPENDENCY_PROXY_SERVER with "
                      "CI_DEPENDENCY_PROXY_USER/_PASSWORD",
                      _AUTH_HINT)
    helper = _HELPER.search(text)
    if helper:
        name = helper.group(2) or helper.group(4) or ""
        where = _HELPERS.get(name, "a registry")
        host = f" for {helper.group(3)}" if helper.group(3) else ""
        raise Refused(f"{CONFIG_FILE} uses the credential helper {name or '(unnamed)'}"
                      f"{host} ({where}); the runner-ext template writes user and password "
                      "entries only, not a credential helper", _AUTH_HINT)
    if other:
        raise Refused(f"{CONFIG_FILE} holds credentials for {_registry_name(other[0])}; the "
                      "runner-ext template logs in to $CI_REGISTRY itself, other registries "
                      "only through RUNNER_EXT_REGISTRY_AUTH", _AUTH_HINT)
    if not registries and proxy:
        registries = [f"${_PROXY}"]
    if not registries:
        names = ", ".join(f"${n}" for n in sorted(set(references(own_text(command)))))
        raise Refused(f"{CONFIG_FILE} is written from {names or 'text'} runner-ext can't "
                      "read a registry from", _AUTH_HINT)
    used = set(references(text)) - {"CI_REGISTRY"} - _PROXY_NAMES
    foreign = sorted(used - set().union(*_OWN_CREDENTIALS))
    own = any(r in _OWN_REGISTRY_KEYS for r in registries)
    if foreign or (own and not any(c <= used for c in _OWN_CREDENTIALS)):
        shown = ", ".join(f"${n}" for n in foreign) or "a literal value"
        raise Refused(f"{CONFIG_FILE} logs in with {shown}, not the job's own "
                      "CI_REGISTRY_USER/CI_REGISTRY_PASSWORD (or CI_DEPENDENCY_PROXY_USER/"
                      "_PASSWORD, or CI_JOB_TOKEN) that the runner-ext template uses",
                      _AUTH_HINT)


def _with_values(facts: JobFacts, text: str) -> str:
    """The line, its JSON unescaped, followed by the values the script and the CI file give
    the variables it writes (``echo "$CFG" > …``), a few rounds deep."""
    values: dict[str, list[str]] = {}
    for command in facts.commands:
        for name, value in _assigned(command):
            values.setdefault(name, []).append(value)
    for name, value in facts.variables.items():
        values.setdefault(name, []).append(value)
    seen: set[str] = set()
    parts = [text]
    for _ in range(4):
        new = {n for p in parts for n in references(p)} - seen
        seen |= new
        parts += [v for n in sorted(new) for v in values.get(n, [])]
    return "\n".join(parts).replace('\\"', '"')


def _assigned(command: Command) -> list[tuple[str, str]]:
    pairs = list(command.assignments)
    if command.name == "export":
        pairs += [tuple(w.split("=", 1)) for w in command.words[1:] if "=" in w]  # type: ignore[misc]
    return pairs


def _registries(text: str) -> list[str]:
    found = [k for k in _KEY.findall(text) if k not in _NOT_REGISTRIES]
    return list(dict.fromkeys(found))


def _registry_name(key: str) -> str:
    if "index.docker.io" in key or key in ("docker.io", "registry-1.docker.io"):
        return f"Docker Hub ({key})"
    if ".ecr." in key and "amazonaws.com" in key:
        return f"Amazon ECR ({key})"
    return key
