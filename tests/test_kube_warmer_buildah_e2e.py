"""End to end, for real: the script of the rendered Buildah warmer Job fills an image store
that a later build reads with nothing pulled.

The Job's ``sh -c`` script and environment are taken from the manifest ``render warmer
--engine buildah`` writes and run by sh with Buildah, against a local registry with
authentication (plain HTTP, so the ConfigMap's registries.conf is needed); the pod's mounts
become folders, as the clone script's test moves its workspace. Then a build with that store
mounted read-only (as build pods mount the PVC) takes its base from it. Last, per storage
driver (vfs and overlay): a store filled with the same warmer commands
(``buildah_warmer_argvs``, through the lab's ``fill_image_store``) and mounted read-only gives a
build that pulls no base image, where the same build without it does. And against a registry
serving TLS from a throw-away CA, the rendered Job pulls only when given the CA (``--ca-file``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import E2E_PASSWORD, BaseRegistry
from ruamel.yaml import YAML

from runner_ext.config import OrgConfig, parse_config
from runner_ext.kube.warmer import BUILDAH_RUN_ROOT, SUPERSEDED_RECORD, render_warmer
from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.builds import ImageStore, build, fill_image_store, run_seconds
from runner_ext.lab.registry import Registry, make_ca, running_registry
from runner_ext.planner.from_config import WORK_DIRS

pytestmark = pytest.mark.e2e

PASSWORD = E2E_PASSWORD


@dataclass
class Lab:
    registry: Registry
    folder: Path
    base: str


@pytest.fixture(scope="module")
def lab(base_registry: BaseRegistry, tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return Lab(base_registry.registry, tmp_path_factory.mktemp("buildah-warmer"),
               base_registry.base)


def _config(lab: Lab, store: Path, images: tuple[str, ...] = (),
            keep_superseded_seconds: int = 86400) -> OrgConfig:
    buildah = OrgConfig().engines.buildah.model_dump()
    return parse_config({"registry": {"insecure": [lab.registry.host]},
                         "engines": {"buildah": {**buildah, "image_store": str(store)}},
                         "warmer": {"images": list(images or (lab.base,)),
                                    "keep_superseded_seconds": keep_superseded_seconds},
                         "kubernetes": {"enforce": "privileged"}})


def _run_job(registry: Registry, config: OrgConfig, pod: Path, *, secret: bool,
             ca_pem: str | None = None) -> subprocess.CompletedProcess[str]:
    """The Job's container as rendered, its mounts moved under ``pod``."""
    files = render_warmer(config, {}, "buildah", ca_pem).files
    (job,) = YAML(typ="safe").load_all(files["buildah-warmer-job.yaml"])
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    mounted = pod / "runner-ext-config"  # the projected volume: Secret and ConfigMap
    mounted.mkdir(parents=True)
    if "buildah-warmer-configmap.yaml" in files:
        (configmap,) = YAML(typ="safe").load_all(files["buildah-warmer-configmap.yaml"])
        (volume,) = (v for v in spec["volumes"] if v["name"] == "runner-ext-config")
        (source,) = (s for s in volume["projected"]["sources"] if "configMap" in s)
        for item in source["configMap"]["items"]:
            (mounted / item["path"]).parent.mkdir(parents=True, exist_ok=True)
            (mounted / item["path"]).write_text(configmap["data"][item["key"]])
    if secret:
        (mounted / "config.json").write_text(json.dumps(registry.docker_config()))
    env: dict[str, Any] = {e["name"]: e["value"].replace(WORK_DIRS["buildah"], str(mounted))
                           for e in container["env"]}
    script = container["args"][0].replace(BUILDAH_RUN_ROOT, str(pod / "run")).replace(
        WORK_DIRS["buildah"], str(mounted))
    return subprocess.run([*container["command"], script],
                          env={"PATH": os.environ["PATH"], "HOME": str(pod), **env},
                          capture_output=True, text=True, check=False)


def test_the_rendered_warmer_job_fills_the_store_a_build_then_reads(lab: Lab) -> None:
    store = lab.folder / "store"
    config = _config(lab, store)
    done = _run_job(lab.registry, config, lab.folder / "pod", secret=True)
    assert done.returncode == 0, done.stderr
    assert (store / "vfs-images").is_dir()
    again = _run_job(lab.registry, config, lab.folder / "pod-again", secret=True)  # the CronJob
    assert again.returncode == 0, again.stderr
    context = lab.folder / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {lab.base}\nRUN echo built on the warmed base\n")
    built = build(lab.registry, lab.folder / "work", context=context,
                  dockerfile=context / "Dockerfile",
                  destination=f"{lab.registry.host}/group/app:1",
                  image_store=ImageStore(store, (lab.base,)))
    assert "built on the warmed base" in built.output
    assert "Trying to pull" not in built.output
    assert lab.registry.has_manifest("group/app", "1")
    assert PASSWORD not in done.stdout + done.stderr + built.output


