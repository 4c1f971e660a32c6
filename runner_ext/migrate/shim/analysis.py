"""Can a job keep its script and run in the shim executor? Looked at line by line.

The job's script, the Makefile recipes and script files it reaches, and the compose files
it builds from are read; the job stays where it is (with the reason) when any of them uses
a verb that needs a daemon (:mod:`runner_ext.migrate.shim.verbs`, the wrapper's own list),
a ``docker run`` the shim can't run once in the foreground
(:mod:`runner_ext.migrate.shim.oneshot`), a command the shim image lacks, a ``buildx bake``
whose bake file the shim's reader can't evaluate exactly
(:mod:`runner_ext.migrate.shim.bake_check`), or something that can't be read. A job that
builds nothing but pulls, tags and pushes images it pulled (several sources: the promote
rewrite copies one) keeps its script too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.analyse.docker import BuildFlags, classify, parse_build
from runner_ext.migrate.analyse.expand import normalize_ref, references, substitute
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.shell import Command
from runner_ext.migrate.rewrite.carry import PACKAGE_MANAGERS
from runner_ext.migrate.rules import docker_run, script_logic
from runner_ext.migrate.rules._common import shown
from runner_ext.migrate.shim.bake_check import check_bake, check_outputs
from runner_ext.migrate.shim.compose import check_compose
from runner_ext.migrate.shim.oneshot import run_args, run_problem
from runner_ext.migrate.shim.reach import Reached, cwd_after, reach
from runner_ext.migrate.shim.script_dirs import project_dir_names, where_file
from runner_ext.migrate.shim.verbs import (
    IMAGE_PACKAGES,
    IMAGE_TOOLS,
    archive_verb,
    compose_args,
    compose_verb,
    daemon_verb,
    without_globals,
)
from runner_ext.variables import ASSIGNMENT, NAME

_MAKE_REF = re.compile(rf"\$\(({NAME})\)")
# The program of a command substitution; make's `$(shell cmd)` too (make variables are
# upper case, so `$(IMAGE)` is not taken for a program).
_HEADER = re.compile(r"^\s*(for|select|case)\s+(\S+)")
_SUBSTITUTED = re.compile(r"(?:\$\(|`)\s*(?:shell\s+)?([a-z][A-Za-z0-9_.-]*)")
_DAEMON_FIX = ("run containers in a job of their own that uses the image as its image: (or as "
               "a service), after the build job; then run migrate-project again")
_RUN_FIX = ("run the container in a job of its own that uses the image as its image: (or as a "
            "service), or keep to the options the shim runs once in the foreground "
            "(docs/migrate.md); then run migrate-project again")


@dataclass
class ShimAnalysis:
    """What the shim rewrite needs to know about a job that can keep its script."""

    files: list[str] = field(default_factory=list)
    used_variables: set[str] = field(default_factory=set)
    compose_services: list[str] = field(default_factory=list)
    # before_script lines that only install packages for the Docker client image: the
    # rewrite drops them (indexes into JobFacts.items), every other line is checked.
    dropped: list[int] = field(default_factory=list)
    # lines of a multi-line before_script item (a block scalar) that only install packages
    dropped_lines: dict[int, list[str]] = field(default_factory=dict)
    # `docker run` lines the wrapper runs once, in the foreground, with Buildah
    runs: list[str] = field(default_factory=list)
    # the targets `docker buildx bake` lines build (the wrapper builds each like docker build)
    bakes: list[str] = field(default_factory=list)
    # --platform values of multi-platform builds (pushed as one index each)
    platforms: list[str] = field(default_factory=list)


def analyse(facts: JobFacts) -> ShimAnalysis:
    """Check every line the job runs; raise :class:`Refused` at the first one the shim
    can't carry."""
    found = reach(facts)
    if found.problems:
        raise Refused(f"the script can't be read safely: {found.problems[0]}",
                      "write the lines plainly (no here-document, balanced quotes), then run "
                      "migrate-project again", script_logic.ID)
    result = ShimAnalysis(files=found.files)
    builds = False
    cwd = ""
    # Shell functions the lines define: calling one runs lines that are checked here too.
    functions = {c.command.words[1] for c in found.commands
                 if c.command.construct == "function" and len(c.command.words) == 2}
    main = {id(c) for c in facts.commands}
    project_dirs = project_dir_names(found.commands)
    for item in found.commands:
        cwd = cwd_after(cwd, item.command) if not item.where else cwd
        if item.command.construct == "function":
            continue
        if installs_packages(item.command):
            _check_install(facts, item, id(item.command) in main, result)
            continue
        if is_bake(item.command):
            targets = check_bake(facts, cwd, list(item.command.words), _known(facts),
                                 f"'{item.command.text}'{_at(item)}")
            result.bakes.extend(b.name for b in targets)
            result.platforms.extend(b.platform for b in targets if "," in b.platform)
            builds = True
            result.used_variables.update(_names(item.command.text))
            continue
        _check_command(item, functions, project_dirs.get(where_file(item.where), frozenset()))
        if run_args(item.command.words) is not None:
            result.runs.append(item.command.text)
        builds |= _builds(facts, cwd, item, result)
        result.used_variables.update(_names(item.command.text))
    _check_install_lines(facts, result)
    if not builds and not copies_pulled(facts.commands):
        raise Refused("the job builds no image that runner-ext can see (no docker build, "
                      "buildx build, compose build or docker load in its script, Makefile or "
                      "scripts)",
                      "migrate it by hand (docs/migrate.md)")
    return result


