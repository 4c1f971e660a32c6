"""The expansion invariant: after migration, every job that was not rewritten expands exactly as
before (``gitlab-ci-local --preview``), and every rewritten job expands to the runner-ext build
with its own rules, needs, stage… intact.

Design: ``gitlab-ci-local`` cannot fetch our component or the classic templates from a GitLab
server, so the "after" repository also holds the output of ``runner-ext render ci`` (same org
config) and its runner-ext include is pointed at that output: ``component: …/build@…`` becomes
``local: templates/build/template.yml`` with the same inputs, and the classic
``project:/ref:/file:`` entry becomes ``local: classic/build.yml``. That swaps only *where* the
template comes from, not what it says, so the migrated jobs expand as they would on GitLab.
Both repositories are throw-away git repositories (gitlab-ci-local needs one).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import ReusedAnchorWarning
from test_migrate_support import PROJECTS, Project, read_tree

from runner_ext.cli.main import run
from runner_ext.config import OrgConfig
from runner_ext.lab.ci_local import git_repo, preview
from runner_ext.migrate import MigrationResult
from runner_ext.migrate.parse.cifiles import parse_ci_file
from runner_ext.migrate.rewrite.rewrite import KEEP
from runner_ext.planner.promote import FROM_VARIABLE, FUNCTION, TO_VARIABLE

# The examples, and the cases whose structure matters most for expansion.
CHOSEN = ["example-dotnet", "example-node", "example-python", "case-keep-anchors-references",
          "case-default-inherit", "case-classic-buildah", "case-include-mapping",
          "case-nested-include", "case-rxc105-build-flags",
          "case-extends-docker-setup", "case-shared-template",
          "case-shared-template-fallback", "case-multi-platform", "case-rxc112-shell-logic",
          "case-computed-tag-carry", "case-loop-tags-package-setup", "case-merge-keys",
          "case-duplicate-keys", "case-promote-login-tags", "case-promote-guarded-classic",
          "case-classic-job-template", "case-shim-package-installs",
          "case-shim-build-options-variable", "case-shim-save-load",
          "case-shim-merged-extends", "case-refuse-rewrite-forms", "case-kaniko-adopt",
          "case-kaniko-adopt-classic", "case-build-check-split-push",
          "case-shim-copy-several-images", "case-shim-several-platforms",
          "case-parallel-matrix"]
# Keys a rewritten job must expand to exactly as before (variables and artifacts gain the
# template's entries; inherit: is what keeps default: services and scripts away).
COMPARED = sorted(KEEP - {"variables", "artifacts", "inherit"})


def _repo(root: Path, files: dict[str, bytes]) -> Path:
    return git_repo(root, {name: data.decode() for name, data in files.items()})


def _local_include(text: str, config: OrgConfig) -> str:
    include = config.include
    for name in ("build", "promote"):
        text = text.replace(f"component: {include.component}/{name}@{include.version}",
                            f"local: templates/{name}/template.yml")
    classic = re.compile(rf"project: {re.escape(include.project)}\n(\s*)ref: "
                         rf"{re.escape(include.ref)}\n\s*file: {re.escape(include.file)}")
    return classic.sub("local: classic/build.yml", text)


def _expand(project: Project, tmp: Path) -> tuple[dict[str, Any], dict[str, Any],
                                                  MigrationResult]:
    before_files = read_tree(project.input)
    before = preview(_repo(tmp / "before", before_files))
    result = project.migrate()
    config = project.config()
    after_files = {**before_files, **{k: v.encode() for k, v in result.changes.items()}}
    for path in result.changes:
        if path.endswith((".yml", ".yaml")):
            after_files[path] = _local_include(result.changes[path], config).encode()
    rendered = tmp / "rendered"
    args = ["render", "ci", "--out", str(rendered)]
    if project.config_file:
        args += ["--config", str(project.config_file)]
    assert run(args) == 0
    after_files.update(read_tree(rendered))
    after = preview(_repo(tmp / "after", after_files))
    shutil.rmtree(tmp / "before")
    return before, after, result


@pytest.fixture(scope="module", params=CHOSEN)
def expanded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[dict[str, Any], dict[str, Any], MigrationResult, Project]:
    project = PROJECTS[request.param]
    before, after, result = _expand(project, tmp_path_factory.mktemp(project.name))
    return before, after, result, project


def test_untouched_jobs_expand_as_before(expanded: Any) -> None:
    before, after, result, _ = expanded
    migrated = {j.name for j in result.jobs if j.status == "migrated"}
    assert migrated, "every chosen project migrates at least one job"
    for name, job in before.items():
        if name not in migrated:
            assert after.get(name) == job, f"{name} expands differently after the migration"
    assert set(after) - set(before) <= {n for n in after if n.startswith(".")}


def _root_data(project: Project) -> dict[str, Any]:
    """The root CI file as GitLab reads it (reused anchors, duplicate keys: last wins)."""
    return parse_ci_file(".gitlab-ci.yml", (project.input / ".gitlab-ci.yml").read_bytes()).data


def _default_section(project: Project) -> dict[str, Any]:
    """``default:`` of the root CI file: gitlab-ci-local's preview shows only ``image`` (and
    services, scripts) of it on jobs, while GitLab applies every key, so the keys a job gets
    from ``default:`` are added here by hand."""
    with warnings.catch_warnings():  # an anchor name defined twice is valid YAML
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        yaml = YAML(typ="rt")
        yaml.allow_duplicate_keys = True  # GitLab accepts them (only default: is read here)
        data = yaml.load((project.input / ".gitlab-ci.yml").read_bytes())
    section = data.get("default") or {}
    return {k: v for k, v in section.items() if k in ("retry", "interruptible", "timeout")}


def test_rewritten_jobs_keep_their_own_keys(expanded: Any) -> None:
    before, after, result, project = expanded
    config = project.config()
    defaults = _default_section(project)
    for outcome in _declarative(result):
        old, new = {**defaults, **before[outcome.name]}, after[outcome.name]
        assert new["tags"] == list(config.runner.tags)
        assert new["script"][-1] == (FUNCTION if _promotes(outcome.changes)
                                     else '. "$RUNNER_EXT_ENTRYPOINT"')
        assert not new.get("services")
        carried = any(c.startswith("keeps ") for c in outcome.changes)
        assert bool(new.get("before_script")) == carried, outcome.name
        for key in COMPARED:
            default = "test" if key == "stage" else None  # GitLab's stage for jobs without one
            assert new.get(key, default) == old.get(key, default), f"{outcome.name}: {key}"
        kept = {k: v for k, v in (old.get("variables") or {}).items()
                if not k.startswith("DOCKER_")}
        assert kept.items() <= new["variables"].items()


def _declarative(result: MigrationResult) -> list[Any]:
    """The jobs that became the template's build or promote job (the shim keeps scripts)."""
    return [j for j in result.jobs if j.status == "migrated" and j.strategy == "declarative"
            and not j.name.startswith(".")]


