"""From an interpreted build script to the values the runner-ext template gets."""

from __future__ import annotations

import posixpath

from runner_ext.ci_inputs import input_variable
from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import RunnerExtError
from runner_ext.migrate.analyse.decision import MANUAL, BuildRequest, Refused
from runner_ext.migrate.analyse.docker import BuildFlags
from runner_ext.migrate.analyse.expand import is_plain, is_predefined, references, substitute
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.analyse.interpret import ScriptState, relative
from runner_ext.migrate.rewrite import carry
from runner_ext.migrate.rules import computed_name
from runner_ext.planner.cache import repository_of
from runner_ext.planner.secrets import secret_refused
from runner_ext.variables import JOB_LOGIN_HOSTS

_PROJECT_DIR = ("$CI_PROJECT_DIR", "${CI_PROJECT_DIR}")
# The one engine that builds several platforms in one run.
MULTI_PLATFORM_ENGINE: Engine = "buildkit"
_OWN_REGISTRY = ("$CI_REGISTRY_IMAGE", "${CI_REGISTRY_IMAGE}", "$CI_REGISTRY/",
                 "${CI_REGISTRY}/")


def build_request(facts: JobFacts, state: ScriptState, *, config: OrgConfig, engine: Engine,
                  files: set[str]) -> BuildRequest:
    """The template values for a job whose script :func:`interpret` accepted."""
    build = state.build
    if build is None:
        raise Refused("the job builds no image", MANUAL)
    destinations = list(dict.fromkeys(state.pushed))
    # Built but never pushed: a build check, which the engine job runs with push off.
    check = not destinations and not state.guarded
    if check:
        destinations = list(dict.fromkeys(state.built))
    context, dockerfile, instances = _paths(facts, state, build, files)
    request = BuildRequest(
        dockerfile=dockerfile, context=context, destinations=destinations,
        build_args=_build_args(facts, state, build, config),
        target=_plain(facts, state, build.target), labels=[
            _plain(facts, state, label) for label in build.labels],
        platform=_platform(facts, state, build, engine), cache=not build.no_cache,
        push=not check, tags=list(dict.fromkeys(state.local)), instances=instances,
    )
    first = (destinations or state.guarded)[:1]
    request.cache_repo = _cache_repo(first[0], config, facts) if first else ""
    _carry(facts, state, request)
    if "," in request.platform and engine != MULTI_PLATFORM_ENGINE:
        request.engine = engine = MULTI_PLATFORM_ENGINE
        request.attention.append(
            f"builds {request.platform} in one job, which only BuildKit can: this job uses "
            "the buildkit engine (its pods need the rootless profile, see docs/kubernetes.md) "
            "and foreign platforms need QEMU binfmt handlers on the Kubernetes nodes")
    _describe(facts, state, request, config, engine)
    return request


def _carry(facts: JobFacts, state: ScriptState, request: BuildRequest) -> None:
    """Carry the script's own lines over, and compute at run time what depends on them."""
    runtime = {name for name, values in _runtime_fields(request).items()
               if any(set(references(v)) & state.runtime for v in values)}
    if state.guarded:
        runtime.add("destinations")
    extra = [f"{input_variable(name)}=" + carry.shell_value(" ".join(values) if name ==
             "destinations" else "\n".join(values))
             for name, values in _runtime_fields(request).items()
             if name in runtime and name != "destinations"]
    carried = carry.carry_over(facts.items, state.roles, state.build_item,
                               request.destinations, "destinations" in runtime)
    request.script = (carried.lines[:1] and [*carried.lines]) or []
    if extra:
        request.script = [*carried.lines, *(f"export {line}" for line in extra)]
    kept = len(carried.lines) - (len(state.guarded) > 0 or "destinations" in runtime)
    request.runtime_inputs = runtime
    request.destinations = [*request.destinations, *state.guarded]
    if request.script:
        request.changes.append(
            f"keeps {kept} line(s) of its script in before_script: (run by the executor "
            "image's shell)" + (f"; computes {', '.join(sorted(runtime))} there too"
                                if runtime else ""))
    if state.guarded and not request.destinations[:len(request.destinations) -
                                                     len(state.guarded)]:
        request.attention.append("every push is under a condition: in pipelines where none "
                                 "holds, the job now ends before building (it built without "
                                 "pushing before)")
    if carried.dropped:
        request.changes.append("dropped after the build: " + "; ".join(carried.dropped))


