"""Kaniko and BuildKit cannot run here, so their jobs run against recording fakes.

The sample project's build job (our rendered component with engine kaniko or buildkit) runs
in gitlab-ci-local exactly as for Buildah; the engine binary it reaches is a fake that records
argv, environment, auth file and work files. They must equal the planner's plan for the same
concrete build. Kaniko's plan calls ``/kaniko/executor`` by absolute path, so that job runs
in a private mount namespace where ``/kaniko`` holds the fake (``e2e/rootview.py``).

The executor-image publishing example is exercised the same way, and its Buildah job for
real, against a real registry.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from e2e import fake_engine
from e2e.rootview import with_directory

from runner_ext import __version__
from runner_ext.config import load_config
from runner_ext.lab.project import ENTRYPOINT, SAMPLE, FileVariable, Project
from runner_ext.planner import BuildPlan, plan
from runner_ext.planner.from_config import spec_from_config

pytestmark = pytest.mark.e2e

REGISTRY = "registry.example.com"
IMAGE = f"{REGISTRY}/group/sample"
PASSWORD = "canary-contract-51d0e"
MORE_REGISTRIES = "ghcr.io ghbot canary-contract-gh\n"
ENGINE_BINARY = {"kaniko": "/kaniko/executor", "buildkit": "buildctl-daemonless.sh"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def contract_config(tmp: Path) -> str:
    """The sample's org config plus registry settings that make the plans write files."""
    ca = tmp / "org-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nnot a real certificate\n"
                  "-----END CERTIFICATE-----\n")
    return (SAMPLE / "runner-ext.toml").read_text() + (
        f'\n[registry]\ninsecure = ["127.0.0.1:5999"]\nca_file = "{ca}"\n'
        f'ca_hosts = ["{REGISTRY}"]\n')


def sample_project(tmp: Path, engine: str) -> Project:
    """The Buildah sample with its component include switched to ``engine``."""
    text = (SAMPLE / ".gitlab-ci.yml").read_text()
    assert "engine: buildah" in text
    return Project.create(tmp, contract_config(tmp),
                          gitlab_ci=text.replace("engine: buildah", f"engine: {engine}"))


def executor_project(tmp: Path, config_text: str) -> Project:
    """The platform project: the publishing example, executor/, and the templates at its
    root (``render ci --out .``), which the example includes as ``/classic/build.yml``."""
    source = tmp / "platform-project"
    shutil.copytree(REPO / "ci-examples" / "executor-image", source)
    shutil.copytree(REPO / "executor", source / "executor")
    return Project.create(tmp, config_text, sample=source, templates=".")


class Harness:
    """A project's jobs run against a fake of ``engine``'s binary."""

    def __init__(self, tmp: Path, engine: str, project: Project) -> None:
        self.tmp, self.engine, self.project = tmp, engine, project
        self.config_path = tmp / "runner-ext.toml"
        self.work = tmp / "work"
        self.records = tmp / "records"
        fakes = tmp / "fakes"
        fake_engine.install(fakes, ENGINE_BINARY[engine], self.records)
        if engine == "kaniko":
            self.wrapper = with_directory("/kaniko", fakes, tmp / "root")
            self.path: list[Path] = []
        else:
            self.wrapper, self.path = [], [fakes]

    def run(self, job: str = "build-image", **extra: str | FileVariable) -> Any:
        """Run the job with registry credentials and our entrypoint and work dir."""
        variables: dict[str, str | FileVariable] = {
            "CI_REGISTRY": REGISTRY, "CI_REGISTRY_USER": "gitlab-ci-token",
            "CI_REGISTRY_PASSWORD": PASSWORD,
            "RUNNER_EXT_REGISTRY_AUTH": FileVariable(MORE_REGISTRIES),
            "RUNNER_EXT_ENTRYPOINT": str(ENTRYPOINT), "RUNNER_EXT_WORK_DIR": str(self.work),
            **extra,
        }
        return self.project.run_job([job], variables, path_prefix=self.path,
                                    wrapper=self.wrapper)

    def expected(self, **spec: Any) -> BuildPlan:
        """The planner's plan for the concrete build this job should run."""
        sha = self.project.commit_sha()
        build = {
            "context": str(self.project.root),
            "destinations": [f"{IMAGE}:{sha}", f"{IMAGE}:main", f"{IMAGE}:latest"],
            "build_args": [f"BASE_IMAGE={REGISTRY}/platform/base/busybox:1.36"],
            "cache_repo": f"{IMAGE}/cache",
            **spec,
        }
        return plan(spec_from_config(
            load_config(self.config_path), self.engine,  # type: ignore[arg-type]
            digest_file=f"{self.work}/image-digest", work_dir=str(self.work), **build,
        ), self.engine)

    def calls(self) -> list[dict[str, Any]]:
        """What the fake engine received."""
        return fake_engine.calls(self.records)  # type: ignore[return-value]


