"""``render ci``: golden output, GitLab's CI schema, and gitlab-ci-local expansion.

The strongest check is the last one: the expanded job's script, run by a real shell with a
stub ``runner_ext_run``, must produce exactly the planner's command lines for the same build.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, require_tool
from golden import check_golden

from runner_ext.cli.main import run
from runner_ext.config import ENGINES, load_config
from runner_ext.lab.ci_local import copy_tree, git_repo, preview
from runner_ext.planner import plan
from runner_ext.planner.from_config import WORK_DIRS, spec_from_config
from runner_ext.render.ci import CLASSIC, COMPONENT, PROMOTE_COMPONENT, render_ci

GOLDEN = Path(__file__).parent / "golden" / "render_ci"
EXAMPLE = REPO / "runner-ext.example.toml"
CONFIGS = {
    "example": EXAMPLE,
    "buildah-classic": GOLDEN / "buildah-classic.toml",
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_render_golden(case: str) -> None:
    for name, text in render_ci(load_config(CONFIGS[case])).items():
        check_golden(GOLDEN / case / name, text)


def _interpolate_defaults(template: str, given: dict[str, str] | None = None) -> str:
    """Fill ``$[[ inputs.x ]]`` with ``given`` values, else each input's default, as GitLab
    does."""
    header, body = template.split("\n---\n", 1)
    from ruamel.yaml import YAML

    inputs = YAML(typ="safe").load(header)["spec"]["inputs"]

    def value(match: re.Match[str]) -> str:
        if match.group(1) in (given or {}):
            return (given or {})[match.group(1)]
        default = inputs[match.group(1)]["default"]
        return json.dumps(default) if isinstance(default, list) else str(default).lower() \
            if isinstance(default, bool) else str(default)

    return re.sub(r"\$\[\[ inputs\.(\w+) \]\]", value, body)


def test_schema_valid(tmp_path: Path) -> None:
    """Classic file as-is; component header as-is; component body with default inputs."""
    tool = require_tool("check-jsonschema")
    files = render_ci(load_config(EXAMPLE))
    component = files[COMPONENT]
    header = component.split("\n---\n", 1)[0]
    promote = files[PROMOTE_COMPONENT]
    paths = {"classic.yml": files[CLASSIC], "header.yml": header,
             "body.yml": _interpolate_defaults(component).replace(
                 '"build-image":', "build-image:"),
             "promote-header.yml": promote.split("\n---\n", 1)[0],
             "promote-body.yml": _interpolate_defaults(promote, {
                 "from": "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"}).replace(
                 '"promote-image":', "promote-image:")}
    for name, text in paths.items():
        (tmp_path / name).write_text(text)
    done = subprocess.run([tool, "--builtin-schema", "vendor.gitlab-ci",
                           *[str(tmp_path / n) for n in paths]], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_writes_and_dry_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(["render", "ci", "--config", str(EXAMPLE), "--out", str(out), "--dry-run"]) == 0
    assert not out.exists()
    assert "would write" in capsys.readouterr().out
    assert run(["render", "ci", "--config", str(EXAMPLE), "--out", str(out),
                "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["files"]) == sorted(render_ci(load_config(EXAMPLE)))
    assert (out / COMPONENT).is_file() and (out / CLASSIC).is_file()


@pytest.mark.parametrize("bad", [
    ("[build]\nengin = 'kaniko'\n", "build.engin: unknown key"),
    ("[build]\nengine = 'docker'\n", "build.engine: not an allowed value"),
    ("[cache]\nenabled = 'yes'\n", "cache.enabled"),
    ("[cache]\nrepo = 'reg/x:cache'\n", "carries no tag"),
    ("[engines.kaniko]\nimage = 'gcr.io/kaniko-project/executor:latest'\nexecutor = 'r/e:1'\n",
     "not a pin"),
    ("[kaniko]\nsingle_snapshot = true\n", "defeats the layer cache"),
    ("[build\n", "not valid TOML"),
])
def test_bad_config_exit_2_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           bad: tuple[str, str]) -> None:
    text, expected = bad
    config = tmp_path / "runner-ext.toml"
    config.write_text(text)
    out = tmp_path / "out"
    assert run(["render", "ci", "--config", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and str(config) in err
    assert not out.exists()


# --- gitlab-ci-local: the expanded jobs run the planner's command lines ----------------

BUILD = {
    "context": "app",
    "dockerfile": "app/docker/Dockerfile",
    "destinations": ["registry.example.com/g/app:1.0", "registry.example.com/g/app:edge"],
    "build_args": ["VERSION=1.0", "NOTE=two words"],
    "target": "runtime",
    "labels": ["team=web"],
    "cache_repo": "registry.example.com/g/app/cache",
}


def _component_include(engine: str) -> str:
    lines = "\n".join(f"        {v}" for v in BUILD["build_args"])
    destinations = "\n".join(f"        {v}" for v in BUILD["destinations"])
    return f"""
  - local: templates/build/template.yml
    inputs:
      job_name: build-{engine}
      engine: {engine}
      context: {BUILD["context"]}
      dockerfile: {BUILD["dockerfile"]}
      destinations: |
{destinations}
      build_args: |
{lines}
      target: {BUILD["target"]}
      labels: {BUILD["labels"][0]}
      cache_repo: {BUILD["cache_repo"]}"""


def _classic_job(engine: str) -> str:
    return f"""
