"""Hand-written Kaniko jobs: the executor's flags read as the build the template runs.

A job that runs ``/kaniko/executor`` in the Kaniko image (``image: {name:
gcr.io/kaniko-project/executor:debug, entrypoint: [""]}``) already builds without a daemon,
but on an image that is no longer maintained (the upstream project was archived on
2025-06-03), without the registry layer cache and outside the Kubernetes runner's pod.
Adopting it onto the runner-ext template means reading its executor command exactly:

- ``--context`` (also ``dir://``), ``--dockerfile``, every ``--destination``,
  ``--build-arg``, ``--target``, ``--label``, ``--custom-platform`` and ``--no-push`` become
  the ``docker build`` the rest of the analysis already understands (so computed
  destinations, build args and paths go through the same checks as Docker jobs);
- the caching and snapshot flags are dropped: the template owns caching;
- flags the template can't honour, or that weaken security, leave the job with a reason
  naming the flag.

The line writing ``/kaniko/.docker/config.json`` is checked in :mod:`kaniko_auth`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.docker import DockerCall
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.kaniko_auth import check_auth_line, own_text
from runner_ext.migrate.analyse.shell import Command

UPSTREAM_IMAGE = "gcr.io/kaniko-project/executor"
EXECUTOR = "/kaniko/executor"
_PROJECT_DIR = ("$CI_PROJECT_DIR", "${CI_PROJECT_DIR}")

# Flags that take a value (``--flag value`` or ``--flag=value``); the short forms too.
_SHORT = {"-c": "--context", "-f": "--dockerfile", "-d": "--destination", "-v": "--verbosity"}
_VALUE = frozenset({
    "--context", "--dockerfile", "--destination", "--build-arg", "--target", "--label",
    "--custom-platform", "--cache-repo", "--cache-ttl", "--cache-dir", "--snapshot-mode",
    "--digest-file", "--image-name-with-digest-file", "--image-name-tag-with-digest-file",
    "--tar-path", "--registry-mirror", "--registry-map", "--insecure-registry",
    "--skip-tls-verify-registry", "--registry-certificate", "--registry-client-cert",
    "--context-sub-path", "--git", "--ignore-path", "--kaniko-dir", "--oci-layout-path",
    "--verbosity", "--log-format", "--push-retry", "--image-fs-extract-retry",
    "--image-download-retry", "--compression", "--compression-level", "--credential-helpers",
    "--secret",
})
# Caching and snapshotting: the template sets them for every build (docs/migrate.md).
CACHE_FLAGS = frozenset({
    "--cache", "--cache-repo", "--cache-ttl", "--cache-dir", "--cache-copy-layers",
    "--cache-run-layers", "--snapshot-mode", "--use-new-run", "--single-snapshot",
    "--cleanup", "--compressed-caching",
})
# Logging, retries and checks: nothing about the image a registry ends up with.
_HARMLESS = frozenset({
    "--verbosity", "--log-format", "--log-timestamp", "--push-retry",
    "--image-fs-extract-retry", "--image-download-retry", "--ignore-var-run",
    "--skip-unused-stages", "--skip-push-permission-check",
})
_INSECURE = frozenset({"--skip-tls-verify", "--skip-tls-verify-pull",
                       "--skip-tls-verify-registry", "--insecure", "--insecure-pull",
                       "--insecure-registry"})
_UNSUPPORTED = {
    "--digest-file": "the template writes the digest to its own dotenv report "
                     "(RUNNER_EXT_BUILT_DIGEST), not to a file the job names",
    "--image-name-with-digest-file": "the template writes the built image to its own dotenv "
                                     "report (RUNNER_EXT_BUILT_IMAGE), not to a file the job "
                                     "names",
    "--image-name-tag-with-digest-file": "the template writes the built image to its own "
                                         "dotenv report (RUNNER_EXT_BUILT_IMAGE), not to a "
                                         "file the job names",
    "--tar-path": "the template pushes to a registry; it writes no image tarball",
    "--reproducible": "the template has no reproducible-build switch that every engine "
                      "honours (timestamps would differ)",
}
# Flags whose setting the org config holds for every build instead.
_ORG_CONFIG = {"--registry-mirror": "registry.mirrors",
               "--registry-certificate": "registry.ca_file and registry.ca_hosts"}
_REMOTE_CONTEXT = re.compile(r"^(tar|git|s3|gs|az|https?)://")


@dataclass
class ExecutorFlags:
    """What one ``/kaniko/executor`` command asks for."""

    context: str | None = None
    dockerfile: str | None = None
    destinations: list[str] = field(default_factory=list)
    build_args: list[str] = field(default_factory=list)
    target: str = ""
    labels: list[str] = field(default_factory=list)
    platform: str = ""
    no_push: bool = False
    dropped: list[str] = field(default_factory=list)  # caching flags the template owns


def is_executor(facts: JobFacts, command: Command) -> bool:
    """True for a command that runs the Kaniko executor."""
    return command.name == EXECUTOR or (command.name == "executor" and "kaniko" in facts.image)


def hand_written(facts: JobFacts) -> bool:
    """True for a job whose own script runs the Kaniko executor."""
    return any(is_executor(facts, c) for c in facts.commands)


def image_name(facts: JobFacts) -> str:
    """The job's Kaniko image without tag or digest (for the report)."""
    name = facts.image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[0] if ":" in last else name