def copies_pulled(commands: list[Command]) -> bool:
    """True when a job pulls images and pushes tags of them and builds nothing: every tag
    and push names an image the job pulled or tagged before, in its own script, so podman's
    image store holds it as Docker's did."""
    pulled: set[str] = set()
    tagged: set[str] = set()  # a push of a pulled tag itself would only push it back
    pushed = False
    for command in commands:
        call = classify(command)
        refs = [] if call is None else [normalize_ref(a) for a in call.args
                                        if not a.startswith("-")]
        if call is None or call.kind in ("login", "logout", "info"):
            continue
        if call.kind == "pull" and len(refs) == 1:
            pulled.add(refs[0])
        elif call.kind == "tag" and len(refs) == 2 and refs[0] in pulled | tagged:
            tagged.add(refs[1])
        elif call.kind == "push" and len(refs) == 1 and refs[0] in tagged - pulled:
            pushed = True
        else:
            return False
    return pushed


def reaches_build(facts: JobFacts) -> bool:
    """True when a line the job runs (its script, make targets, scripts) builds an image."""
    for item in reach(facts).commands:
        compose = compose_args(item.command.words)
        call = classify(item.command)
        if (compose is not None and compose_verb(compose) == "build") or is_bake(item.command) \
                or (call is not None and call.kind == "build"):
            return True
    return False


def _at(item: Reached) -> str:
    return f" ({item.where})" if item.where else ""


def _check_command(item: Reached, functions: set[str],
                   project_dirs: frozenset[str] = frozenset()) -> None:
    command = item.command
    args = run_args(command.words)
    problem = run_problem(args, project_dirs) if args is not None else None
    if problem:
        raise Refused(f"'{command.text}'{_at(item)} runs a container ({problem})",
                      _RUN_FIX, docker_run.ID)
    verb = daemon_verb(command.words)
    if verb:
        raise Refused(f"'{command.text}'{_at(item)} needs a Docker daemon ({verb})",
                      _DAEMON_FIX, docker_run.ID)
    for name in _programs(command):
        if name not in IMAGE_TOOLS | functions and "/" not in name and not name.endswith(".sh"):
            raise Refused(f"'{command.text}'{_at(item)} runs {name}, which the shim executor "
                          "image does not have",
                          "add the package to executor/shim/Dockerfile and publish the image "
                          "(or drop the command), then run migrate-project again")