def test_shim_jobs_keep_their_script(expanded: Any) -> None:
    """A shim job expands to its own script and keys; only the image, services, tags and
    the before_script lines that installed the Docker image's packages differ."""
    before, after, result, project = expanded
    config = project.config()
    defaults = _default_section(project)
    for outcome in (j for j in result.jobs if j.status == "migrated" and j.strategy == "shim"):
        old, new = {**defaults, **before[outcome.name]}, after[outcome.name]
        assert new["script"] == old["script"]
        assert new["tags"] == list(config.runner.tags) and not new.get("services")
        assert new["image"] in (config.engines.shim.executor,
                                {"name": config.engines.shim.executor})
        installs = ("apk ", "apt-get ", "apt ", "yum ", "dnf ")
        kept = ["".join(line for line in item.splitlines(keepends=True)
                        if not line.startswith(installs))
                for item in old.get("before_script") or []]
        assert [i.strip() for i in new.get("before_script") or []] == [
            i.strip() for i in kept if i.strip()]
        for key in sorted(set(COMPARED) - {"tags", "before_script"}):
            default = "test" if key == "stage" else None
            assert new.get(key, default) == old.get(key, default), f"{outcome.name}: {key}"


def _promotes(changes: tuple[str, ...]) -> bool:
    return any(c.startswith("copies ") for c in changes)


