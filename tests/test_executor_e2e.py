"""End to end, for real: the sample project's build job, run by gitlab-ci-local, runs our
rendered template and entrypoint with real Buildah against a real registry.

Each build gets a fresh Buildah storage and work directory, as a fresh build pod would, so
whatever the second build reuses can only have come from the registry's cache repo.
Run with ``pytest -m e2e -s`` to see the wall times of the first and the cached build.
"""

from __future__ import annotations

import base64
import gzip
import io
import re
import secrets
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner_ext.lab.buildah import Storage, push_base_image
from runner_ext.lab.project import (
    FileVariable,
    JobRun,
    Project,
    sample_config,
    sample_variables,
)
from runner_ext.lab.registry import Registry, make_ca, running_registry

pytestmark = pytest.mark.e2e

USER = "ci-builder"
PASSWORD = f"canary-{secrets.token_hex(6)}"
WRONG = f"wrong-{secrets.token_hex(6)}"
NAME = "group/sample"  # from the project's git remote, as GitLab derives CI_REGISTRY_IMAGE
BASE = "platform/base/busybox"


@dataclass
class Build:
    """One run of the build job and what it left behind."""

    run: JobRun
    sha: str
    work: Path
    dotenv: dict[str, str]
    cache_tags: list[str]


@dataclass
class Sample:
    """The sample project, its registry, and its builds."""

    registry: Registry
    project: Project
    folder: Path
    first: Build
    second: Build
    wrong: JobRun


