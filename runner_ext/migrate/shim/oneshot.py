"""``docker run`` without a daemon: the foreground, one-shot runs the shim executes itself.

A ``docker run`` that starts a container in the foreground, waits for it and throws it away
is what a Dockerfile ``RUN`` step does. The shim's ``docker`` wrapper runs it with Buildah
(``buildah from`` the image, ``buildah run --isolation chroot``, ``buildah rm``) over the
storage podman builds into, so a job can smoke-test the image it has just built. Options
that need a container a daemon keeps, or access to the host, stop the run with a one-line
reason. These lists are the one home of that split: the analysis reads them here, and
``tests/test_shim_wrapper.py`` checks that the wrapper (``executor/shim/docker``) has the
same lists and says the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from runner_ext.migrate.shim.verbs import without_globals

# Options the one-shot run takes without a value (-t and --rm change nothing: the output is
# the job log either way, and the working container is always removed).
RUN_FLAGS: frozenset[str] = frozenset({
    "--rm", "-t", "--tty", "-i", "--interactive", "-q", "--quiet",
})
# Options the one-shot run takes with a value.
RUN_VALUE_OPTIONS: frozenset[str] = frozenset({
    "-e", "--env", "--env-file", "-w", "--workdir", "-u", "--user", "--entrypoint", "-v",
    "--volume", "--name", "--pull", "--network", "--net",
})
# The networks a job's container has: the pod's own.
RUN_NETWORKS: frozenset[str] = frozenset({"host", "bridge", "default"})
# Options that need a container a Docker daemon keeps (or the daemon's own parts).
RUN_DAEMON_OPTIONS: frozenset[str] = frozenset({
    "-d", "--detach", "--restart", "--volumes-from", "--init", "--link",
})
# Options that need access to the host a build pod does not give.
RUN_HOST_OPTIONS: frozenset[str] = frozenset({
    "-p", "--publish", "-P", "--publish-all", "--privileged", "--cap-add", "--device",
    "--device-cgroup-rule", "--gpus", "--pid", "--ipc", "--uts", "--userns", "--cgroupns",
    "--security-opt",
})

DAEMON_WHY = ("needs a container a Docker daemon keeps; the shim runs each container once, "
              "in the foreground")
HOST_WHY = ("needs access to the host (ports, devices, capabilities or namespaces) that a "
            "build pod does not give")
NETWORK_WHY = ("only the pod's own network is there (host, bridge or default); other "
               "networks live in a Docker daemon")
SOCKET_WHY = "mounts the Docker socket, and this job has no Docker daemon"
OUTSIDE_WHY = ("mounts a host path outside the job's directory ($CI_PROJECT_DIR); only the "
               "job's own files can be mounted")
VOLUME_WHY = ("is a Docker volume, which lives in a daemon; mount a folder of the job's "
              "directory instead")
UNKNOWN_WHY = ("is not an option of the shim's one-shot docker run (docs/migrate.md lists "
               "them)")
VALUE_WHY = "needs a value"

# A mount source the analysis can place in the job's directory before the job runs.
_JOB_DIR = re.compile(r"^(?:\$\(pwd\)|`pwd`|\$PWD|\$\{PWD\}|\$CI_PROJECT_DIR|"
                      r"\$\{CI_PROJECT_DIR\}|\.)(?:/|$)")
_HEAD = re.compile(r"^(?:\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\})(?:/|$)")
_VOLUME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def run_args(words: Sequence[str]) -> list[str] | None:
    """The words after ``docker run`` / ``docker container run`` (``sudo`` allowed), or
    ``None`` for any other command."""
    words = list(words[1:]) if words[:1] == ["sudo"] else list(words)
    if words[:1] != ["docker"]:
        return None
    rest = without_globals(words[1:])
    if rest[:1] == ["run"]:
        return rest[1:]
    return rest[2:] if rest[:2] == ["container", "run"] else None


def run_problem(args: Sequence[str], inside: frozenset[str] = frozenset()) -> str | None:
    """Why the shim can't run these ``docker run`` options once in the foreground
    (``"-d: needs a container …"``), or ``None`` when it can. ``inside``: variables known
    to hold a folder of the project (:mod:`runner_ext.migrate.shim.script_dirs`).

    Reads the options the way the wrapper does: ``--opt=value``, ``-it`` and ``-eK=V``
    forms, stopping at the image."""
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word == "--" or word == "-" or not word.startswith("-"):
            return None
        name, value, inline = word, "", False
        if word.startswith("--") and "=" in word:
            name, value = word.split("=", 1)
            inline = True
        elif not word.startswith("--") and len(word) > 2:
            name = word[:2]
            if name in RUN_VALUE_OPTIONS:
                value, inline = word[2:], True
            else:
                rest.insert(0, "-" + word[2:])
        problem = _option_problem(name)
        if problem:
            return problem
        if name in RUN_FLAGS:
            continue
        if not inline:
            if not rest:
                return f"{name}: {VALUE_WHY}"
            value = rest.pop(0)
        problem = _value_problem(name, value, inside)
        if problem:
            return problem
    return None


def _option_problem(name: str) -> str | None:
    if name in RUN_DAEMON_OPTIONS:
        return f"{name}: {DAEMON_WHY}"
    if name in RUN_HOST_OPTIONS:
        return f"{name}: {HOST_WHY}"
    if name not in RUN_FLAGS | RUN_VALUE_OPTIONS:
        return f"{name}: {UNKNOWN_WHY}"
    return None


def _value_problem(name: str, value: str, inside: frozenset[str]) -> str | None:
    if name in ("--network", "--net") and value not in RUN_NETWORKS:
        return f"{name} {value}: {NETWORK_WHY}"
    if name in ("-v", "--volume"):
        return volume_problem(name, value, inside)
    return None


def volume_problem(name: str, spec: str, inside: frozenset[str] = frozenset()) -> str | None:
    """Why ``-v SPEC`` can't be mounted, read before the job runs (the wrapper checks the
    resolved path again when it runs); a source starting with a variable of ``inside``
    is in the job's directory."""
    source = spec.split(":", 1)[0] if ":" in spec else ""
    if source.rstrip("/").rsplit("/", 1)[-1] == "docker.sock":
        return f"{name} {spec}: {SOCKET_WHY}"
    if not source or _VOLUME_NAME.match(source):
        return f"{name} {spec}: {VOLUME_WHY}"
    head = _HEAD.match(source)
    if (_JOB_DIR.match(source) or (head and (head[1] or head[2]) in inside)) \
            and ".." not in source.split("/"):
        return None
    if source.startswith("/"):
        return f"{name} {spec}: {OUTSIDE_WHY}"
    return (f"{name} {spec}: mounts {source}, which may be outside the job's directory; "
            "write the path from $CI_PROJECT_DIR or $(pwd)")

