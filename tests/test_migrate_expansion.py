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
import shutil
from pathlib import Path
from typing import Any

import pytest
from ci_local import git_repo, preview
from ruamel.yaml import YAML
from test_migrate_support import PROJECTS, Project, read_tree

from runner_ext.cli.main import run
from runner_ext.config import OrgConfig
from runner_ext.migrate import MigrationResult
from runner_ext.migrate.rewrite import KEEP

# The examples, and the cases whose structure matters most for expansion.
CHOSEN = ["example-dotnet", "example-node", "example-python", "case-keep-anchors-references",
          "case-default-inherit", "case-classic-buildah", "case-include-mapping",
          "case-nested-include", "case-rxc105-build-flags",
          "case-extends-docker-setup", "case-shared-template",
          "case-shared-template-fallback", "case-multi-platform"]
# Keys a rewritten job must expand to exactly as before (variables and artifacts gain the
# template's entries; inherit: is what keeps default: services and scripts away).
COMPARED = sorted(KEEP - {"variables", "artifacts", "inherit"})


def _repo(root: Path, files: dict[str, bytes]) -> Path:
    return git_repo(root, {name: data.decode() for name, data in files.items()})


def _local_include(text: str, config: OrgConfig) -> str:
    include = config.include
    text = text.replace(f"component: {include.component}/build@{include.version}",
                        "local: templates/build/template.yml")
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


def _default_section(project: Project) -> dict[str, Any]:
    """``default:`` of the root CI file: gitlab-ci-local's preview shows only ``image`` (and
    services, scripts) of it on jobs, while GitLab applies every key, so the keys a job gets
    from ``default:`` are added here by hand."""
    data = YAML(typ="rt").load((project.input / ".gitlab-ci.yml").read_bytes())
    section = data.get("default") or {}
    return {k: v for k, v in section.items() if k in ("retry", "interruptible", "timeout")}


def test_rewritten_jobs_keep_their_own_keys(expanded: Any) -> None:
    before, after, result, project = expanded
    config = project.config()
    defaults = _default_section(project)
    for outcome in (j for j in result.jobs if j.status == "migrated"
                    and not j.name.startswith(".")):
        old, new = {**defaults, **before[outcome.name]}, after[outcome.name]
        assert new["tags"] == list(config.runner.tags)
        assert new["script"][-1] == '. "$RUNNER_EXT_ENTRYPOINT"'
        assert not new.get("services") and not new.get("before_script")
        for key in COMPARED:
            default = "test" if key == "stage" else None  # GitLab's stage for jobs without one
            assert new.get(key, default) == old.get(key, default), f"{outcome.name}: {key}"
        kept = {k: v for k, v in (old.get("variables") or {}).items()
                if not k.startswith("DOCKER_")}
        assert kept.items() <= new["variables"].items()


def test_rewritten_jobs_push_what_the_script_pushed(expanded: Any) -> None:
    _, after, result, _ = expanded
    for outcome in (j for j in result.jobs if j.status == "migrated"
                    and not j.name.startswith(".")):
        pushed = next(c for c in outcome.changes if c.startswith("pushes "))
        variables = after[outcome.name]["variables"]
        destinations = variables["RUNNER_EXT_DESTINATIONS"].split()
        assert destinations == pushed.removeprefix("pushes ").split(", ")
        assert variables["RUNNER_EXT_DOCKERFILE"] == outcome.dockerfile