def test_without_the_registry_secret_the_warmer_pulls_anonymously(lab: Lab) -> None:
    """The Secret is optional: its absence is not Buildah's 'checking authfile' error but
    an anonymous pull, which this registry refuses."""
    done = _run_job(lab.registry, _config(lab, lab.folder / "anonymous"),
                    lab.folder / "no-secret", secret=False)
    assert done.returncode != 0
    assert "checking authfile" not in done.stderr
    assert "unauthorized" in done.stderr.lower() or "authentication required" in \
        done.stderr.lower(), done.stderr


def test_the_warmer_trusts_the_org_ca_given_with_ca_file(tmp_path: Path) -> None:
    """An internal registry serving TLS from the org's own CA: the warmer rendered without
    the CA cannot pull from it (the CA is in no trust store here); rendered with
    ``--ca-file``'s PEM, it pulls, reading the CA where the pod projects it."""
    tls = make_ca(tmp_path / "tls")
    with running_registry(tmp_path / "registry", user="warmer", password=PASSWORD,
                          tls=tls) as registry:
        base = f"{registry.host}/platform/base/busybox:1.36"
        push_base_image(registry, base, tmp_path / "base")
        store = tmp_path / "store"
        buildah = {**OrgConfig().engines.buildah.model_dump(), "image_store": str(store)}
        settings: dict[str, Any] = {"engines": {"buildah": buildah},
                                    "warmer": {"images": [base]},
                                    "kubernetes": {"enforce": "privileged"}}
        untrusted = _run_job(registry, parse_config(settings), tmp_path / "pod-without-ca",
                             secret=True)
        assert untrusted.returncode != 0
        assert "certificate signed by unknown authority" in untrusted.stderr, untrusted.stderr
        settings["registry"] = {"ca_file": "$REGISTRY_CA", "ca_hosts": [registry.host]}
        trusted = _run_job(registry, parse_config(settings), tmp_path / "pod-with-ca",
                           secret=True, ca_pem=tls.ca_file.read_text())
        assert trusted.returncode == 0, trusted.stderr
        assert (tmp_path / "pod-with-ca" / "runner-ext-config" / "certs" / "ca.crt").is_file()
        assert base in _store_images(store, tmp_path / "pod-with-ca" / "run").values()
        assert PASSWORD not in untrusted.stderr + trusted.stdout + trusted.stderr


def _push_variant(lab: Lab, reference: str, text: str) -> None:
    """Build ``lab.base`` plus a file holding ``text`` and push it as ``reference``."""
    context = lab.folder / f"variant-{text}"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {lab.base}\nRUN echo {text} > /variant\n")
    build(lab.registry, lab.folder / f"work-variant-{text}", context=context,
          dockerfile=context / "Dockerfile", destination=reference, cache=False)


def _store_images(store: Path, run: Path) -> dict[str, str]:
    """Image ID → name ('' when the image has none) of every image in the store."""
    listed = subprocess.run(
        ["buildah", "--root", str(store), "--runroot", str(run), "--storage-driver", "vfs",
         "images", "--all", "--no-trunc", "--format", "{{.ID}} {{.Name}}:{{.Tag}}"],
        capture_output=True, text=True, check=True).stdout
    images = dict(line.split(maxsplit=1) for line in listed.splitlines())
    return {image_id.removeprefix("sha256:"): "" if name == "<none>:<none>" else name
            for image_id, name in images.items()}


def test_the_cronjob_removes_an_image_superseded_for_longer_than_the_keep_time(lab: Lab
                                                                             ) -> None:
    """A tag that moves (a project's branch image, ``python:3.11``) leaves its old image
    dangling in the store. The next run notes it; a run after ``keep_superseded_seconds``
    removes it, while the current image stays."""
    store, tag = lab.folder / "pruned-store", f"{lab.registry.host}/group/app:main"
    config = _config(lab, store, (tag,), keep_superseded_seconds=3600)
    record = store / SUPERSEDED_RECORD
    _push_variant(lab, tag, "first")

    def cronjob(name: str) -> dict[str, str]:
        done = _run_job(lab.registry, config, lab.folder / name, secret=True)
        assert done.returncode == 0, done.stderr
        return _store_images(store, lab.folder / name / "run")

    (first,) = cronjob("prune-1")
    assert record.read_text() == ""
    _push_variant(lab, tag, "second")
    after_move = cronjob("prune-2")
    (second,) = (image for image, name in after_move.items() if name)
    assert after_move == {first: "", second: tag}
    noted_id, since = record.read_text().split()
    assert noted_id.removeprefix("sha256:") == first
    assert cronjob("prune-3") == after_move  # kept: noted less than an hour ago
    record.write_text(f"{noted_id} {int(since) - 3600}\n")  # noted an hour earlier
    assert cronjob("prune-4") == {second: tag}
    assert record.read_text() == ""


# --- the store as the planner reads it, with the lab's warmer commands, per driver ---------

def _context(lab: Lab) -> Path:
    context = lab.folder / "context"
    if not context.is_dir():
        context.mkdir()
        (context / "Dockerfile").write_text("ARG BASE\nFROM $BASE\nCOPY a /a\nRUN cat /a\n")
        (context / "a").write_text("built on the warmed base\n")
    return context


