"""The promote job: the planner's skopeo commands, the rendered job that runs them, and the
names of the hidden jobs migrated jobs extend.

The rendered jobs (promote component and classic ``.runner-ext-promote``) are expanded by
gitlab-ci-local, then their script runs in sh and busybox sh with the real entrypoint (its
auth writer) and a recording ``skopeo``: the commands must be exactly the planner's.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, require_tool
from test_migrate_support import PROJECTS

from runner_ext.cli.main import run
from runner_ext.config import load_config
from runner_ext.config.model import BUILD_JOB, PROMOTE_JOB, OrgConfig
from runner_ext.errors import Category, RunnerExtError
from runner_ext.lab.ci_local import copy_tree, git_repo, preview
from runner_ext.planner.from_config import WORK_DIRS, registry_options
from runner_ext.planner.promote import (
    FROM_VARIABLE,
    FUNCTION,
    TO_VARIABLE,
    Promotion,
    promote_commands,
)
from runner_ext.render.ci import CLASSIC, render_ci

EXAMPLE = REPO / "runner-ext.example.toml"
ENTRYPOINT = REPO / "executor" / "entrypoint.sh"
SOURCE = "registry.example.com/g/app:0123abcd"
DESTINATIONS = ("registry.example.com/g/app:stable", "registry.example.com/g/app:v1.0")
CI = f"""include:
  - local: templates/promote/template.yml
    inputs:
      job_name: promote-component
      from: {SOURCE}
      to: {" ".join(DESTINATIONS)}
  - local: classic/build.yml

promote-classic:
  extends: {PROMOTE_JOB}
  variables:
    {FROM_VARIABLE}: {SOURCE}
    {TO_VARIABLE}: |
      {DESTINATIONS[0]}
      {DESTINATIONS[1]}
