"""Reading a build job's script the way the shell would run it, one command at a time.

Only a small, fully understood command set is accepted: ``docker login/logout/build/tag/
push/pull``, informational and clean-up docker commands, plain variable assignments, ``cd``
to a literal folder and a few harmless commands (``echo``…). Everything else raises
:class:`Refused` with the reason and the rule that describes it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace

from runner_ext.migrate.analyse import kaniko
from runner_ext.migrate.analyse.decision import MANUAL, Refused
from runner_ext.migrate.analyse.docker import (
    BuildFlags,
    DockerCall,
    classify,
    is_binfmt_setup,
    is_cli_plugin_setup,
    is_login_pipe,
    parse_build,
    parse_login,
)
from runner_ext.migrate.analyse.expand import (
    is_plain,
    is_predefined,
    normalize_ref,
    references,
    substitute,
)
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.shell import Command
from runner_ext.migrate.rewrite import carry
from runner_ext.migrate.rules import (
    compose_build,
    computed_name,
    docker_run,
    hidden_build,
    retag_only,
    script_logic,
)
from runner_ext.migrate.shim.oneshot import run_args, run_problem
from runner_ext.variables import single_reference

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
    plugins: list[str] = field(default_factory=list)  # docker CLI plugin installs
    packages: list[str] = field(default_factory=list)  # package installs for the Docker image
    # Each command and its role (see carry.py); computed variables the executor's shell can
    # compute too (``runtime``) or not (``uncarryable``: name → the missing command).
    roles: list[tuple[Command, str]] = field(default_factory=list)
    runtime: set[str] = field(default_factory=set)
    uncarryable: dict[str, str] = field(default_factory=dict)
    build_item: int = -1
    guarded: list[str] = field(default_factory=list)
    sourced: bool = False  # a kept line sources a file: names it defines are known at run time
    ci_names: frozenset[str] = frozenset()  # the job's CI variables
    # Images pulled (and tags of them) → the pulled reference: a promotion's source.
    origin: dict[str, str] = field(default_factory=dict)


def interpret(facts: JobFacts) -> ScriptState:
    """Walk the job's commands; raise :class:`Refused` at the first one we can't carry over."""
    if facts.script_problems:
        raise Refused(f"the script can't be read safely: {facts.script_problems[0]}",
                      MANUAL, script_logic.ID)
    state = ScriptState(ci_names=frozenset(facts.variables) | facts.matrix_names)
    for command in facts.commands:
        _command(facts, state, command)
    for command in facts.after_commands:
        _after(facts, state, command)
    return state


def _after(facts: JobFacts, state: ScriptState, command: Command) -> None:
    """after_script: only Docker commands the template replaces, and harmless output."""
    call = classify(command)
    if call is not None:
        _docker(facts, state, call)
    elif not (command.name in HARMLESS and not command.redirected):
        raise Refused(f"after_script runs '{command.text}'",
                      "move it into a later job, then run migrate-project again", MANUAL)


def _command(facts: JobFacts, state: ScriptState, command: Command) -> None:
    call = classify(command)
    if call is None and kaniko.hand_written(facts) and (
            kaniko.is_executor(facts, command) or kaniko.touches_kaniko(command)):
        call = kaniko.as_build(facts, state.cwd, command,
                               _spread(facts, state, command.words[1:]))
        if call is None:  # the executor's registry auth: the template writes its own
            state.roles.append((command, carry.DOCKER))
            return
    if is_login_pipe(command, call):
        command = replace(command, construct=None)
        if call is None:  # the echo feeding the password in
            state.roles.append((command, carry.DOCKER))
            return
    waiting = call is not None and call.kind in _SKIPPED_DOCKER  # e.g. until docker info
    if command.construct and not waiting and _conditional(facts, state, command, call):
        return
    if command.name in _TESTS:  # a condition: no side effects, kept with what it guards
        state.roles.append((command, carry.TEST))
        return
    if call is not None:
        state.roles.append((command, carry.DOCKER))
        _docker(facts, state, call)
        return
    if is_cli_plugin_setup(command):
        state.roles.append((command, carry.DOCKER))
        state.plugins.append(command.text)
        return
    if command.name == "cd":
        _cd(state, command)
        state.roles.append((command, carry.CD))
        return
    if command.name in carry.PACKAGE_MANAGERS and not command.construct:
        state.roles.append((command, carry.DOCKER))
        state.packages.append(command.text)
        return
    if command.name in (".", "source"):
        state.sourced = True
    if command.words and command.name not in ("export", "readonly"):
        _keep(facts, state, command)
    elif command.substitution and carry.missing_commands(command):
        _assign(state, command, _pairs(command))
        for name, _ in _pairs(command):
            state.uncarryable[name] = carry.missing_commands(command)[0]
        return
    else:
        _assign(state, command, _pairs(command))
        if all(n not in state.computed for n, _ in _pairs(command)):
            state.roles.append((command, carry.STATIC))  # its value is substituted already
            return
    state.roles.append((command, carry.KEPT))


def _pairs(command: Command) -> list[tuple[str, str]]:
    if not command.words:
        return list(command.assignments)
    return [(w.split("=", 1)[0], w.split("=", 1)[1]) for w in command.words[1:] if "=" in w]


def _conditional(facts: JobFacts, state: ScriptState, command: Command,
                 call: DockerCall | None) -> bool:
    """Commands under if/&&: conditions, guarded tags and pushes, and kept commands."""
    if command.name in _TESTS:
        state.roles.append((command, carry.TEST))
        return True
    if call is not None and call.kind in ("pull", "info", "login", "logout"):
        state.roles.append((command, carry.DOCKER))  # cache warm-up or checks: not needed
        if call.kind == "login":
            _docker(facts, state, call)
        return True
    if command.construct not in ("if", "for") and not str(command.construct).startswith(
            tuple(_TESTS)):
        if call is None and command.name in HARMLESS and not command.assignments:
            state.roles.append((command, carry.DOCKER))  # e.g. until docker info; do sleep 1
            return True
        _refuse_logic(command)
    if command.name in _TESTS:
        state.roles.append((command, carry.TEST))
    elif call is not None and call.kind in ("tag", "push"):
        _guard(facts, state, call)
    elif call is None and not carry.missing_commands(command) and (
            command.words or command.assignments):
        for name, _ in _pairs(command):  # set only where the condition holds
            state.computed.add(name)
            state.shell_vars.pop(name, None)
        state.roles.append((command, carry.KEPT))
    else:
        _refuse_logic(command)
    return True


def _refuse_logic(command: Command) -> None:
    raise Refused(f"'{command.text}' runs under shell logic "
                  f"('{command.construct or command.name}')",
                  "express the condition with rules: (one job per case) and run "
                  "migrate-project again", script_logic.ID)


def _guard(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    """A tag or push under a condition: checked like an unconditional one, then recorded so
    the condition is carried over around the destination it adds."""
    if state.build is None and not state.origin:
        _refuse_logic(call.command)
    pushed = list(state.pushed)
    _HANDLERS[call.kind](facts, state, call)
    if call.kind == "push":
        state.guarded.extend(state.pushed[len(pushed):])
        state.pushed = pushed
    state.roles.append((call.command, carry.GUARD_PUSH if call.kind == "push"
                        else carry.GUARD_TAG))


def _keep(facts: JobFacts, state: ScriptState, command: Command) -> None:
    missing = carry.missing_commands(command)
    if missing:
        _other(facts, state, command, missing[0])


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


def _other(facts: JobFacts, state: ScriptState, command: Command, missing: str) -> None:
    words = list(command.words)
    hidden = hidden_build.make_build(facts, state.cwd, words) or \
        hidden_build.script_build(facts, state.cwd, words)
    if hidden:
        raise Refused(f"'{command.text}' builds an image out of sight ({hidden})",
                      "call docker build in the job itself, then run migrate-project again",
                      hidden_build.ID)
    raise Refused(f"the job also runs '{command.text}', and the executor image has no "
                  f"'{missing}'", "move that step into an earlier job (pass results on as "
                  "artifacts or dotenv variables), then run migrate-project again", MANUAL,
                  missing_tool=missing)


def value(state: ScriptState, command: Command, text: str) -> str:
    """A docker argument with the script's own variables filled in; computed ones stay
    references when the executor's shell can compute them too (refused otherwise)."""
    result = substitute(text, state.shell_vars)
    used = sorted(state.computed & set(references(result)))
    blocked = [n for n in used if n in state.uncarryable]
    if blocked:
        raise Refused(f"'{command.text}' uses ${blocked[0]}, which the script computes with "
                      f"'{state.uncarryable[blocked[0]]}' (not in the executor image)",
                      "compute it in an earlier job and pass it on as a dotenv variable, "
                      "or use predefined variables ($CI_COMMIT_SHORT_SHA, $CI_COMMIT_TAG…), "
                      "then run migrate-project again", computed_name.ID)
    state.runtime.update(used)
    if state.sourced:
        state.runtime.update(n for n in references(result)
                             if n not in state.ci_names and not is_predefined(n))
    if not is_plain(result):
        raise Refused(f"'{command.text}' computes names at run time (shell-only expansion)",
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
        args = run_args(call.command.words)
        problem = run_problem(args) if args is not None else None
        raise Refused(f"'{text}' runs a container" + (f" ({problem})" if problem else ""),
                      "run tests in a job that uses the image as its image: (or as a "
                      "service), after the build job", docker_run.ID)
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
    flags = parse_build(replace(call, args=_spread(facts, state, call.args)))
    hidden = [w for w in flags.positional_extra if w.startswith("$")]
    if hidden:
        raise Refused(f"'{call.command.text}': the build's options come from {hidden[0]}, "
                      "which the script computes at run time",
                      "write the options out in the docker build command, then run "
                      "migrate-project again", computed_name.ID)
    if flags.problems or flags.unsupported:
        what = flags.problems[0] if flags.problems else \
            f"docker build {flags.unsupported[0]} has no runner-ext equivalent"
        raise Refused(f"'{call.command.text}': {what}", MANUAL)
    flags.tags = [value(state, call.command, t) for t in flags.tags]
    if state.build_item >= 0:  # a pulled image pushed before the build
        raise Refused("the job pushes a pulled image and builds one",
                      "copy the pulled image in a job of its own, then run migrate-project "
                      "again", retag_only.ID)
    state.build, state.build_cwd = flags, state.cwd
    state.build_item = call.command.item
    state.built = [normalize_ref(t) for t in flags.tags]
    state.local.update(state.built)
    if flags.push:
        state.pushed.extend(state.built)


def _spread(facts: JobFacts, state: ScriptState, args: tuple[str, ...]) -> tuple[str, ...]:
    """Arguments held in a variable (``docker build $EXTRA_ARGS .``), split as sh would."""
    spread: list[str] = []
    for arg in args:
        name = single_reference(arg)
        known = state.shell_vars.get(name) if name else None
        if name and known is None and name not in state.computed:
            known = facts.variables.get(name)
        if known is None or len(known.split()) < 2 or any(q in known for q in "\"'\\"):
            spread.append(arg)
        else:
            spread.extend(known.split())
    return tuple(spread)


def _tag(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    refs = [value(state, call.command, a) for a in call.args if not a.startswith("-")]
    if len(refs) != 2:
        raise Refused(f"'{call.command.text}' is not 'docker tag SOURCE TARGET'", MANUAL)
    source, target = (normalize_ref(r) for r in refs)
    if source in state.origin and source not in state.local:
        state.origin[target] = state.origin[source]
        return
    if source not in state.local:
        raise Refused(f"'{call.command.text}' tags an image this job does not build",
                      "pull it first in the same job (docker pull SOURCE; runner-ext then "
                      "copies it registry to registry), or copy it with skopeo copy in a job "
                      "of its own", retag_only.ID)
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
    if ref in state.origin and ref not in state.local:
        _push_pulled(state, call, ref)
        return
    if ref not in state.local:
        raise Refused(f"'{call.command.text}' pushes an image this job does not build "
                      "(or a tag runner-ext can't match to the build)",
                      "push only tags given to docker build -t or docker tag; copy other "
                      "images with skopeo or crane", retag_only.ID)
    state.pushed.append(ref)


def _push_pulled(state: ScriptState, call: DockerCall, ref: str) -> None:
    """A push of a pulled image (or a tag of one): a promotion, when the job builds nothing
    and copies one source image."""
    if state.build is not None:
        raise Refused(f"'{call.command.text}' pushes a pulled image in a job that builds one",
                      "copy the pulled image in a job of its own, then run migrate-project "
                      "again", retag_only.ID)
    sources = {state.origin[r] for r in [*state.pushed, *state.guarded, ref]
               if r in state.origin}
    if len(sources) > 1:
        raise Refused(f"the job promotes more than one image ({', '.join(sorted(sources))})",
                      "split it into one job per source image, then run migrate-project "
                      "again", retag_only.ID)
    if state.build_item < 0:
        state.build_item = call.command.item
    state.pushed.append(ref)


def _pull(facts: JobFacts, state: ScriptState, call: DockerCall) -> None:
    refs = [value(state, call.command, a) for a in call.args if not a.startswith("-")]
    state.pulled.extend(normalize_ref(r) for r in refs)
    for ref in refs:
        state.origin.setdefault(normalize_ref(ref), normalize_ref(ref))


_HANDLERS = {"build": _build, "tag": _tag, "push": _push, "pull": _pull}