def _check_promotion(outcome: Any, job: dict[str, Any]) -> None:
    """A promote job copies from the pulled image to the pushed tags."""
    copies = next(c for c in outcome.changes if c.startswith("copies "))
    source, _, rest = copies.removeprefix("copies ").partition(" to ")
    assert job["variables"][FROM_VARIABLE] == source
    if not any(f"{TO_VARIABLE}=" in line for line in job.get("before_script") or []):
        destinations = rest.removesuffix(_COPY_SUFFIX).split(", ")
        assert job["variables"][TO_VARIABLE].split() == destinations


_COPY_SUFFIX = " with skopeo, registry to registry (digests kept, every platform)"


def test_rewritten_jobs_push_what_the_script_pushed(expanded: Any) -> None:
    _, after, result, _ = expanded
    for outcome in _declarative(result):
        if _promotes(outcome.changes):
            _check_promotion(outcome, after[outcome.name])
            continue
        if after[outcome.name]["variables"].get("RUNNER_EXT_PUSH") == "false":
            assert not any(c.startswith("pushes ") for c in outcome.changes), outcome.name
            continue  # a build check: test_migrated_jobs_push_the_same_set
        pushed = next(c for c in outcome.changes if c.startswith("pushes "))
        if any("RUNNER_EXT_DESTINATIONS=" in line
               for line in after[outcome.name].get("before_script") or []):
            continue  # computed in the job's shell: test_migrated_jobs_push_the_same_set
        variables = after[outcome.name]["variables"]
        destinations = variables["RUNNER_EXT_DESTINATIONS"].split()
        assert destinations == pushed.removeprefix("pushes ").split(", ")
        assert variables["RUNNER_EXT_DOCKERFILE"] == outcome.dockerfile


# The push-set oracle. The original job's script runs in bash with a recording `docker`;
# the migrated job's before_script runs the same way and its RUNNER_EXT_DESTINATIONS (what
# the template pushes) is read back. Both, in each kind of pipeline, must push the same set.
PIPELINES = {
    "default branch": {"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main",
                       "CI_COMMIT_REF_SLUG": "main"},
    "feature branch": {"CI_COMMIT_BRANCH": "feat/x", "CI_COMMIT_REF_NAME": "feat/x",
                       "CI_COMMIT_REF_SLUG": "feat-x"},
    "tag": {"CI_COMMIT_TAG": "v1.2.3", "CI_COMMIT_REF_NAME": "v1.2.3",
            "CI_COMMIT_REF_SLUG": "v1-2-3"},
}
_COMMON = {"CI_DEFAULT_BRANCH": "main", "CI_REGISTRY": "registry.example.com",
           "CI_REGISTRY_IMAGE": "registry.example.com/group/app", "CI_COMMIT_SHA": "0" * 40,
           "CI_COMMIT_SHORT_SHA": "00000000", "CI_PIPELINE_IID": "7",
           "CI_REGISTRY_USER": "user", "CI_REGISTRY_PASSWORD": "pw", "CI_PROJECT_DIR": "."}
_FAKE_DOCKER = r'''
docker() {
  sub=$1; shift
  case "$sub" in
    buildx) sub=$1; shift ;;
  esac
  case "$sub" in
    push) for a; do case "$a" in -*) ;; *) echo "$a" >> "$PUSHES" ;; esac; done ;;
    build)
      push=; tags=
      while [ $# -gt 0 ]; do
        case "$1" in
          --push) push=1 ;;
          -t|--tag) tags="$tags $2"; shift ;;
          --tag=*) tags="$tags ${1#--tag=}" ;;
        esac
        shift
      done
      [ -n "$push" ] && for t in $tags; do echo "$t" >> "$PUSHES"; done ;;
  esac
  return 0
}
'''


