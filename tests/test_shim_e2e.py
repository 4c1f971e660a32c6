"""End to end, for real: the three shim examples (a Makefile, a script with a computed tag, a
compose project with two services) are migrated with ``--strategy shim``, and the migrated
job runs under gitlab-ci-local with the shim's ``docker`` wrapper first on PATH, Debian's
podman and podman-compose doing the builds, against a local registry with htpasswd auth.

Each run gets a fresh containers-storage, as a fresh pod would, so whatever the second run
reuses can only have come from the registry's cache repos. A source file changes between
the runs: the steps above ``COPY src/`` must come from the cache.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import E2E_BASE, E2E_PASSWORD, E2E_USER, REPO, BaseRegistry, require_tool

from runner_ext.config import OrgConfig
from runner_ext.lab.buildah import Storage
from runner_ext.lab.project import FileVariable, JobRun, Project, _git
from runner_ext.lab.registry import Registry
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.rewrite.write import write_changes

pytestmark = pytest.mark.e2e

USER, PASSWORD, BASE = E2E_USER, E2E_PASSWORD, E2E_BASE
WRAPPER = REPO / "executor" / "shim" / "docker"
EXAMPLES = {"shim-make": "image-make", "shim-script": "image-script",
            "shim-compose": "images-compose"}


@dataclass
class Example:
    """One migrated example and its two runs."""

    project: Project
    job: str
    strategy: str
    runs: list[JobRun]
    shas: list[str]


def _wrapper_bin(folder: Path) -> Path:
    """``docker`` and ``docker-compose`` as the shim image has them (links to the wrapper)."""
    bin_dir = folder / "shim-bin"
    bin_dir.mkdir()
    for name in ("docker", "docker-compose"):
        (bin_dir / name).symlink_to(WRAPPER)
    return bin_dir


def _registries_conf(folder: Path, registry: Registry) -> Path:
    """What the org's image or node gives podman for a plain-HTTP registry."""
    path = folder / "registries.conf"
    path.write_text(f'[[registry]]\nlocation = "{registry.host}"\ninsecure = true\n')
    return path


def _variables(folder: Path, registry: Registry, name: str) -> dict[str, str | FileVariable]:
    storage = Storage(folder / f"storage-{name}").create()
    return {
        "CI_REGISTRY": registry.host, "CI_REGISTRY_USER": USER, "CI_REGISTRY_PASSWORD": PASSWORD,
        "RUNNER_EXT_ENTRYPOINT": str(REPO / "executor" / "entrypoint.sh"),
        "RUNNER_EXT_WORK_DIR": str(folder / f"work-{name}"),
        "RUNNER_EXT_STORAGE_DRIVER": "vfs",
        "CONTAINERS_REGISTRIES_CONF": str(_registries_conf(folder, registry)),
        **storage.env(),
    }


def _migrate(example: str, folder: Path) -> tuple[Project, str]:
    root = folder / "project"
    shutil.copytree(REPO / "ci-examples" / example, root)
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    write_changes(root, result.changes)
    (job,) = result.jobs
    _git(root, "init", "-q", "-b", "main")
    # Each example its own project, so its own image and cache repos (GitLab derives
    # CI_REGISTRY_IMAGE from the project path).
    _git(root, "remote", "add", "origin", f"https://gitlab.example.com/group/{example}.git")
    project = Project(root, folder / "gcl-home")
    project.home.mkdir()
    project.commit("migrated example")
    return project, job.strategy


def _run_twice(example: str, folder: Path, registry: Registry, bin_dir: Path) -> Example:
    project, strategy = _migrate(example, folder)
    job = EXAMPLES[example]
    runs, shas = [], []
    for run in ("first", "second"):
        if run == "second":
            for main in project.root.rglob("src/main.sh"):
                main.write_text(main.read_text().replace("version 1", "version 2"))
            project.commit("change the sources")
        shas.append(project.commit_sha())
        runs.append(project.run_job([job], _variables(folder, registry, run),
                                    path_prefix=[bin_dir]))
        Storage(folder / f"storage-{run}").remove()
    return Example(project, job, strategy, runs, shas)


@dataclass
class Lab:
    """The registry and the three examples, each migrated and run twice."""

    registry: Registry
    examples: dict[str, Example]


@dataclass
class Site:
    """The local registry (htpasswd auth) holding the busybox base, and the wrapper's bin."""

    registry: Registry
    folder: Path
    bin_dir: Path


