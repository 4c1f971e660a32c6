"""Docker CLI invocations in job scripts: which subcommand, and a ``docker build``'s flags."""

from __future__ import annotations

from dataclasses import dataclass, field

from runner_ext.migrate.analyse.shell import Command
from runner_ext.migrate.shim.verbs import COMPOSE_VALUE_OPTIONS, compose_verb

_GLOBAL_WITH_VALUE = frozenset({"-H", "--host", "--config", "-c", "--context", "-l",
                                "--log-level", "--tlscacert", "--tlscert", "--tlskey"})
_GLOBAL_FLAGS = frozenset({"--tls", "--tlsverify", "-D", "--debug"})
_GROUPS = {"image", "container", "builder", "system", "buildx", "compose", "manifest",
           "context"}
# Images run only to register QEMU binfmt handlers for multi-platform builds on the host.
BINFMT_IMAGES = ("tonistiigi/binfmt", "multiarch/qemu-user-static", "docker/binfmt")
# Docker CLI plugins a job installs for its docker client (``~/.docker/cli-plugins/``): the
# engine job has its own engine and the shim's podman has ``buildx build`` and compose.
CLI_PLUGINS = ("docker-buildx", "docker-compose")
_PLUGIN_INSTALLERS = frozenset({"mkdir", "wget", "curl", "chmod", "mv", "cp", "install", "ln"})
_KINDS: dict[tuple[str, ...], str] = {
    ("build",): "build", ("image", "build"): "build", ("builder", "build"): "build",
    ("buildx", "build"): "build", ("buildx", "b"): "build", ("buildx", "bake"): "bake",
    ("tag",): "tag", ("image", "tag"): "tag",
    ("push",): "push", ("image", "push"): "push",
    ("login",): "login", ("logout",): "logout",
    ("pull",): "pull", ("image", "pull"): "pull",
    ("run",): "run", ("container", "run"): "run", ("exec",): "run", ("create",): "run",
    ("container", "create"): "run", ("start",): "run", ("compose", "run"): "run",
    ("compose", "up"): "run", ("compose", "exec"): "run",
    ("compose", "build"): "compose-build",
    ("info",): "info", ("version",): "info", ("images",): "info", ("ps",): "info",
    ("image", "ls"): "info", ("inspect",): "info", ("image", "inspect"): "info",
    ("system", "info"): "info", ("system", "df"): "info", ("buildx", "version"): "info",
    ("buildx", "ls"): "info", ("buildx", "inspect"): "info", ("compose", "version"): "info",
    ("rmi",): "cleanup", ("image", "rm"): "cleanup", ("image", "prune"): "cleanup",
    ("system", "prune"): "cleanup", ("builder", "prune"): "cleanup",
    ("container", "prune"): "cleanup", ("buildx", "prune"): "cleanup",
    ("buildx", "create"): "setup", ("buildx", "use"): "setup", ("buildx", "rm"): "setup",
    ("buildx", "stop"): "setup", ("buildx", "install"): "setup",
    ("context", "create"): "setup", ("context", "use"): "setup", ("context", "ls"): "info",
    ("context", "inspect"): "info", ("context", "rm"): "setup",
    ("buildx", "imagetools"): "manifest", ("manifest",): "manifest",
}
BUILD_VALUE_FLAGS = frozenset({
    "-t", "--tag", "-f", "--file", "--build-arg", "--target", "--label", "--platform",
    "--cache-from", "--cache-to", "--progress", "--network", "--iidfile", "--secret", "--ssh",
    "-o", "--output", "--add-host", "--shm-size", "-m", "--memory", "--memory-swap",
    "--cpu-shares", "--cpuset-cpus", "--cpu-quota", "--cpu-period", "--isolation", "--ulimit",
    "--builder", "--metadata-file", "--provenance", "--sbom", "--attest", "--annotation",
    "--build-context", "--allow", "--cgroup-parent", "--security-opt", "--platforms",
})
BUILD_BOOL_FLAGS = frozenset({"--pull", "--no-cache", "--push", "--load", "-q", "--quiet",
                              "--rm", "--force-rm", "--squash", "--compress",
                              "--disable-content-trust"})
# Flags that change nothing about the image a registry ends up with.
_IGNORED = frozenset({"--pull", "--load", "-q", "--quiet", "--rm", "--force-rm", "--progress",
                      "--compress", "--disable-content-trust"})