def _build(sample: Project, registry: Registry, folder: Path, name: str) -> Build:
    variables = sample_variables(registry, folder, name, USER, PASSWORD)
    run = sample.run_job(["build-image", "show-image"], variables)
    Storage(folder / f"storage-{name}").remove()
    assert run.returncode == 0, run.output[-4000:]
    sha = sample.commit_sha()
    return Build(run, sha, folder / f"work-{name}", sample.dotenv(),
                 registry.tags(f"{NAME}/cache"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    folder = tmp_path_factory.mktemp("e2e-buildah")
    with running_registry(folder / "registry", user=USER, password=PASSWORD) as registry:
        push_base_image(registry, f"{registry.host}/{BASE}:1.36", folder / "base")
        project = Project.create(folder, sample_config(registry))
        first = _build(project, registry, folder, "first")
        main_sh = project.root / "src" / "main.sh"
        main_sh.write_text(main_sh.read_text().replace("version 1", "version 2"))
        project.commit("change one source file")
        second = _build(project, registry, folder, "second")
        wrong = project.run_job(["build-image"],
                                sample_variables(registry, folder, "wrong", USER, WRONG))
        Storage(folder / "storage-wrong").remove()
        print(f"\nsample build-image job: first {_job_seconds(first.run)}, second after a "
              f"one-file change {_job_seconds(second.run)} (whole gitlab-ci-local runs with "
              f"show-image: {first.run.seconds:.1f} s, {second.run.seconds:.1f} s)")
        yield Sample(registry, project, folder, first, second, wrong)


def _job_seconds(run: JobRun) -> str:
    """The build job's own duration as gitlab-ci-local reports it."""
    found = re.search(r"build-image\s+finished in ([0-9.]+ m?s)", run.output)
    return found.group(1) if found else "?"


def _steps(log: str) -> dict[int, str]:
    """Buildah's output by Dockerfile step number."""
    parts = re.split(r"STEP (\d+)/\d+: ", log)
    return {int(n): text for n, text in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_expected_tag_is_pushed(sample: Sample) -> None:
    registry = sample.registry
    for build in (sample.first, sample.second):
        expected = [f"{registry.host}/{NAME}:{t}" for t in (build.sha, "main", "latest")]
        assert build.dotenv["RUNNER_EXT_BUILT_TAGS"].split() == expected
        for reference in expected:
            assert registry.has_manifest(NAME, reference.rsplit(":", 1)[1]), reference


def test_dotenv_digest_is_the_registry_digest(sample: Sample) -> None:
    for build in (sample.first, sample.second):
        digest = build.dotenv["RUNNER_EXT_BUILT_DIGEST"]
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
        for tag in (build.sha,):
            assert sample.registry.manifest(NAME, tag)[0] == digest
        image = f"{sample.registry.host}/{NAME}@{digest}"
        assert build.dotenv["RUNNER_EXT_BUILT_IMAGE"] == image
        # The later job received the report as variables.
        assert f"built {image}" in build.run.log
    assert sample.registry.manifest(NAME, "latest")[0] == \
        sample.second.dotenv["RUNNER_EXT_BUILT_DIGEST"]


def test_cache_repo_holds_layers(sample: Sample) -> None:
    tags = sample.first.cache_tags
    assert len(tags) >= 4  # one per cached step
    for tag in tags:
        layers = sample.registry.layers(f"{NAME}/cache", tag)
        assert layers
        assert sample.registry.get(f"{NAME}/cache/blobs/{layers[-1]}").ok


def test_second_build_reuses_the_unchanged_steps(sample: Sample) -> None:
    first, second = _steps(sample.first.run.log), _steps(sample.second.run.log)
    # WORKDIR, COPY deps.txt, RUN restore: unchanged, served from the registry cache.
    for step in (2, 3, 4):
        assert "Pushing cache" in first[step]
        pulled = re.search(r"Cache pulled from remote \S+/cache:([0-9a-f]{64})", second[step])
        assert pulled, second[step]
        assert pulled.group(1) in sample.first.cache_tags
    # COPY src/, RUN build: the changed file invalidates them.
    for step in (5, 6):
        assert "Cache pulled" not in second[step]
        assert "Pushing cache" in second[step]
    assert set(sample.first.cache_tags) < set(sample.second.cache_tags)
    assert sample.first.dotenv["RUNNER_EXT_BUILT_DIGEST"] != \
        sample.second.dotenv["RUNNER_EXT_BUILT_DIGEST"]
    first_layers = sample.registry.layers(NAME, sample.first.sha)
    second_layers = sample.registry.layers(NAME, sample.second.sha)
    # base, COPY deps.txt (with WORKDIR's folder), RUN restore, COPY src/, RUN build
    assert len(first_layers) == len(second_layers) == 5
    assert first_layers[:3] == second_layers[:3]
    assert first_layers[3] != second_layers[3] and first_layers[4] != second_layers[4]


def test_wrong_password_fails_with_the_diagnosis(sample: Sample) -> None:
    wrong = sample.wrong
    assert wrong.returncode != 0
    assert re.search(r"build-image .*FAIL\s+125", wrong.output)
    lines = re.findall(r"runner-ext: build failed.*", wrong.log)
    assert lines == ["runner-ext: build failed (exit 125): the registry rejected the credentials "
                     "(401) while pulling the base image: check CI_REGISTRY_USER/"
                     "CI_REGISTRY_PASSWORD, or add the registry to RUNNER_EXT_REGISTRY_AUTH"]


def _secret_forms(password: str) -> list[bytes]:
    plain = f"{USER}:{password}"
    return [password.encode(), base64.b64encode(plain.encode())]


def _image_bytes(registry: Registry, reference: str) -> Iterator[tuple[str, bytes]]:
    """The config (history, env, labels) and every file of every layer of an image."""
    _, manifest = registry.manifest(NAME, reference)
    yield "config", registry.blob(NAME, manifest["config"]["digest"])
    for layer in manifest["layers"]:
        data = registry.blob(NAME, layer["digest"])
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        yield f"layer {layer['digest']}", data
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is not None:
                    yield f"{layer['digest']}:{member.name}", handle.read()


def test_canary_password_never_leaks(sample: Sample) -> None:
    forms = _secret_forms(PASSWORD) + _secret_forms(WRONG)
    texts: dict[str, bytes] = {}
    for label, run in (("first", sample.first.run), ("second", sample.second.run),
                       ("wrong", sample.wrong)):
        texts[f"{label} output"] = run.output.encode()
        texts[f"{label} job log"] = run.log.encode()
    texts.update({str(p): data for p, data in sample.project.files_text().items()})
    for work in sample.folder.glob("work-*"):
        texts.update({str(p): p.read_bytes() for p in work.rglob("*") if p.is_file()})
    for build in (sample.first, sample.second):
        texts.update(_image_bytes(sample.registry, build.sha))
    assert len(texts) > 20  # outputs, project files, work files, image config and layers
    leaks = [name for name, data in texts.items() if any(form in data for form in forms)]
    assert leaks == []
    for build in (sample.first, sample.second):
        assert not (build.work / "config.json").exists()


# --- TLS: the org CA from the documented setting, given as a file variable ----------------

def test_tls_registry_with_the_org_ca(tmp_path: Path) -> None:
    tls = make_ca(tmp_path / "tls")
    with running_registry(tmp_path / "registry", user=USER, password=PASSWORD,
                          tls=tls) as registry:
        push_base_image(registry, f"{registry.host}/{BASE}:1.36", tmp_path / "base")
        project = Project.create(tmp_path, sample_config(registry, tls_ca_variable="REGISTRY_CA"))
        variables = sample_variables(registry, tmp_path, "tls", USER, PASSWORD)
        variables["REGISTRY_CA"] = FileVariable(tls.ca_file.read_text())
        run = project.run_job(["build-image"], variables)
        Storage(tmp_path / "storage-tls").remove()
        assert run.returncode == 0, run.output[-4000:]
        assert "--cert-dir" in run.log
        digest = project.dotenv()["RUNNER_EXT_BUILT_DIGEST"]
        assert registry.manifest(NAME, "latest")[0] == digest
        assert registry.tags(f"{NAME}/cache")


def test_build_check_reads_the_cache_and_pushes_nothing(sample: Sample) -> None:
    """``push: false`` (a migrated build check) after a source change: the unchanged steps
    come from the registry cache, the changed ones are built, and neither the image nor
    cache layers are pushed. Runs last: it commits to the sample project."""
    project, registry, folder = sample.project, sample.registry, sample.folder
    main_sh = project.root / "src" / "main.sh"
    main_sh.write_text(main_sh.read_text().replace("version 2", "version 3"))
    project.commit("a change only a build check builds")
    tags, cache = sorted(registry.tags(NAME)), sorted(registry.tags(f"{NAME}/cache"))
    variables = {**sample_variables(registry, folder, "check", USER, PASSWORD),
                 "RUNNER_EXT_PUSH": "false"}
    run = project.run_job(["build-image"], variables)
    Storage(folder / "storage-check").remove()
    assert run.returncode == 0, run.output[-4000:]
    steps = _steps(run.log)
    for step in (2, 3, 4):
        assert "Cache pulled from remote" in steps[step], steps[step]
    for step in (5, 6):
        assert "Cache pulled" not in steps[step] and "Pushing cache" not in steps[step]
    assert "pushed nothing (push is off" in run.log
    assert sorted(registry.tags(NAME)) == tags
    assert project.commit_sha() not in tags
    assert sorted(registry.tags(f"{NAME}/cache")) == cache
