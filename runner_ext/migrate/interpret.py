"""Reading a build job's script the way the shell would run it, one command at a time.

Only a small, fully understood command set is accepted: ``docker login/logout/build/tag/
push/pull``, informational and clean-up docker commands, plain variable assignments, ``cd``
to a literal folder and a few harmless commands (``echo``…). Everything else raises
:class:`Refused` with the reason and the rule that describes it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace

from runner_ext.migrate.decision import MANUAL, Refused
from runner_ext.migrate.docker import (
    BuildFlags,
    DockerCall,
    classify,
    is_binfmt_setup,
    is_login_pipe,
    parse_build,
    parse_login,
)
from runner_ext.migrate.expand import is_plain, normalize_ref, references, substitute
from runner_ext.migrate.facts import JobFacts
from runner_ext.migrate.rules import (
    compose_build,
    computed_name,
    docker_run,
    hidden_build,
    retag_only,
    script_logic,
)
from runner_ext.migrate.shell import Command

HARMLESS = frozenset({"echo", "printf", "set", "true", ":", "env", "printenv", "date", "pwd",
                      "whoami", "uname", "id", "sleep"})
_TESTS = frozenset({"[", "[[", "test"})
_SKIPPED_DOCKER = frozenset({"logout", "info", "cleanup", "setup"})
_PROJECT_DIR = ("$CI_PROJECT_DIR", "${CI_PROJECT_DIR}")


@dataclass
class ScriptState:
    """What the script has done so far."""

    cwd: str = ""
    shell_vars: dict[str, str] = field(default_factory=dict)
    computed: set[str] = field(default_factory=set)
    build: BuildFlags | None = None
    build_cwd: str = ""
    built: list[str] = field(default_factory=list)
    local: set[str] = field(default_factory=set)
    pushed: list[str] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def interpret(facts: JobFacts) -> ScriptState:
    """Walk the job's commands; raise :class:`Refused` at the first one we can't carry over."""
    if facts.script_problems:
        raise Refused(f"the script can't be read safely: {facts.script_problems[0]}",
                      MANUAL, script_logic.ID)
    state = ScriptState()
    for command in facts.commands + facts.after_commands:
        _command(facts, state, command)
    return state


def _command(facts: JobFacts, state: ScriptState, command: Command) -> None:
    call = classify(command)
    if is_login_pipe(command, call):
        command = replace(command, construct=None)
    waiting = call is not None and call.kind in _SKIPPED_DOCKER  # e.g. until docker info
    if command.name in _TESTS or (command.construct and not waiting and (
            call is not None or command.assignments or command.name == "cd")):
        raise Refused(f"'{command.text}' runs under shell logic "
                      f"('{command.construct or command.name}')",
                      "express the condition with rules: (one job per case) and run "
                      "migrate-project again", script_logic.ID)
    if call is not None:
        _docker(facts, state, call)
    elif not command.words:
        _assign(state, command, command.assignments)
    elif command.name in ("export", "readonly"):
        pairs = [tuple(w.split("=", 1)) for w in command.words[1:] if "=" in w]
        _assign(state, command, [(p[0], p[1]) for p in pairs])
    elif command.name == "cd":
        _cd(state, command)
    elif command.name in HARMLESS and not command.redirected:
        return
    else:
        _other(facts, state, command)


def _assign(state: ScriptState, command: Command, pairs: list[tuple[str, str]] | tuple[
        tuple[str, str], ...]) -> None:
    for name, value in pairs:
        if command.substitution or not is_plain(value) or state.computed & set(references(value)):
            state.computed.add(name)
            state.shell_vars.pop(name, None)
        else:
            state.shell_vars[name] = substitute(value, state.shell_vars)
            state.computed.discard(name)


def _cd(state: ScriptState, command: Command) -> None:
    target = command.words[1] if len(command.words) == 2 else ""
    for prefix in _PROJECT_DIR:
        if target == prefix or target.startswith(prefix + "/"):
            state.cwd = target[len(prefix):].lstrip("/")
            return
    if not target or "$" in target or target.startswith(("/", "-", "~")):
        raise Refused(f"'{command.text}' changes to a folder runner-ext can't follow", MANUAL,
                      script_logic.ID)
    state.cwd = relative(posixpath.join(state.cwd, target))


def relative(path: str) -> str:
    """A normalised project-relative path ('' for the root)."""
    norm = posixpath.normpath(path)
    return "" if norm == "." else norm


def _other(facts: JobFacts, state: ScriptState, command: Command) -> None:
    words = list(command.words)
    hidden = hidden_build.make_build(facts, state.cwd, words) or \
        hidden_build.script_build(facts, state.cwd, words)
    if hidden:
        raise Refused(f"'{command.text}' builds an image out of sight ({hidden})",
                      "call docker build in the job itself, then run migrate-project again",
                      hidden_build.ID)
    raise Refused(f"the job also runs '{command.text}'", MANUAL)


def value(state: ScriptState, command: Command, text: str) -> str:
    """A docker argument with the script's own variables filled in; refuses computed ones."""
    result = substitute(text, state.shell_vars)
    used = sorted(state.computed & set(references(result)))
    if command.substitution or used or not is_plain(result):
        why = f"${used[0]} is computed by the script" if used else "shell-only expansion"
        raise Refused(f"'{command.text}' computes names at run time ({why})",
                      "use predefined variables ($CI_COMMIT_SHORT_SHA, $CI_COMMIT_TAG…) or "
                      "variables: with rules:, then run migrate-project again", computed_name.ID)
    return result