@pytest.fixture(scope="module")
def site(base_registry: BaseRegistry, tmp_path_factory: pytest.TempPathFactory) -> Site:
    require_tool("podman")
    folder = tmp_path_factory.mktemp("e2e-shim")
    return Site(base_registry.registry, folder, _wrapper_bin(folder))


@pytest.fixture(scope="module")
def lab(site: Site) -> Lab:
    for tool in ("podman-compose", "make"):
        require_tool(tool)
    examples = {name: _run_twice(name, site.folder / name, site.registry, site.bin_dir)
                for name in EXAMPLES}
    for name, example in examples.items():
        print(f"\n{name}: first run {example.runs[0].seconds:.1f} s, second run after a "
              f"one-file change {example.runs[1].seconds:.1f} s (whole gitlab-ci-local runs)")
    return Lab(site.registry, examples)


def _expected(lab: Lab, name: str, run: int) -> list[tuple[str, str]]:
    """(repository, tag) pairs each example's job pushes on a run."""
    example, repository = lab.examples[name], f"group/{name}"
    sha = example.shas[run]
    if name == "shim-make":
        return [(repository, sha[:8]), (repository, "latest")]
    if name == "shim-script":
        return [(repository, _git(example.project.root, "rev-parse", "--short", sha))]
    return [(f"{repository}/api", sha[:8]), (f"{repository}/worker", sha[:8])]


def test_examples_are_migrated_with_the_shim_and_run(lab: Lab) -> None:
    for example in lab.examples.values():
        assert example.strategy == "shim"
        ci = (example.project.root / ".gitlab-ci.yml").read_text()
        assert "dind" not in ci and OrgConfig().engines.shim.executor in ci
        for run in example.runs:
            assert run.returncode == 0, run.output[-4000:]
            assert "runner-ext shim: podman build --isolation chroot --layers" in run.log


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_expected_tags_are_pushed(lab: Lab, name: str) -> None:
    for run in (0, 1):
        for repository, tag in _expected(lab, name, run):
            assert lab.registry.has_manifest(repository, tag), f"{repository}:{tag}"
    if name == "shim-make":
        latest = lab.registry.manifest("group/shim-make", "latest")[0]
        second = lab.examples[name].shas[1][:8]
        assert latest == lab.registry.manifest("group/shim-make", second)[0]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_cache_repos_hold_layers(lab: Lab, name: str) -> None:
    for repository in dict.fromkeys(r for r, _ in _expected(lab, name, 0)):
        tags = lab.registry.tags(f"{repository}/cache")
        assert len(tags) >= 3, repository  # one per cached step
        for tag in tags:
            layers = lab.registry.layers(f"{repository}/cache", tag)
            assert layers and lab.registry.get(f"{repository}/cache/blobs/{layers[-1]}").ok


def _builds(log: str) -> list[dict[int, str]]:
    """Each podman build in a job log: its output by Dockerfile step number."""
    builds = []
    for part in log.split("STEP 1/")[1:]:
        pieces = re.split(r"STEP (\d+)/\d+: ", "STEP 1/" + part)
        builds.append({int(n): text for n, text in zip(pieces[1::2], pieces[2::2], strict=True)})
    return builds


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_second_run_takes_the_unchanged_steps_from_the_cache(lab: Lab, name: str) -> None:
    example = lab.examples[name]
    first, second = (_builds(run.log) for run in example.runs)
    images = len(dict.fromkeys(r for r, _ in _expected(lab, name, 0)))
    assert len(first) == len(second) == images
    assert "Cache pulled" not in example.runs[0].log
    for build in second:
        # COPY deps.txt and the slow restore: pulled from the cache repo (a fresh storage).
        for step in (3, 4):
            assert re.search(r"Cache pulled from remote \S+/cache:[0-9a-f]{64}", build[step]), \
                build[step]
        # COPY src/ and what follows: the changed file invalidates them; built and cached.
        for step in (5, 6):
            assert "Cache pulled" not in build[step] and "Pushing cache" in build[step]


def test_password_never_leaks(lab: Lab) -> None:
    for example in lab.examples.values():
        for run in example.runs:
            assert PASSWORD not in run.output and PASSWORD not in run.log
        files = example.project.files_text()
        assert files and not [p for p, data in files.items() if PASSWORD.encode() in data]


# --- docker run in the shim: the job smoke-tests the image it has just built ------------