# A recording Kaniko executor: what it would push (every --destination, unless --no-push).
# The job's /kaniko/ paths point into the test's folder, so nothing is written outside it.
_FAKE_EXECUTOR = r'''#!/bin/sh
push=1; dests=
while [ $# -gt 0 ]; do
  case "$1" in
    --no-push|--no-push=true) push= ;;
    -d|--destination) dests="$dests $2"; shift ;;
    --destination=*) dests="$dests ${1#--destination=}" ;;
  esac
  shift
done
[ -n "$push" ] && for d in $dests; do echo "$d" >> "$PUSHES"; done
exit 0
'''


def _kaniko(lines: list[str], tmp: Path) -> list[str]:
    """The job's lines with ``/kaniko/`` moved into ``tmp`` and a recording executor there."""
    executor = tmp / "kaniko" / "executor"
    (tmp / "kaniko" / ".docker").mkdir(parents=True, exist_ok=True)
    executor.write_text(_FAKE_EXECUTOR)
    executor.chmod(0o755)
    return [line.replace("/kaniko/", f"{tmp}/kaniko/") for line in lines]


def _run(lines: list[str], variables: dict[str, Any], env: dict[str, str], tail: str,
         tmp: Path, *, must_pass: bool = True) -> set[str]:
    pushes = tmp / "pushes"
    pushes.write_text("")
    exports = "".join(f"export {k}={shlex.quote(str(v))}\n" for k, v in variables.items())
    script = _FAKE_DOCKER + exports + "\n".join(_kaniko(lines, tmp)) + "\n" + tail
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp,
                          env={"PATH": "/usr/bin:/bin", "PUSHES": str(pushes), **env})
    assert done.returncode == 0 or not must_pass, done.stderr
    return {_normalized(r) for r in pushes.read_text().split()}


def _normalized(ref: str) -> str:
    return ref if ":" in ref.rsplit("/", 1)[-1] else f"{ref}:latest"


def _expanded_vars(variables: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    values = dict(env)
    for _ in range(5):  # GitLab expands job variables that refer to others
        values.update({k: re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
                                 lambda m: values.get(m.group(1), ""), str(v))
                       for k, v in variables.items()})
    return {k: values[k] for k in variables}


def _global_variables(project: Project) -> dict[str, Any]:
    """The root CI file's own ``variables:`` (the preview shows jobs without them)."""
    data = _root_data(project)
    found = data.get("variables") or {}
    return {k: v.get("value", "") if isinstance(v, dict) else v for k, v in found.items()}


def test_migrated_jobs_push_the_same_set(expanded: Any, tmp_path: Path) -> None:
    before, after, result, project = expanded
    top = _global_variables(project)
    for outcome in _declarative(result):
        old, new = before[outcome.name], after[outcome.name]
        for kind, pipeline in PIPELINES.items():
            env = {**_COMMON, **pipeline}
            original = _run([*(old.get("before_script") or []), *old["script"]],
                            _expanded_vars({**top, **(old.get("variables") or {})}, env), env,
                            "", tmp_path, must_pass=False)  # a failing original pushes too
            variables = _expanded_vars({**top, **(new.get("variables") or {})}, env)
            pushes = TO_VARIABLE if _promotes(outcome.changes) else "RUNNER_EXT_DESTINATIONS"
            migrated = _run(new.get("before_script") or [], variables, env,
                            f'[ "$RUNNER_EXT_PUSH" = false ] || '
                            f'printf "%s\\n" ${pushes} >> "$PUSHES"', tmp_path)
            assert original == migrated, f"{outcome.name} in a {kind} pipeline"