def _assert_matches_plan(harness: Harness, expected: BuildPlan) -> None:
    calls = harness.calls()
    assert [c["argv"] for c in calls] == expected.argv()
    for call in calls:
        assert call["env"] == expected.environment()
        assert call["cwd"] == str(harness.project.root)
        files = call["files"]
        for path, content in expected.file_contents().items():
            assert files.pop(path) == content + "\n"
        for path, source in expected.file_copies().items():
            assert files.pop(path) == Path(source).read_text()
        assert files == {}, "files the plan does not name"
        auth = call["auth"]
        assert auth["path"] == f"{harness.work}/config.json"
        assert auth["mode"] == 0o600
        assert auth["content"] == {"auths": {
            "ghcr.io": {"auth": _b64("ghbot:canary-contract-gh")},
            REGISTRY: {"auth": _b64(f"gitlab-ci-token:{PASSWORD}")},
        }}


@pytest.mark.parametrize("engine", ["kaniko", "buildkit"])
def test_job_runs_the_planned_command(tmp_path: Path, engine: str) -> None:
    harness = Harness(tmp_path, engine, sample_project(tmp_path, engine))
    done = harness.run()
    assert done.returncode == 0, done.output[-3000:]
    _assert_matches_plan(harness, harness.expected())
    digest_file = harness.work / "image-digest"
    report = harness.project.dotenv()
    assert report["RUNNER_EXT_BUILT_DIGEST"] in digest_file.read_text()
    assert report["RUNNER_EXT_BUILT_IMAGE"] == f"{IMAGE}@{report['RUNNER_EXT_BUILT_DIGEST']}"
    assert not (harness.work / "config.json").exists()
    everything = done.output + done.log + "".join(
        data.decode(errors="replace") for data in harness.project.files_text().values())
    for secret in (PASSWORD, _b64(f"gitlab-ci-token:{PASSWORD}"), "canary-contract-gh"):
        assert secret not in everything


def test_kaniko_push_refused_is_diagnosed(tmp_path: Path) -> None:
    harness = Harness(tmp_path, "kaniko", sample_project(tmp_path, "kaniko"))
    harness.records.mkdir(parents=True, exist_ok=True)
    (harness.records / "fail.json").write_text(
        '{"code": 1, "output": "error checking push permissions -- make sure you entered the '
        'correct tag name, and that you are authenticated correctly, and try again: checking '
        'push permission for \\"registry.example.com/group/sample:main\\": POST '
        'https://registry.example.com/v2/group/sample/blobs/uploads/: UNAUTHORIZED: '
        'authentication required"}')
    done = harness.run()
    assert done.returncode != 0
    assert "runner-ext: build failed (exit 1): the registry rejected the credentials (401) " \
           "while pushing the image" in done.log


# --- the executor-image publishing example -------------------------------------------

@pytest.mark.parametrize("engine", ["kaniko", "buildkit", "buildah"])
def test_executor_images_are_built_with_kaniko(tmp_path: Path, engine: str) -> None:
    project = executor_project(tmp_path, contract_config(tmp_path))
    harness = Harness(tmp_path, "kaniko", project)
    done = harness.run(f"executor-{engine}")
    assert done.returncode == 0, done.output[-3000:]
    image = f"{IMAGE}/executor/{engine}"
    sha = project.commit_sha()
    engine_image = load_config(harness.config_path).image_for(engine).image  # type: ignore[arg-type]
    _assert_matches_plan(harness, harness.expected(
        context=f"{project.root}/executor", dockerfile=f"executor/{engine}/Dockerfile",
        destinations=[f"{image}:{sha}", f"{image}:main", f"{image}:latest",
                      f"{image}:{__version__}"],
        build_args=[f"ENGINE_IMAGE={engine_image}"], cache_repo=f"{image}/cache"))
