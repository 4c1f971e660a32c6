"""The Docker CLI verbs that need a running daemon: the one list the shim lives by.

The migration leaves a job on its runner when its script (or a Makefile recipe or script
file it runs) uses one of these verbs, and the shim executor's ``docker`` wrapper
(``executor/shim/docker``) stops with a one-line error naming the verb. The wrapper is a
shell script; ``tests/test_shim_wrapper.py`` checks that its lists equal these.
"""

from __future__ import annotations

from collections.abc import Sequence

# `docker VERB` and `docker container VERB`: a container has to run (or exist) for them.
# (`docker run` is not here: the shim runs a foreground one-shot run itself, see oneshot.py.)
DAEMON_VERBS: frozenset[str] = frozenset({
    "exec", "create", "start", "restart", "attach", "commit", "cp", "wait", "logs",
    "stop", "kill", "pause", "unpause", "top", "port", "stats", "diff", "export", "rename",
    "update",
})
# `docker VERB` / `docker image VERB` the declarative template has no step for, but podman
# runs as they are, on the job's own image storage (`save -o`/`load -i` a docker-archive):
# a job that uses one keeps its script and goes to the shim.
ARCHIVE_VERBS: frozenset[str] = frozenset({"save", "load"})
# `docker compose VERB` / `docker-compose VERB`: the ones that start or reach containers.
COMPOSE_DAEMON_VERBS: frozenset[str] = frozenset({
    "up", "run", "exec", "create", "start", "restart", "attach", "logs", "stop", "kill",
    "pause", "unpause", "top", "port", "cp", "wait", "watch",
})
# `docker buildx VERB` that only manage builder instances: nothing to do without a daemon.
BUILDX_SETUP_VERBS: frozenset[str] = frozenset({
    "create", "use", "rm", "stop", "inspect", "ls", "install", "uninstall", "du", "version",
})
# Global options of the docker CLI that take a value (the wrapper drops them: no daemon).
GLOBAL_VALUE_OPTIONS: frozenset[str] = frozenset({
    "-H", "--host", "-c", "--context", "-l", "--log-level", "--tlscacert", "--tlscert",
    "--tlskey", "--config",
})
# Compose options before the subcommand that take a value.
COMPOSE_VALUE_OPTIONS: frozenset[str] = frozenset({
    "-f", "--file", "-p", "--project-name", "--env-file", "--profile", "--project-directory",
    "--ansi", "--parallel", "--progress",
})


def without_globals(words: Sequence[str]) -> list[str]:
    """The words after ``docker`` with the daemon-selecting global options removed."""
    rest = list(words)
    while rest and rest[0].startswith("-"):
        takes_value = rest[0] in GLOBAL_VALUE_OPTIONS  # `--host=x` holds its own value
        rest = rest[2:] if takes_value else rest[1:]
    return rest


def compose_verb(words: Sequence[str],
                 value_options: frozenset[str] = COMPOSE_VALUE_OPTIONS) -> str:
    """The subcommand of ``compose …`` words (after ``compose`` / ``docker-compose``),
    skipping the options before it and, for those in ``value_options``, their values."""
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in value_options:
            skip = True
        elif not word.startswith("-"):
            return word
    return ""


def compose_args(words: Sequence[str]) -> list[str] | None:
    """The words after ``docker compose`` / ``docker-compose``; ``None`` for other commands."""
    words = list(words[1:]) if words[:1] == ["sudo"] else list(words)
    if words[:1] == ["docker-compose"]:
        return words[1:]
    rest = without_globals(words[1:]) if words[:1] == ["docker"] else []
    return rest[1:] if rest[:1] == ["compose"] else None