@dataclass(frozen=True)
class DockerCall:
    """One ``docker``/``docker-compose`` command: its kind and the words after it."""

    kind: str
    command: Command
    args: tuple[str, ...]
    host: str | None = None
    subcommand: str = ""


@dataclass
class BuildFlags:
    """What a ``docker build`` asks for, flag by flag."""

    tags: list[str] = field(default_factory=list)
    dockerfile: str | None = None
    context: str | None = None
    build_args: list[tuple[str, str | None]] = field(default_factory=list)
    target: str = ""
    labels: list[str] = field(default_factory=list)
    platform: str = ""
    cache_from: list[str] = field(default_factory=list)
    no_cache: bool = False
    push: bool = False
    unsupported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    positional_extra: list[str] = field(default_factory=list)  # words before the context

    @property
    def outputs(self) -> list[tuple[str, str]]:
        """The ``-o``/``--output`` options, as (option, value): unsupported by the template,
        read by the shim's wrapper."""
        found = [u.partition(" ") for u in self.unsupported]
        return [(name, value) for name, _, value in found if name in ("-o", "--output")]


@dataclass(frozen=True)
class Login:
    """What a ``docker login`` gives: registry ('' for Docker Hub), user and password words."""

    registry: str
    username: str | None = None
    password: str | None = None
    password_stdin: bool = False
    problems: tuple[str, ...] = ()


_LOGIN_VALUE = {"-u": "username", "--username": "username", "-p": "password",
                "--password": "password"}


def parse_login(call: DockerCall) -> Login:
    """Read ``docker login [-u USER] [-p PASS | --password-stdin] [REGISTRY]`` in any order."""
    values: dict[str, str] = {}
    positional: list[str] = []
    problems: list[str] = []
    stdin = False
    args = list(call.args)
    i = 0
    while i < len(args):
        word = args[i]
        name, eq, inline = word.partition("=")
        short = word[:2] if len(word) > 2 and word[:2] in ("-u", "-p") and not eq else ""
        if word == "--password-stdin":
            stdin = True
        elif name in _LOGIN_VALUE and eq:
            values[_LOGIN_VALUE[name]] = inline
        elif short:
            values[_LOGIN_VALUE[short]] = word[2:]
        elif word in _LOGIN_VALUE:
            values[_LOGIN_VALUE[word]] = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        elif word.startswith("-") and word != "-":
            problems.append(f"unknown docker login option {name}")
        else:
            positional.append(word)
        i += 1
    if len(positional) > 1:
        problems.append(f"docker login takes one registry, got {len(positional)}")
    return Login(positional[0] if positional else "", values.get("username"),
                 values.get("password"), stdin, tuple(problems))


def classify(command: Command) -> DockerCall | None:
    """The docker call a command makes, or ``None`` when it is not a docker command."""
    words = list(command.words)
    if words and words[0] == "sudo":
        words = words[1:]
    if not words:
        return None
    if words[0] == "docker-compose":
        sub, kind = _compose(words[1:])
        return DockerCall(kind, command, tuple(words[1:]), subcommand=f"docker-compose {sub}")
    if words[0] != "docker":
        return None
    host, rest = _global_options(words[1:])
    if rest[:1] == ["compose"]:
        sub, kind = _compose(rest[1:])
        return DockerCall(kind, command, tuple(rest[1:]), host, f"docker compose {sub}")
    path = rest[:1]
    if rest and rest[0] in _GROUPS and len(rest) > 1:
        path = rest[:2]
    kind = _KINDS.get(tuple(path)) or _KINDS.get(tuple(rest[:1])) or "other"
    used = len(path) if tuple(path) in _KINDS else 1
    return DockerCall(kind, command, tuple(rest[used:]), host, " ".join(["docker", *path]))


def is_binfmt_setup(call: DockerCall) -> bool:
    """``docker run --privileged tonistiigi/binfmt …``: daemon-side setup, not a workload."""
    return call.kind == "run" and any(
        a.split("@")[0].split(":")[0] in BINFMT_IMAGES for a in call.args
        if not a.startswith("-"))