def _runtime_fields(request: BuildRequest) -> dict[str, list[str]]:
    return {"destinations": request.destinations, "build_args": request.build_args,
            "labels": request.labels, "target": [request.target] if request.target else []}


def _plain(facts: JobFacts, state: ScriptState, text: str) -> str:
    result = substitute(text, state.shell_vars)
    computed = state.computed & set(references(result))
    if state.sourced:
        state.runtime.update(n for n in references(result)
                             if n not in state.ci_names and not is_predefined(n))
    if computed - set(state.uncarryable):
        state.runtime.update(computed)
        computed = set()
    if not is_plain(result) or computed or "\n" in result:
        raise Refused(f"a build value is computed at run time: {text}",
                      "use CI variables instead of shell logic, then run migrate-project again",
                      computed_name.ID)
    return result


def _literal_path(facts: JobFacts, state: ScriptState, text: str, base: str) -> str:
    """A build path as a project-relative path, with the script's and CI file's variables
    filled in; refuses paths known only at run time or outside the project.

    A ``parallel: matrix:`` variable stays in the path (GitLab expands it in each instance's
    variables); every instance's value is checked here."""
    resolved = _expanded(substitute(text, state.shell_vars), facts)
    for prefix in _PROJECT_DIR:
        if resolved == prefix or resolved.startswith(prefix + "/"):
            resolved, base = resolved[len(prefix):].lstrip("/") or ".", ""
    if "://" in resolved or resolved == "-" or not _matrix_only(resolved, facts):
        raise Refused(f"build path '{text}' can't be resolved before the job runs",
                      "write the context and -f as paths in the repository, or define the "
                      "variables they use in the CI file", computed_name.ID)
    for value in dict.fromkeys(_instances(text, resolved, facts)):
        if value.startswith("/") or relative(posixpath.join(base, value)).startswith(".."):
            shown = f"'{text}'" + (f" ({value} in a parallel: matrix instance)"
                                   if value != resolved else "")
            raise Refused(f"build path {shown} leaves the project", MANUAL)
    return relative(posixpath.join(base, resolved))


def _matrix_only(value: str, facts: JobFacts) -> bool:
    """True when the only variables left in a value are ``parallel: matrix:`` ones."""
    return "$" not in value or (is_plain(value) and set(references(value)) <= facts.matrix_names)


def _instances(text: str, value: str, facts: JobFacts) -> list[str]:
    """A value as each ``parallel: matrix:`` instance has it (the value alone if it uses
    no variable)."""
    if "$" not in value:
        return [value]
    return [_in_instance(text, value, instance, facts) for instance in facts.matrix]


def _in_instance(text: str, value: str, instance: dict[str, str], facts: JobFacts) -> str:
    """A value with one matrix instance's variables filled in; refuses one left unset."""
    expanded = _expanded(substitute(value, instance), facts)
    if "$" in expanded:
        unset = [n for n in references(expanded) if n in facts.matrix_names] or ["?"]
        raise Refused(f"build path '{text}' can't be resolved before the job runs: a "
                      f"parallel: matrix instance leaves ${unset[0]} unset",
                      "give every parallel: matrix entry a value for each variable the "
                      "build paths use, then run migrate-project again", computed_name.ID)
    return expanded