"""
# A skopeo that records its argv in $RECORD (fields end in \036, commands in \035).
STUB = r"""
skopeo() {
  { printf 'skopeo\036'; for a in "$@"; do printf '%s\036' "$a"; done; printf '\035'
  } >> "$RECORD"
}
"""


def test_commands_copy_every_platform_keeping_digests() -> None:
    config = load_config(EXAMPLE)
    commands = promote_commands(Promotion(SOURCE, DESTINATIONS), "/w",
                                registry_options(config))
    assert [c[-2:] for c in commands] == [[f"docker://{SOURCE}", f"docker://{d}"]
                                          for d in DESTINATIONS]
    for argv in commands:
        assert argv[0] == "skopeo" and "copy" in argv
        assert {"--all", "--preserve-digests"} <= set(argv)
        assert argv[argv.index("--authfile") + 1] == "/w/auth.json"


@pytest.mark.parametrize(("source", "destinations", "message"), [
    ("Registry.example.com/G/App:1", ("registry.example.com/g/app:2",), "not an image reference"),
    (SOURCE, ("--dest-creds=x:y",), "not an image reference"),
    (SOURCE, (), "needs at least one destination"),
    (SOURCE, (SOURCE,), "the source is also a destination"),
])
def test_bad_promotions_are_refused(source: str, destinations: tuple[str, ...],
                                    message: str) -> None:
    with pytest.raises(RunnerExtError) as caught:
        promote_commands(Promotion(source, destinations), "/w", registry_options(OrgConfig()))
    assert caught.value.category is Category.PLAN and message in str(caught.value)


def test_plan_command_prints_the_copies(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "--promote-from", SOURCE, *[a for d in DESTINATIONS for a in ("-d", d)],
                "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["argv"] == promote_commands(
        Promotion(SOURCE, DESTINATIONS), WORK_DIRS["buildah"], registry_options(OrgConfig()))
    assert run(["plan", "--promote-from", "-x", "-d", DESTINATIONS[0]]) == 2


@pytest.fixture(scope="module")
def expanded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("project")
    rendered = tmp_path_factory.mktemp("rendered")
    assert run(["render", "ci", "--config", str(EXAMPLE), "--out", str(rendered)]) == 0
    copy_tree(rendered, root)
    return preview(git_repo(root, {".gitlab-ci.yml": CI}))


def _run(job: dict[str, Any], shell: str, work: Path, **overrides: str
         ) -> subprocess.CompletedProcess[str]:
    variables = {**job["variables"], "RUNNER_EXT_ENTRYPOINT": str(ENTRYPOINT),
                 "RUNNER_EXT_WORK_DIR": str(work), "CI_REGISTRY": "registry.example.com",
                 "CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": "canary-9d1e",
                 "RECORD": str(work / "record"), **overrides}
    exports = "".join(f"export {k}={shlex.quote(str(v))}\n" for k, v in variables.items())
    script = exports + STUB + "\n".join(job["script"]) + "\n"
    argv = [require_tool("busybox"), "sh"] if shell == "busybox" else ["sh"]
    return subprocess.run([*argv, "-c", script], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("shell", ["sh", "busybox"])
@pytest.mark.parametrize("job_name", ["promote-component", "promote-classic"])
def test_rendered_job_runs_the_planner_commands(expanded: dict[str, Any], job_name: str,
                                                shell: str, tmp_path: Path) -> None:
    job = expanded[job_name]
    config = load_config(EXAMPLE)
    assert job["image"]["name"] == config.engines.shim.executor
    assert job["tags"] == list(config.runner.tags) and job["script"][-1] == FUNCTION
    done = _run(job, shell, tmp_path)
    assert done.returncode == 0, done.stderr
    record = (tmp_path / "record").read_text()
    recorded = [c.split("\036")[:-1] for c in record.split("\035")[:-1]]
    assert recorded == promote_commands(Promotion(SOURCE, DESTINATIONS), str(tmp_path),
                                     registry_options(config))
    assert not (tmp_path / "auth.json").exists()  # removed after the copies
    assert "canary-9d1e" not in done.stdout + done.stderr


@pytest.mark.parametrize(("overrides", "code", "said"), [
    ({TO_VARIABLE: "registry.example.com/g/app:ok --all-tags"}, 2,
     "RUNNER_EXT_PROMOTE_TO is not an image reference"),
    ({FROM_VARIABLE: "registry.example.com/g/app:1;id"}, 2,
     "RUNNER_EXT_PROMOTE_FROM is not an image reference"),
    ({TO_VARIABLE: ""}, 0, "nothing to promote in this pipeline"),
])
def test_rendered_job_checks_its_variables(expanded: dict[str, Any], tmp_path: Path,
                                           overrides: dict[str, str], code: int,
                                           said: str) -> None:
    done = _run(expanded["promote-classic"], "busybox", tmp_path, **overrides)
    assert done.returncode == code and said in done.stdout + done.stderr
    assert not (tmp_path / "record").exists()  # skopeo never ran


# --- the hidden jobs migrated jobs extend are the ones render ci defines ---------------

def _extends(data: dict[str, Any]) -> set[str]:
    found = set()
    for value in data.values():
        if isinstance(value, dict):
            parents = value.get("extends", [])
            found |= {parents} if isinstance(parents, str) else set(parents)
    return found


@pytest.mark.parametrize("case", ["case-classic-job-template", "case-promote-guarded-classic",
                                  "case-classic-buildah"])
def test_classic_jobs_extend_jobs_the_rendered_include_defines(case: str) -> None:
    """A custom ``include.job_template`` is defined by ``render ci`` (it was not)."""
    from ruamel.yaml import YAML

    project = PROJECTS[case]
    config = project.config()
    classic = YAML(typ="safe").load(render_ci(config)[CLASSIC])
    migrated = project.migrate()
    assert migrated.changes
    for text in migrated.changes.values():
        data = YAML(typ="safe").load(text)
        own = set(data)
        assert _extends(data) - own <= set(classic), case


@pytest.mark.parametrize(("name", "said"), [
    ("acme-build", "must be a hidden job name"),
    (".acme build", "must be a hidden job name"),
    (PROMOTE_JOB, "a job the rendered templates define already"),
    (f"{BUILD_JOB}-kaniko", "a job the rendered templates define already"),
])
def test_job_template_must_be_a_free_hidden_job_name(tmp_path: Path, name: str,
                                                     said: str) -> None:
    config = tmp_path / "runner-ext.toml"
    config.write_text(f'[include]\nmode = "project"\njob_template = "{name}"\n')
    with pytest.raises(RunnerExtError) as caught:
        load_config(config)
    assert said in str(caught.value)