def _docker(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    kind = call.kind
    if kind in _SKIPPED_DOCKER or is_binfmt_setup(call):
        if kind in ("setup", "run"):
            state.dropped.append(call.command.text)
        return
    if kind == "login":
        login = parse_login(call)
        if login.problems:
            raise Refused(f"'{call.command.text}': {login.problems[0]}", MANUAL)
        state.logins.append(value(state, call.command, login.registry))
        return
    handler = _HANDLERS.get(kind)
    if handler is None:
        _refuse_docker(call)
    else:
        handler(facts, state, call)


def _refuse_docker(call: DockerCall) -> None:
    text = call.command.text
    if call.kind == "compose-build":
        raise Refused(f"'{text}' builds with Docker Compose",
                      "create one runner-ext build job per image in compose.yaml "
                      "(context, dockerfile, build args)", compose_build.ID)
    if call.kind == "run":
        raise Refused(f"'{text}' runs a container", "run tests in a job that uses the image as "
                      "its image: (or as a service), after the build job", docker_run.ID)
    if call.kind == "bake":
        raise Refused(f"'{text}' builds the targets of a Buildx bake file, which runner-ext "
                      "does not read", "create one runner-ext build job per bake target "
                      "(context, dockerfile, args, tags)", hidden_build.ID)
    if call.kind == "manifest":
        raise Refused(f"'{text}' edits manifests", "use crane or skopeo in a job of its own",
                      retag_only.ID)
    raise Refused(f"'{text}' has no daemonless equivalent in the runner-ext template", MANUAL)


def _build(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    if state.build is not None:
        raise Refused("the job builds more than one image",
                      "split it into one job per image, then run migrate-project again")
    flags = parse_build(call)
    if flags.problems or flags.unsupported:
        what = flags.problems[0] if flags.problems else \
            f"docker build {flags.unsupported[0]} has no runner-ext equivalent"
        raise Refused(f"'{call.command.text}': {what}", MANUAL)
    flags.tags = [value(state, call.command, t) for t in flags.tags]
    state.build, state.build_cwd = flags, state.cwd
    state.built = [normalize_ref(t) for t in flags.tags]
    state.local.update(state.built)
    if flags.push:
        state.pushed.extend(state.built)


def _tag(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    refs = [value(state, call.command, a) for a in call.args if not a.startswith("-")]
    if len(refs) != 2:
        raise Refused(f"'{call.command.text}' is not 'docker tag SOURCE TARGET'", MANUAL)
    source, target = (normalize_ref(r) for r in refs)
    if source not in state.local:
        raise Refused(f"'{call.command.text}' tags an image this job does not build",
                      "copy images between tags with skopeo copy or crane tag in a job of "
                      "its own", retag_only.ID)
    state.local.add(target)


def _push(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    all_tags = any(a in ("-a", "--all-tags") for a in call.args)
    refs = [value(state, call.command, a) for a in call.args if not a.startswith("-")]
    if len(refs) != 1:
        raise Refused(f"'{call.command.text}' is not 'docker push IMAGE'", MANUAL)
    if call.command.may_fail:
        raise Refused(f"'{call.command.text}' may fail without failing the job",
                      "decide whether the push matters; drop '|| true' and run again")
    if all_tags:
        repo = refs[0]
        state.pushed.extend(r for r in sorted(state.local) if r.rsplit(":", 1)[0] == repo)
        return
    ref = normalize_ref(refs[0])
    if ref not in state.local:
        raise Refused(f"'{call.command.text}' pushes an image this job does not build "
                      "(or a tag runner-ext can't match to the build)",
                      "push only tags given to docker build -t or docker tag; copy other "
                      "images with skopeo or crane", retag_only.ID)
    state.pushed.append(ref)


def _pull(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    refs = [value(state, call.command, a) for a in call.args if not a.startswith("-")]
    state.pulled.extend(normalize_ref(r) for r in refs)


_HANDLERS = {"build": _build, "tag": _tag, "push": _push, "pull": _pull}