def archived_note(facts: JobFacts) -> str:
    """``gcr.io/kaniko-project/executor, archived June 2025`` (or the image the job uses)."""
    name = image_name(facts)
    return f"{name}, archived June 2025" if name == UPSTREAM_IMAGE else name


def touches_kaniko(command: Command) -> bool:
    """True for a command that reads or writes the Kaniko image's own files."""
    text = own_text(command)
    return "/kaniko/" in text or text.rstrip().endswith("/kaniko")


def as_build(facts: JobFacts, cwd: str, command: Command, args: tuple[str, ...]
             ) -> DockerCall | None:
    """The ``docker build`` an executor command amounts to; ``None`` for the lines that
    only prepare the executor's registry auth (dropped). Raises :class:`Refused` for
    everything the template can't do the same way."""
    if not is_executor(facts, command):
        check_auth_line(facts, command)
        return None
    if command.construct == "|":
        raise Refused(_STDIN if _from_stdin(args) else
                      "the executor runs inside a pipeline ('|')", _STDIN_HINT)
    flags = parse_executor(args)
    build: list[str] = [w for d in flags.destinations for w in ("-t", d)]
    build += ["-f", _dockerfile(facts, cwd, flags)]
    build += [w for a in flags.build_args for w in ("--build-arg", a)]
    build += ["--target", flags.target] if flags.target else []
    build += [w for label in flags.labels for w in ("--label", label)]
    build += ["--platform", flags.platform] if flags.platform else []
    build += [] if flags.no_push else ["--push"]
    return DockerCall("build", command, (*build, _context(flags)), subcommand=EXECUTOR)


_STDIN = ("the Dockerfile comes from standard input (--dockerfile /dev/stdin fed by "
          "'echo \"FROM …\" |'); the runner-ext template builds a Dockerfile of the repository")
_STDIN_HINT = ("commit that Dockerfile and pass it with --dockerfile, or copy the image "
               "registry to registry with the runner-ext promote component (docs/migrate.md), "
               "then run migrate-project again")


def _from_stdin(args: tuple[str, ...]) -> bool:
    return any(a in ("/dev/stdin", "-", "--dockerfile=/dev/stdin", "-f=/dev/stdin")
               for a in args)


def parse_executor(args: tuple[str, ...]) -> ExecutorFlags:
    """Read the executor's flags in any order and form; raises :class:`Refused` at the first
    flag the template can't honour."""
    flags = ExecutorFlags()
    i = 0
    while i < len(args):
        name, value, used = _flag(args, i)
        i += used
        _apply(flags, name, value)
    return flags