def _paths(facts: JobFacts, state: ScriptState, build: BuildFlags,
           files: set[str]) -> tuple[str, str, list[tuple[str, str]]]:
    """The build's context and Dockerfile as written, and each matrix instance's pair."""
    context = _literal_path(facts, state, build.context or ".", state.build_cwd)
    if build.dockerfile:
        dockerfile = _literal_path(facts, state, build.dockerfile, state.build_cwd)
    else:
        dockerfile = relative(posixpath.join(context, "Dockerfile"))
    pairs = [(dockerfile, context)]
    if "$" in dockerfile + context:
        pairs = list(dict.fromkeys(
            (relative(_in_instance(dockerfile, dockerfile, i, facts)),
             relative(_in_instance(context, context, i, facts))) for i in facts.matrix))
    for path, folder in pairs:
        if path not in files:
            raise Refused(f"{facts.file}:{facts.line}: the Dockerfile this job builds, "
                          f"{path}, is not in the project" + (
                              f" (the parallel: matrix value of {dockerfile})"
                              if path != dockerfile else ""),
                          "fix the job's -f / context or add the Dockerfile, then run "
                          "migrate-project again")
        if folder and not any(f.startswith(folder + "/") for f in files):
            raise Refused(f"{facts.file}:{facts.line}: the build context folder {folder} is "
                          "not in the project" + (
                              f" (the parallel: matrix value of {context})"
                              if folder != context else ""),
                          "fix the job's build context, then run migrate-project again")
    return context, dockerfile, [] if pairs == [(dockerfile, context)] else pairs


def _build_args(facts: JobFacts, state: ScriptState, build: BuildFlags,
                config: OrgConfig) -> list[str]:
    args = []
    for name, arg in build.build_args:
        if secret_refused(name, config.build.allow_secret_build_args):
            raise Refused(f"build arg {name} looks like a secret; the runner-ext template "
                          "refuses it (build args end up in image history and cache keys)",
                          "pass it as a secret mount or file, or list it in "
                          "build.allow_secret_build_args if it is not a secret")
        if arg is None:
            if name in state.shell_vars:
                arg = state.shell_vars[name]
            elif name in facts.variables:
                arg = f"${name}"
            else:
                raise Refused(f"--build-arg {name} takes its value from the runner's "
                              "environment, which the Kubernetes runner may not have",
                              f"set {name} as a CI/CD variable and write --build-arg "
                              f"{name}=${name}, then run migrate-project again")
        args.append(f"{name}={_plain(facts, state, arg)}")
    return args


def _platform(facts: JobFacts, state: ScriptState, build: BuildFlags, engine: Engine) -> str:
    """The platform(s) to build, with the CI file's variables filled in, so that the
    engine checks look at the value and not at a variable's name."""
    written = _plain(facts, state, build.platform)
    platform = _expanded(written, facts)
    if "$" in platform:
        name = references(platform)[0] if references(platform) else platform
        raise Refused(f"--platform {written}: ${name} is not defined in the CI file, so "
                      "runner-ext can't tell which platform the job builds",
                      f"define {name} in the job's or the global variables:, or write "
                      "--platform literally, then run migrate-project again")
    if "," in platform:
        return platform  # built with BuildKit (see build_request)
    if engine == "kaniko" and platform not in ("", "linux/amd64"):
        raise Refused(f"Kaniko can't build for {platform} on another architecture",
                      "run the job on a runner of that architecture, or use --engine buildkit")
    return platform


def _expanded(value: str, facts: JobFacts) -> str:
    """A value with the CI file's own variables filled in (a few rounds, as GitLab does)."""
    # A parallel: matrix variable is set per instance, over the job's variables.
    variables = {k: v for k, v in facts.variables.items() if k not in facts.matrix_names}
    for _ in range(5):
        value = substitute(value, variables)
    return value.replace("${CI_REGISTRY_IMAGE}", "$CI_REGISTRY_IMAGE")


# GitLab accepts at most two names after the project path (registry/group/project/a/b).
REGISTRY_EXTRA_LEVELS = 2


def _cache_repo(first: str, config: OrgConfig, facts: JobFacts) -> str:
    """The cache repository next to the first destination ('' when the default fits).

    The repository part only: a variable that holds a tag (``IMAGE: $CI_REGISTRY_IMAGE:sha``)
    is replaced by its repository. A cache repository deeper than GitLab's registry allows
    falls back to the default.
    """
    default = config.cache.repo.replace("{image}", "$CI_REGISTRY_IMAGE")
    reference = _expanded(first, facts)
    if not reference.startswith(_OWN_REGISTRY):
        return ""  # keep the cache where the job's own credentials can write it
    try:
        expanded, written = repository_of(reference), repository_of(first)
    except RunnerExtError:
        return ""
    last = expanded.rsplit("/", 1)[-1]
    if "$" in last and last != "$CI_REGISTRY_IMAGE":
        return ""
    repository = written if _expanded(written, facts) == expanded else expanded
    derived = config.cache.repo.replace("{image}", repository)
    full = _expanded(derived, facts)
    return "" if full == default or not _within_registry_depth(full) else derived