def installs_packages(command: Command) -> bool:
    """``apk add …``, ``apt-get install …``, ``sudo yum …``: a package manager runs."""
    words = list(command.words[1:]) if command.words[:1] == ("sudo",) else list(command.words)
    return bool(words) and words[0] in PACKAGE_MANAGERS and not command.assignments


def _check_install(facts: JobFacts, item: Reached, own: bool, result: ShimAnalysis) -> None:
    """A package install on a before_script line of its own can go (the shim executor
    brings its tools, and each later line is checked against them); anywhere else the
    job stays, with the package manager named."""
    manager = item.command.words[1] if item.command.words[0] == "sudo" else item.command.words[0]
    if own and 0 <= item.command.item < facts.before_items and not item.command.construct:
        missing = [p for p in _installed(item.command) if p not in IMAGE_PACKAGES]
        if missing:
            raise Refused(f"'{item.command.text}' installs {', '.join(missing)} with "
                          f"{manager} at run time; the shim executor image does not have "
                          f"{'them' if len(missing) > 1 else 'it'} and installs nothing while "
                          "the job runs",
                          "add the package to executor/shim/Dockerfile and publish the "
                          "image (or keep the job on its runner)")
        text = facts.items[item.command.item]
        lines = [line.strip() for line in text.strip().splitlines()]
        if len(lines) == 1:
            if item.command.item not in result.dropped:
                result.dropped.append(item.command.item)
            return
        if item.command.text.strip() in lines:  # a line of its own in a block scalar
            result.dropped_lines.setdefault(item.command.item, []).append(
                item.command.text.strip())
            return
    where = item.where or ("after_script" if not own else "script")
    raise Refused(f"'{item.command.text}' ({where}) installs packages with {manager} at run "
                  "time; the shim executor image is Debian, runs as an unprivileged user "
                  "and installs nothing while the job runs",
                  "move the install to a before_script line of its own (the migration "
                  "drops it when the shim image has the tools) or add the package to "
                  "executor/shim/Dockerfile, then run migrate-project again")


_INSTALL_VERBS = frozenset({"add", "install"})
_INDEX_VERBS = frozenset({"update", "upgrade", "clean", "autoclean", "autoremove", "cache",
                          "del", "remove", "purge", "makecache"})
_VALUE_OPTIONS = frozenset({"-t", "--virtual", "-X", "--repository", "-o", "--option",
                            "--setopt", "--repo", "--enablerepo", "--disablerepo"})


def _installed(command: Command) -> list[str]:
    """The packages an install command adds (version pins stripped); an unknown verb or
    a computed package name is returned as is, so it never counts as present."""
    words = list(command.words[1:]) if command.words[:1] == ("sudo",) else list(command.words)
    plain: list[str] = []
    skip = False
    for word in words[1:]:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            plain.append(word)
    if not plain:
        return []  # `apk --update` and the like: an index refresh
    verb, packages = plain[0], plain[1:]
    if verb in _INDEX_VERBS:
        return []
    if verb not in _INSTALL_VERBS:
        return [f"{words[0]} {verb}"]
    return [re.split(r"[=<>~]", p, maxsplit=1)[0] for p in packages]


def _check_install_lines(facts: JobFacts, result: ShimAnalysis) -> None:
    """A dropped before_script line may hold nothing but installs and cache clean-up."""
    for index, lines in list(result.dropped_lines.items()):
        kept = [line for line in facts.items[index].strip().splitlines()
                if line.strip() and line.strip() not in lines]
        if not kept:
            del result.dropped_lines[index]
            result.dropped.append(index)
    for command in facts.commands:
        if command.item in result.dropped and not (installs_packages(command)
                                                   or _cache_cleanup(command)):
            line = facts.items[command.item].strip().splitlines()[0]
            raise Refused(f"'{line}' installs packages at run time and also runs "
                          f"{command.name or command.text} in the same before_script item; "
                          "the shim executor image is Debian and installs nothing while "
                          "the job runs",
                          "put the package install on a before_script line of its own, "
                          "then run migrate-project again")