IMAGE = "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
SMOKE_SCRIPT = [
    f"docker build --build-arg BASE_IMAGE=$CI_REGISTRY/{BASE} -t {IMAGE} .",
    f"docker run --rm {IMAGE} cat /etc/os-release",
    f"docker run -t --rm -v $(pwd):/var/www/html -e SMOKE_GREETING {IMAGE} "
    "sh -c 'cat input.txt; echo \"$SMOKE_GREETING in $(pwd) as $(id -u)\" > smoke-out.txt'",
    f"docker run --rm {IMAGE}",
    f"code=0; docker run --rm {IMAGE} sh -c 'exit 3' || code=$?; echo \"smoke exit code $code\"",
    f"docker push {IMAGE}",
]
SMOKE_FILES = {
    ".gitlab-ci.yml": "smoke:\n  image: docker:27\n  services: [docker:27-dind]\n"
                      "  variables:\n    DOCKER_HOST: tcp://docker:2375\n  script:\n"
                      + "".join(f"    - {line}\n" for line in SMOKE_SCRIPT),
    "Dockerfile": "ARG BASE_IMAGE=busybox:1.36\nFROM ${BASE_IMAGE}\n"
                  "RUN mkdir -p /etc /var/www/html && echo ID=runner-ext-smoke > /etc/os-release\n"
                  "ENV SMOKE_GREETING=from-the-image\nWORKDIR /var/www/html\n"
                  "COPY entry.sh /entry.sh\nENTRYPOINT [\"sh\", \"/entry.sh\"]\n"
                  "CMD [\"echo\", \"the image's own command\"]\n",
    "entry.sh": 'echo "entrypoint: $*"\nexec "$@"\n',
    "input.txt": "a file of the job's checkout\n",
}


@dataclass
class Smoke:
    """The smoke-testing job, migrated with the default strategy and run once."""

    project: Project
    strategy: str
    changes: tuple[str, ...]
    run: JobRun
    containers: str


@pytest.fixture(scope="module")
def smoke(site: Site) -> Smoke:
    folder = site.folder / "smoke"
    root = folder / "project"
    root.mkdir(parents=True)
    for name, text in SMOKE_FILES.items():
        (root / name).write_text(text)
    result = migrate_project(LocalSource(root), config=OrgConfig())
    write_changes(root, result.changes)
    (job,) = result.jobs
    _git(root, "init", "-q", "-b", "main")
    _git(root, "remote", "add", "origin", "https://gitlab.example.com/group/shim-smoke.git")
    project = Project(root, folder / "gcl-home")
    project.home.mkdir()
    project.commit("migrated smoke test")
    variables = {**_variables(folder, site.registry, "run"), "SMOKE_GREETING": "hello-from-job"}
    run = project.run_job(["smoke"], variables, path_prefix=[site.bin_dir])
    storage = Storage(folder / "storage-run")
    containers = subprocess.run(
        [require_tool("buildah"), "--storage-driver", "vfs", "containers", "--quiet"],
        env={**os.environ, **storage.env()}, capture_output=True, text=True, check=True).stdout
    storage.remove()
    print(f"\nshim-smoke: {run.seconds:.1f} s (whole gitlab-ci-local run)")
    return Smoke(project, job.strategy, job.changes, run, containers)


def test_smoke_testing_job_goes_to_the_shim(smoke: Smoke) -> None:
    assert smoke.strategy == "shim"
    (line,) = [c for c in smoke.changes if c.startswith("docker run executed once")]
    assert "chroot isolation" in line
    for run in (s for s in SMOKE_SCRIPT if "docker run" in s):
        assert run in line


def test_smoke_runs_see_the_image_and_the_job_directory(smoke: Smoke) -> None:
    run = smoke.run
    assert run.returncode == 0, run.output[-4000:]
    assert "entrypoint: cat /etc/os-release" in run.log and "ID=runner-ext-smoke" in run.log
    assert "entrypoint: echo the image's own command" in run.log
    assert "a file of the job's checkout" in run.log  # read through the bind mount
    # written through the bind mount, with the job's -e value over the image's ENV
    out = smoke.project.root / "smoke-out.txt"
    assert out.read_text() == "hello-from-job in /var/www/html as 0\n"
    assert run.log.count("runner-ext shim: docker run ") == 4


def test_smoke_exit_code_propagates_and_no_container_is_left(smoke: Smoke) -> None:
    assert "smoke exit code 3" in smoke.run.log
    assert smoke.containers.strip() == ""


def test_smoke_tested_image_is_pushed(site: Site, smoke: Smoke) -> None:
    sha = smoke.project.commit_sha()
    assert site.registry.has_manifest("group/shim-smoke", sha[:8])
    assert PASSWORD not in smoke.run.output and PASSWORD not in smoke.run.log