def daemon_verb(words: Sequence[str]) -> str | None:
    """``"docker run"``, ``"docker compose up"``… when the command needs a daemon, else None.

    ``words`` is a whole command: ``docker …`` or ``docker-compose …`` (``sudo`` allowed).
    """
    words = list(words[1:]) if words[:1] == ["sudo"] else list(words)
    compose = compose_args(words)
    if compose is not None:
        verb = compose_verb(compose)
        shown = "docker-compose" if words[0] == "docker-compose" else "docker compose"
        return f"{shown} {verb}" if verb in COMPOSE_DAEMON_VERBS else None
    if words[:1] != ["docker"]:
        return None
    rest = without_globals(words[1:])
    if rest[:1] == ["container"]:
        rest = rest[1:]
        return f"docker container {rest[0]}" if rest and rest[0] in DAEMON_VERBS else None
    return f"docker {rest[0]}" if rest and rest[0] in DAEMON_VERBS else None


# Commands the shim executor image has (executor/shim/Dockerfile: Debian's essential
# packages, bash, make, git, podman, podman-compose and its python3, busybox's ash), plus
# shell builtins.
# A job whose script runs anything else stays where it is.
IMAGE_TOOLS: frozenset[str] = frozenset({
    # the wrapper and what it drives
    "docker", "docker-compose", "podman", "podman-compose", "make", "gmake", "git", "python3",
    "skopeo", "curl", "jq", "envsubst", "openssl", "ash",
    # shells and builtins
    "sh", "bash", "dash", "cd", "echo", "printf", "export", "set", "unset", "true", "false",
    "test", "[", "[[", ":", ".", "source", "exit", "return", "read", "shift", "trap", "wait",
    "local", "readonly", "command", "type", "eval", "exec", "declare", "typeset", "let",
    "mapfile", "readarray", "pushd", "popd", "shopt", "umask", "ulimit", "getopts", "hash",
    "break", "continue", "alias", "unalias", "builtin", "kill",
    # Debian's essential packages (coreutils, findutils, grep, sed, tar, gzip, diffutils…)
    "pwd", "sleep", "env", "printenv", "date", "whoami", "uname", "id", "hostname", "cat",
    "cp", "mv", "rm", "mkdir", "rmdir", "ls", "ln", "touch", "chmod", "chown", "head", "tail",
    "tr", "cut", "sort", "uniq", "wc", "tee", "sed", "grep", "egrep", "fgrep", "awk", "mawk",
    "find", "xargs", "basename", "dirname", "realpath", "readlink", "tar", "gzip", "gunzip",
    "zcat", "base64", "sha256sum", "sha1sum", "md5sum", "stat", "du", "df", "mktemp", "seq",
    "expr", "yes", "timeout", "nproc", "od", "diff", "cmp", "tac", "nl", "paste", "join",
    "split", "fold", "fmt", "comm", "install", "truncate", "sync", "sha512sum",
})
# Packages (Alpine's, Debian's, Fedora's names) whose tools the shim executor image has: a
# before_script line that installs only these (or only refreshes the package index) is
# dropped by the shim rewrite; one that installs anything else keeps the job where it is.
IMAGE_PACKAGES: frozenset[str] = frozenset({
    "docker", "docker-cli", "docker-ce-cli", "docker-compose", "docker-cli-compose",
    "docker-cli-buildx", "docker-buildx", "docker-buildx-plugin", "docker-compose-plugin",
    "podman", "podman-docker", "podman-compose", "skopeo", "make", "bash", "git", "curl", "jq",
    "gettext", "gettext-base", "openssl", "ca-certificates", "coreutils", "findutils", "grep",
    "sed", "gawk", "tar", "gzip", "python3",
})


def archive_verb(words: Sequence[str]) -> str | None:
    """``"docker save"`` / ``"docker image load"``… for an :data:`ARCHIVE_VERBS` command."""
    words = list(words[1:]) if words[:1] == ["sudo"] else list(words)
    if words[:1] != ["docker"]:
        return None
    rest = without_globals(words[1:])
    path = rest[:2] if rest[:1] == ["image"] else rest[:1]
    return " ".join(["docker", *path]) if path and path[-1] in ARCHIVE_VERBS else None