def _flag(args: tuple[str, ...], i: int) -> tuple[str, str | None, int]:
    word = args[i]
    if not word.startswith("-"):
        raise Refused(f"the executor gets an argument it does not take: {word}", _FLAG_HINT)
    name, eq, inline = word.partition("=")
    name = _SHORT.get(name, name)
    if eq:
        return name, inline, 1
    if name in _VALUE:
        return name, args[i + 1] if i + 1 < len(args) else "", 2
    return name, None, 1


_FLAG_HINT = ("keep the job as it is, or write the build without that flag, then run "
              "migrate-project again")


def _apply(flags: ExecutorFlags, name: str, value: str | None) -> None:
    text = value or ""
    if name == "--context":
        flags.context = text
    elif name == "--dockerfile":
        flags.dockerfile = text
    elif name == "--destination":
        flags.destinations.append(text)
    elif name == "--build-arg":
        flags.build_args.append(text)
    elif name == "--target":
        flags.target = text
    elif name == "--label":
        flags.labels.append(text)
    elif name == "--custom-platform":
        flags.platform = text
    elif name == "--no-push":
        flags.no_push = value is None or value.lower() == "true"
    elif name in CACHE_FLAGS:
        flags.dropped.append(name)
    elif name in _INSECURE:
        raise Refused(f"the executor runs with {name}, which turns off TLS verification "
                      "for a registry; the runner-ext template verifies every registry",
                      "give the registry a certificate the org config's CA bundle trusts "
                      "(or list it under registry.insecure in the org config if it is "
                      "plain HTTP), drop the flag, then run migrate-project again")
    elif name in _ORG_CONFIG:
        raise Refused(f"the executor runs with {name}; the runner-ext template takes that "
                      f"from the org config ({_ORG_CONFIG[name]}) for every build, not from a "
                      "job", f"set {_ORG_CONFIG[name]} in the org config, drop the flag, then "
                      "run migrate-project again")
    elif name in _UNSUPPORTED:
        raise Refused(f"the executor runs with {name}: {_UNSUPPORTED[name]}", _FLAG_HINT)
    elif name not in _HARMLESS:
        raise Refused(f"the executor runs with {name}, which the runner-ext template has no "
                      "equivalent for", _FLAG_HINT)


def _context(flags: ExecutorFlags) -> str:
    if flags.context is None:
        raise Refused("the executor runs without --context, so it builds Kaniko's default "
                      "context /workspace/, not the project",
                      "write --context $CI_PROJECT_DIR (or the folder it builds), then run "
                      "migrate-project again")
    context = flags.context.removeprefix("dir://")
    if _REMOTE_CONTEXT.match(context):
        raise Refused(f"the executor builds a remote context (--context "
                      f"{context.split('://', 1)[0]}://…); the runner-ext template builds the "
                      "job's checkout", "keep the job as it is, or check the sources out in "
                      "the repository and build that folder, then run migrate-project again")
    return context or "."


def _dockerfile(facts: JobFacts, cwd: str, flags: ExecutorFlags) -> str:
    """Kaniko looks for ``--dockerfile`` (default ``Dockerfile``) as given first, then
    inside the context: the same order here, for paths written literally."""
    written = flags.dockerfile if flags.dockerfile is not None else "Dockerfile"
    if written in ("/dev/stdin", "-"):
        raise Refused(_STDIN, _STDIN_HINT)
    context = _context(flags)
    for prefix in _PROJECT_DIR:
        if context == prefix or context.startswith(prefix + "/"):
            context = context[len(prefix):].lstrip("/") or "."
    if "$" in written or written.startswith("/") or "$" in context or context.startswith("/"):
        return written
    if facts.read_text(posixpath.normpath(posixpath.join(cwd, written))) is None:
        inside = posixpath.normpath(posixpath.join(cwd, context, written))
        if facts.read_text(inside) is not None:
            return posixpath.relpath(inside, cwd or ".")
    return written