_PACKAGE_CACHES = ("/var/cache/apk", "/var/lib/apt/lists", "/var/cache/apt",
                   "/var/cache/yum", "/var/cache/dnf")


def _cache_cleanup(command: Command) -> bool:
    """``rm -rf /var/cache/apk/*`` and the like: clean-up after an install."""
    words = list(command.words)
    return words[:1] == ["rm"] and len(words) > 2 and all(
        w.startswith("-") or w.startswith(_PACKAGE_CACHES) for w in words[1:])


def _programs(command: Command) -> list[str]:
    """The programs a command runs: its first word, and those of ``$(…)``/backticks."""
    words = list(command.words)
    if words[:1] == ["sudo"]:
        words = words[1:]
    inner = _SUBSTITUTED.findall(command.text) if command.substitution else []
    # `TAG=$(git rev-parse …)`: the words after the assignment belong to the substitution.
    open_substitution = any(v.count("(") > v.count(")") or v.count("`") % 2
                            for _, v in command.assignments)
    header = _HEADER.match(command.text)
    if header and words[:1] == [header.group(2).strip("\"'")]:
        return inner  # `for NAME in …` / `case WORD in`: no program
    while words and words[0].endswith(")") and "(" not in words[0]:
        words = words[1:]  # a case pattern `a|b)`
    if not words or open_substitution or ASSIGNMENT.match(words[0]):
        return inner
    name = "make" if words[0] in ("$(MAKE)", "${MAKE}", "$MAKE") else words[0]
    return [name, *inner]


def _known(facts: JobFacts) -> dict[str, str]:
    """The job's variables whose values are known now (no reference to expand)."""
    return {k: v for k, v in facts.variables.items() if "$" not in v}


def is_bake(command: Command) -> bool:
    """``docker buildx bake …`` (or ``docker bake``)."""
    words = list(command.words)
    rest = without_globals(words[1:]) if words[:1] == ["docker"] else []
    return rest[:2] == ["buildx", "bake"] or rest[:1] == ["bake"]


def _builds(facts: JobFacts, cwd: str, item: Reached, result: ShimAnalysis) -> bool:
    words = compose_args(item.command.words)
    if words is not None:
        if compose_verb(words) not in ("build", "push"):
            return False
        named = f"'{item.command.text}'{_at(item)}"
        result.compose_services.extend(check_compose(facts, cwd, words, named))
        return True
    call = classify(item.command)
    if call is not None and call.kind == "build":
        flags = parse_build(call)
        pushes, other = check_outputs(
            [(name, substitute(value, facts.variables)) for name, value in flags.outputs],
            f"'{shown(item.command.text)}'{_at(item)}")
        _check_platforms(facts, item, flags, flags.push or pushes, other, result)
        return True
    return archive_verb(item.command.words) in ("docker load", "docker image load")


def _check_platforms(facts: JobFacts, item: Reached, flags: BuildFlags, pushes: bool,
                     other: str, result: ShimAnalysis) -> None:
    """Several platforms in one build: the wrapper builds them into one manifest list and
    ``--push`` (or a registry output) sends it whole. Without a push, or with another
    ``--output`` (``other``), buildx keeps the images where a later step of the job reads
    them, which the shim does not reproduce."""
    platform = substitute(flags.platform, facts.variables)
    if "," not in platform:
        return
    if other or not pushes:
        kept = f"writes {other}" if other else "does not push"
        raise Refused(f"'{shown(item.command.text)}'{_at(item)} builds --platform {platform} "
                      f"and {kept}: the shim pushes the images of several "
                      "platforms as one index (--push or a registry output), and keeps no "
                      "other output of a multi-platform build",
                      "push the multi-platform build with --push (and pull what a later step "
                      "needs), or build one platform per job, then run migrate-project again")
    result.platforms.append(platform)


def _names(text: str) -> set[str]:
    return set(references(text)) | set(_MAKE_REF.findall(text))