def _build(lab: Lab, name: str, driver: str, store: ImageStore | None) -> str:
    done = build(lab.registry, lab.folder / f"work-{name}", context=_context(lab),
                 dockerfile=_context(lab) / "Dockerfile", build_args=(f"BASE={lab.base}",),
                 destination=f"{lab.registry.host}/group/{name}:1", storage_driver=driver,
                 image_store=store)
    assert lab.registry.has_manifest(f"group/{name}", "1")
    return done.output


@pytest.mark.parametrize("driver", ["vfs", "overlay"])
def test_a_build_takes_its_base_from_the_image_store_and_pulls_nothing(
        lab: Lab, driver: str) -> None:
    store = fill_image_store(lab.registry, lab.folder / f"warmer-{driver}", (lab.base,),
                             driver)
    assert (store.path / f"{driver}-images").is_dir()
    with_store = _build(lab, f"warm-{driver}", driver, store)
    assert "built on the warmed base" in with_store  # the RUN step ran on that base
    assert "Trying to pull" not in with_store
    without = _build(lab, f"cold-{driver}", driver, None)
    assert f"Trying to pull {lab.base}" in without  # what the store saves
    assert PASSWORD not in with_store + without


# --- a project's own image in the store: a warm rebuild unpacks no cached layer -----------

DEPENDENCIES_MB = 8


def _project(lab: Lab, driver: str) -> Path:
    """A dependency-first project whose 'install' writes DEPENDENCIES_MB of incompressible
    files (as pip or npm would write packages) before the source is copied."""
    context = lab.folder / f"project-{driver}"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "ARG BASE\nFROM $BASE\nCOPY requirements.txt /app/\n"
        f"RUN dd if=/dev/urandom of=/app/site-packages bs=1M count={DEPENDENCIES_MB} 2>/dev/null\n"
        "COPY main.py /app/\nRUN cat /app/main.py\n")
    (context / "requirements.txt").write_text("flask==3.0.3\n")
    (context / "main.py").write_text("VERSION = 1\n")
    return context


@pytest.mark.parametrize("driver", ["vfs", "overlay"])
def test_with_the_projects_image_in_the_store_a_warm_rebuild_unpacks_no_cached_layer(
        lab: Lab, driver: str) -> None:
    """After the first build, the warmer pulls its image (as a project image listed in
    ``[warmer].images``). The rebuild after a source change still takes the dependency step
    from the registry cache, but on overlay its own storage receives only the new layers:
    the cached layer's files are read from the store. vfs copies a parent layer whole into
    every layer made on top of it, so there the store saves the pull and not the copy."""
    context = _project(lab, driver)
    image = f"{lab.registry.host}/group/project-{driver}"

    def rebuild(tag: str, store: ImageStore) -> tuple[int, str]:
        done = build(lab.registry, lab.folder / f"work-project-{driver}-{tag}",
                     context=context, dockerfile=context / "Dockerfile",
                     build_args=(f"BASE={lab.base}",), destination=f"{image}:{tag}",
                     storage_driver=driver, image_store=store)
        assert lab.registry.has_manifest(f"group/project-{driver}", tag)
        (step,) = (s for s in re.split(r"(?m)^STEP \d+/\d+: ", done.output)
                   if s.startswith("RUN dd"))
        assert "Cache pulled from remote" in step, step  # the dependency step: cached
        return done.stored_bytes, done.output

    bases = fill_image_store(lab.registry, lab.folder / f"bases-{driver}", (lab.base,), driver)
    build(lab.registry, lab.folder / f"work-project-{driver}-v1", context=context,
          dockerfile=context / "Dockerfile", build_args=(f"BASE={lab.base}",),
          destination=f"{image}:v1", storage_driver=driver, image_store=bases)
    warmed = fill_image_store(lab.registry, lab.folder / f"project-store-{driver}",
                              (lab.base, f"{image}:v1"), driver)
    (context / "main.py").write_text("VERSION = 2\n")
    base_only, _ = rebuild("v2", bases)
    (context / "main.py").write_text("VERSION = 3\n")
    with_project, output = rebuild("v3", warmed)
    assert "VERSION = 3" in output  # the source step ran on the cached dependencies
    size = DEPENDENCIES_MB * 1024 * 1024
    assert base_only > size  # without the project's image: the cached layer unpacked here
    if driver == "overlay":
        assert with_project < size / 8, with_project
    else:
        assert with_project > size, with_project


def test_run_seconds_times_a_command_in_an_image_and_fails_loudly(lab: Lab) -> None:
    """The bench's timing of a project's own step: the command runs in the image, read from
    the store as a build reads it; a failing command is an error, never a time."""
    store = fill_image_store(lab.registry, lab.folder / "run-store", (lab.base,), "overlay")
    seconds = run_seconds(lab.registry, lab.base, ("sh", "-c", "test -x /bin/sh"),
                          lab.folder / "run-ok", "overlay", store)
    assert 0 < seconds < 60
    with pytest.raises(RuntimeError, match=r"exit 3 in .* failed \(3\)"):
        run_seconds(lab.registry, lab.base, ("sh", "-c", "exit 3"), lab.folder / "run-fail",
                    "overlay", store)