def is_cli_plugin_setup(command: Command) -> bool:
    """``mkdir -p ~/.docker/cli-plugins``, ``wget … -O ~/.docker/cli-plugins/docker-buildx``,
    ``chmod a+x …/cli-plugins/docker-buildx``: installing a :data:`CLI_PLUGINS` plugin for
    the job's docker client, not a step of the build."""
    if command.construct or command.name not in _PLUGIN_INSTALLERS:
        return False
    targets = [w.rstrip("/") for w in command.words[1:] if "cli-plugins" in w]
    return bool(targets) and all(
        t.endswith("/cli-plugins") or (t.rsplit("/", 1)[-1] in CLI_PLUGINS
        and t.rsplit("/", 2)[-2:-1] == ["cli-plugins"]) for t in targets) and (
        command.name != "mkdir" or all(t.endswith("/cli-plugins") for t in targets))


def is_login_pipe(command: Command, call: DockerCall | None) -> bool:
    """``echo "$PASSWORD" | docker login --password-stdin …``: a login, not shell logic."""
    if command.construct != "|" or command.text.count("|") != 1:
        return False
    if call is not None:
        return call.kind == "login" and "--password-stdin" in call.args
    return command.name in ("echo", "printf") and "docker login" in command.text and \
        "--password-stdin" in command.text


def _compose(args: list[str]) -> tuple[str, str]:
    """A Compose command's subcommand and kind (``up --build`` builds too)."""
    sub = compose_verb(args, _COMPOSE_WITH_VALUE)
    if sub == "build" or (sub == "up" and "--build" in args):
        return sub, "compose-build"
    return sub, _KINDS.get(("compose", sub), "compose")


# docker-compose v1 also took the daemon options before its subcommand.
_COMPOSE_WITH_VALUE = COMPOSE_VALUE_OPTIONS | {"-H", "--host", "--context", "-c"}


def _global_options(words: list[str]) -> tuple[str | None, list[str]]:
    host = None
    i = 0
    while i < len(words) and words[i].startswith("-"):
        word = words[i]
        name, _, inline = word.partition("=")
        if name in _GLOBAL_WITH_VALUE:
            value = inline if inline else (words[i + 1] if i + 1 < len(words) else "")
            host = value if name in ("-H", "--host") else host
            i += 1 if inline else 2
        elif word in _GLOBAL_FLAGS:
            i += 1
        else:
            break
    return host, words[i:]


def parse_build(call: DockerCall) -> BuildFlags:
    """Read a ``docker build``'s flags; anything runner-ext can't carry over is listed."""
    flags = BuildFlags()
    positional: list[str] = []
    args = list(call.args)
    i = 0
    while i < len(args):
        word = args[i]
        if not word.startswith("-") or word == "-":
            positional.append(word)
            i += 1
            continue
        name, value, used = _flag_value(args, i)
        i += used
        _apply(flags, name, value)
    if len(positional) != 1:
        flags.positional_extra = positional[:-1]
        flags.problems.append(f"expected one build context, got {len(positional)}: "
                              f"{' '.join(positional) or 'none'}")
    else:
        flags.context = positional[0]
    return flags


def _flag_value(args: list[str], i: int) -> tuple[str, str | None, int]:
    word = args[i]
    if word.startswith("--") and "=" in word:
        name, value = word.split("=", 1)
        return name, value, 1
    if word in BUILD_BOOL_FLAGS:
        return word, None, 1
    if word in BUILD_VALUE_FLAGS:
        return word, args[i + 1] if i + 1 < len(args) else "", 2
    if not word.startswith("--") and len(word) > 2 and word[:2] in BUILD_VALUE_FLAGS:
        return word[:2], word[2:], 1
    return word, None, 1


def _apply(flags: BuildFlags, name: str, value: str | None) -> None:
    text = value or ""
    if name in ("-t", "--tag"):
        flags.tags.append(text)
    elif name in ("-f", "--file"):
        flags.dockerfile = text
    elif name == "--build-arg":
        key, eq, arg = text.partition("=")
        flags.build_args.append((key, arg if eq else None))
    elif name == "--target":
        flags.target = text
    elif name == "--label":
        flags.labels.append(text if "=" in text else f"{text}=")
    elif name == "--platform":
        flags.platform = text
    elif name in ("--cache-from", "--cache-to"):
        flags.cache_from.append(text)
    elif name == "--no-cache":
        flags.no_cache = True
    elif name == "--push":
        flags.push = True
    elif name not in _IGNORED and not _harmless(name, text):
        flags.unsupported.append(name if value is None else f"{name} {value}")


def _harmless(name: str, value: str) -> bool:
    if name == "--network":
        return value in ("default", "bridge")
    return name in ("--provenance", "--sbom") and value.lower() in ("false", "0")