def _within_registry_depth(repository: str) -> bool:
    """False when a repository is nested deeper below the project than GitLab allows."""
    if not repository.startswith("$CI_REGISTRY_IMAGE"):
        return True
    rest = repository[len("$CI_REGISTRY_IMAGE"):].strip("/")
    return len(rest.split("/")) <= REGISTRY_EXTRA_LEVELS if rest else True


def _describe(facts: JobFacts, state: ScriptState, request: BuildRequest,
              config: OrgConfig, engine: Engine) -> None:
    cache = request.cache_repo or config.cache.repo.replace("{image}", "$CI_REGISTRY_IMAGE")
    request.changes.append(f"builds {request.dockerfile} with {engine}" + (
        f", layer cache in {cache}" if request.cache else ""))
    if request.instances:
        request.changes.append("each parallel: matrix instance builds its own image, from "
                               + ", ".join(dict.fromkeys(d for d, _ in request.instances))
                               + " (parallel: stays on the job)")
    if request.push:
        request.changes.append("pushes " + ", ".join(request.destinations))
    else:
        request.changes.append(
            "checks that the image builds, as before, and pushes nothing (push: false; the "
            "layer cache is read, not written)" + (
                f"; {', '.join(request.destinations)} only names the build"
                if request.destinations else ""))
    if state.guarded:
        request.changes.append(", ".join(state.guarded) + ": pushed where the script's "
                               "condition or loop says, as before")
    if state.dropped:
        request.changes.append("dropped Docker daemon setup: " + "; ".join(
            f"'{line}'" for line in dict.fromkeys(state.dropped)))
    if state.plugins:
        request.changes.append("dropped Docker CLI plugin installs (the executor image has "
                               "its own build engine): " + "; ".join(
                                   f"'{line}'" for line in dict.fromkeys(state.plugins)))
    if state.packages:
        request.changes.append("dropped package installs for the Docker client image (the "
                               "executor image brings its own tools): " + "; ".join(
                                   f"'{line}'" for line in dict.fromkeys(state.packages)))
    if state.build and state.build.cache_from:
        request.changes.append("--cache-from replaced by the registry layer cache")
    if not request.cache:
        request.attention.append("--no-cache carried over: the layer cache is off for this job")
    credential_attention(facts, state, request, config)


def own_registry(reference: str, facts: JobFacts) -> bool:
    """True when a reference is in this project's registry (with the CI file's variables)."""
    return _expanded(reference, facts).startswith(_OWN_REGISTRY)


def credential_attention(facts: JobFacts, state: ScriptState, request: BuildRequest,
                         config: OrgConfig) -> None:
    """What to check before merging: credentials for other registries, variables the CI
    file does not define."""
    secret_var = config.build.registries_variable
    for registry in dict.fromkeys(state.logins):
        if registry not in JOB_LOGIN_HOSTS:
            request.attention.append(
                f"the job logged in to {registry or 'Docker Hub'}: put those credentials into "
                f"the {secret_var} CI/CD variable before merging")
    for dest in request.destinations if request.push else []:
        if not own_registry(dest, facts) and not state.logins:
            request.attention.append(f"{dest} is outside this project's registry: make sure "
                                     f"{secret_var} holds credentials for it")
    fixed = [d for d in request.destinations if d not in state.guarded]
    undefined = sorted({name for value in [*fixed, *request.build_args]
                        for name in references(value)
                        if not is_predefined(name) and name not in facts.variables
                        and name not in state.runtime and name not in facts.matrix_names})
    for name in undefined:
        request.attention.append(f"${name} is not defined in the CI file: make sure it is a "
                                 "CI/CD variable of the project or group")