classic-{engine}:
  extends: .runner-ext-build-{engine}
  rules:
    - if: $CI_COMMIT_BRANCH
  variables:
    RUNNER_EXT_CONTEXT: {BUILD["context"]}
    RUNNER_EXT_DOCKERFILE: {BUILD["dockerfile"]}
    RUNNER_EXT_DESTINATIONS: {json.dumps(chr(10).join(BUILD["destinations"]))}
    RUNNER_EXT_BUILD_ARGS: {json.dumps(chr(10).join(BUILD["build_args"]))}
    RUNNER_EXT_TARGET: {BUILD["target"]}
    RUNNER_EXT_LABELS: {BUILD["labels"][0]}
    RUNNER_EXT_CACHE_REPO: {BUILD["cache_repo"]}
"""


@pytest.fixture(scope="module")
def expanded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("project")
    rendered = tmp_path_factory.mktemp("rendered")
    assert run(["render", "ci", "--config", str(EXAMPLE), "--out", str(rendered)]) == 0
    copy_tree(rendered, root)
    includes = "".join(_component_include(e) for e in ENGINES)
    jobs = "".join(_classic_job(e) for e in ENGINES)
    ci = f"include:{includes}\n  - local: classic/build.yml\n{jobs}"
    return preview(git_repo(root, {".gitlab-ci.yml": ci}))


PLAN_ENV = ("DOCKER_CONFIG", "BUILDKITD_FLAGS", "REGISTRY_AUTH_FILE", "CONTAINERS_REGISTRIES_CONF")
STUB = r"""
runner_ext_run() { for a in "$@"; do printf '%s\036' "$a"; done; printf '\035'; }
"""


def _dquote(value: str) -> str:
    """Double-quote for sh: variable references expand (as GitLab expands them), newlines stay."""
    return '"' + re.sub(r'(["\\`])', r"\\\1", value) + '"'


def run_job_plan(job: dict[str, Any], shell: list[str], extra: str = ""
                 ) -> subprocess.CompletedProcess[str]:
    """Run the job's plan functions in ``shell`` with its variables and a recording stub."""
    exports = "".join(f"export {k}={_dquote(str(v))}\n" for k, v in job["variables"].items())
    script = (
        "CI_PROJECT_DIR=/builds/g/app\nCI_REGISTRY_IMAGE=registry.example.com/g/app\n"
        + exports + extra + job["script"][0] + STUB
        + "runner_ext_prepare\nrunner_ext_plan\nrc=$?\nprintf '\\034'\n"
        + f"for n in {' '.join(PLAN_ENV)}; do eval \"v=\\${{$n-}}\"; "
        + "[ -n \"$v\" ] && printf '%s=%s\\036' \"$n\" \"$v\"; done\nexit $rc\n"
    )
    return subprocess.run([*shell, "-c", script], capture_output=True, text=True, check=False)


def _recorded(done: subprocess.CompletedProcess[str]) -> tuple[list[list[str]], dict[str, str]]:
    assert done.returncode == 0, done.stderr
    commands, env_text = done.stdout.split("\034")
    argv = [c.split("\036")[:-1] for c in commands.split("\035")[:-1]]
    env = dict(item.split("=", 1) for item in env_text.split("\036")[:-1])
    return argv, env


SHELLS = {"sh": ["sh"], "busybox": ["busybox", "sh"]}


def _shell(name: str) -> list[str]:
    argv = SHELLS[name]
    return [require_tool(argv[0]), *argv[1:]]


def _expected(engine: str) -> Any:
    config = load_config(EXAMPLE)
    return plan(spec_from_config(
        config, engine, context=BUILD["context"], destinations=BUILD["destinations"],
        dockerfile=BUILD["dockerfile"], build_args=BUILD["build_args"], target=BUILD["target"],
        labels=BUILD["labels"], cache_repo=BUILD["cache_repo"],
        digest_file=f"{WORK_DIRS[engine]}/image-digest", work_dir=WORK_DIRS[engine],
    ), engine)


@pytest.mark.parametrize("shell", sorted(SHELLS))
@pytest.mark.parametrize("form", ["build", "classic"])
@pytest.mark.parametrize("engine", ENGINES)
def test_expanded_job_runs_the_plan(expanded: dict[str, Any], engine: str, form: str,
                                    shell: str) -> None:
    """busybox sh is what Kaniko's debug image has; sh (dash) stands for the others."""
    job = expanded[f"{form}-{engine}"]
    assert job["tags"] == ["kubernetes"]
    assert job["image"]["name"].endswith(f"/{engine}:0.1.0")
    assert job["artifacts"]["reports"]["dotenv"] == "runner-ext.env"
    assert job["script"][-1] == '. "$RUNNER_EXT_ENTRYPOINT"'
    argv, env = _recorded(run_job_plan(job, _shell(shell)))
    expected = _expected(engine)
    assert argv == expected.argv()
    assert env == expected.environment()


def test_classic_job_keeps_its_own_keys(expanded: dict[str, Any]) -> None:
    assert expanded["classic-kaniko"]["rules"] == [{"if": "$CI_COMMIT_BRANCH"}]
    assert expanded["classic-kaniko"]["stage"] == "build"


@pytest.mark.parametrize("engine", ENGINES)
def test_secret_build_arg_refused_in_the_job(expanded: dict[str, Any], engine: str) -> None:
    job = dict(expanded[f"build-{engine}"])
    job["variables"] = {**job["variables"],
                        "RUNNER_EXT_BUILD_ARGS": "VERSION=1\nnpm_token=canary-5f3a9"}
    done = run_job_plan(job, _shell("busybox"))
    assert done.returncode == 2
    assert "NPM_TOKEN looks like a secret" in done.stderr
    assert "canary-5f3a9" not in done.stderr + done.stdout


def test_cache_off_in_the_job(expanded: dict[str, Any]) -> None:
    job = dict(expanded["build-kaniko"])
    job["variables"] = {**job["variables"], "RUNNER_EXT_CACHE": "false"}
    argv, _ = _recorded(run_job_plan(job, _shell("sh")))
    assert not any(a.startswith("--cache") for a in argv[0])
