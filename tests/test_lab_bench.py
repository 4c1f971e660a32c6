"""The benchmark's own parts: the fixture projects, the push floor, the base-image cache key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, BaseRegistry

from runner_ext.lab.bases import NODE, PYTHON
from runner_ext.lab.buildah import push_base_image
from runner_ext.lab.builds import (
    CACHE_PUSH_LINE,
    build,
    cache_push_seconds,
    fixed_dockerfile,
    step_output_seconds,
    step_seconds,
    tree_bytes,
)
from runner_ext.lab.floor import push_floor
from runner_ext.lab.registry import running_registry

PROJECTS = sorted((REPO / "bench" / "projects").iterdir())


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_migrated_dockerfile_is_what_the_fixer_makes(project: Path) -> None:
    migrated = (project / "Dockerfile.migrated").read_text()
    assert fixed_dockerfile(project) == migrated
    assert migrated.index("COPY . .") > migrated.index("RUN ")  # the restore moved up


def test_base_cache_key_follows_packages_and_ca_bundle() -> None:
    assert PYTHON.key(b"ca-1") != PYTHON.key(b"ca-2")
    assert PYTHON.key(b"ca-1") != NODE.key(b"ca-1")
    assert PYTHON.key(b"ca-1") == PYTHON.key(b"ca-1")


@pytest.mark.e2e
def test_push_floor_uploads_only_the_changed_layer(tmp_path: Path) -> None:
    with running_registry(tmp_path / "registry", user="ci", password="pw-4b2e") as registry:
        base = f"{registry.host}/base/busybox:1.36"
        push_base_image(registry, base, tmp_path / "busybox")
        context = tmp_path / "context"
        context.mkdir()
        (context / "Dockerfile").write_text(f"FROM {base}\nCOPY a /a\nCOPY b /b\n")
        (context / "a").write_text("same\n")
        for tag, content in (("1", "first\n"), ("2", "second\n")):
            (context / "b").write_text(content)
            build(registry, tmp_path / tag, context=context, dockerfile=context / "Dockerfile",
                  destination=f"{registry.host}/demo/app:{tag}")
        floor = push_floor(registry, "demo/app", "2", "1")
        assert floor.changed_layers == 1
        assert 0 < floor.changed_bytes < 10_000
        assert registry.manifest(floor.repository, "2")[0] == \
            registry.manifest("demo/app", "2")[0]


def test_tree_bytes_counts_regular_files_and_each_hard_link_once(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 24)
    os.link(tmp_path / "a", tmp_path / "sub" / "a-again")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert tree_bytes(tmp_path) == 1024
    assert tree_bytes(tmp_path / "missing") == 0


def test_cache_push_seconds_adds_the_gap_after_each_cache_push_line() -> None:
    lines = [(0.5, "STEP 2/3: RUN make\n"), (4.0, f"{CACHE_PUSH_LINE}reg/app/cache:aa\n"),
             (6.5, "--> 1f2e3d\n"), (6.6, "STEP 3/3: COPY . .\n"),
             (7.0, f"{CACHE_PUSH_LINE}reg/app/cache:bb\n")]
    assert cache_push_seconds(lines, end=7.25) == pytest.approx(2.5 + 0.25)
    assert cache_push_seconds(lines[:3], end=9.0) == pytest.approx(2.5)
    assert cache_push_seconds([], end=1.0) == 0


def test_step_seconds_runs_from_each_step_to_the_next_less_its_cache_push() -> None:
    lines = [(0.0, "STEP 1/3: FROM base\n"), (0.25, "STEP 2/3: RUN pip install -r r.txt\n"),
             (5.0, "Successfully installed flask\n"),
             (9.25, f"{CACHE_PUSH_LINE}reg/app/cache:aa\n"), (11.25, "--> 1f2e3d\n"),
             (11.5, "[2/2] STEP 3/3: COPY . .\n"), (12.0, "COMMIT reg/app:1\n"),
             (12.5, "--> 4c5d6e\n")]
    assert step_seconds(lines, end=13.0) == (
        ("FROM base", 0.25), ("RUN pip install -r r.txt", 11.5 - 0.25 - 2.0),
        ("COPY . .", 0.5))
    assert step_seconds(lines[:3], end=6.0) == (("FROM base", 0.25),
                                               ("RUN pip install -r r.txt", 5.75))


def test_step_output_seconds_ends_each_step_at_its_own_last_line() -> None:
    """The lines of a cached `buildah build --layers` of the Node.js fixture: npm prints its
    summary as it ends, Buildah then commits the layer (no output) and pushes it to the
    cache. A step whose command prints nothing (COPY) counts 0."""
    lines = [(22.03, "STEP 3/8: COPY package.json package-lock.json ./\n"),
             (22.19, f"{CACHE_PUSH_LINE}reg/app/cache:aa\n"), (22.27, "--> 0c8ac750163\n"),
             (22.28, "STEP 4/8: RUN npm ci\n"), (28.83, "\n"),
             (28.83, "added 478 packages in 6s\n"), (28.84, "  run `npm fund` for details\n"),
             (33.96, f"{CACHE_PUSH_LINE}reg/app/cache:bb\n"), (35.09, "--> a5f0f90a80d\n"),
             (35.09, "STEP 5/8: COPY . .\n"), (35.32, "--> 238732466b1\n"),
             (35.33, "COMMIT reg/app:v1\n"), (35.5, "Pushed reg/app:v1\n")]
    found = dict(step_output_seconds(lines))
    assert found == {"COPY package.json package-lock.json ./": 0.0,
                     "RUN npm ci": pytest.approx(28.84 - 22.28), "COPY . .": 0.0}
    whole = dict(step_seconds(lines, end=36.0))["RUN npm ci"]
    assert whole - found["RUN npm ci"] == pytest.approx(33.96 - 28.84)  # the layer's commit


@pytest.mark.e2e
def test_a_build_with_cache_reports_its_pushes_to_the_registry_cache(
        base_registry: BaseRegistry) -> None:
    """The first build with the registry cache pushes its layers there while it builds;
    the same build without the cache pushes none."""
    registry, folder = base_registry.registry, base_registry.folder / "lab-cache-push"
    context = folder / "context"
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(
        f"FROM {base_registry.base}\nRUN dd if=/dev/urandom of=/blob bs=1M count=4\n")
    image, dockerfile = f"{registry.host}/lab/cache-push", context / "Dockerfile"
    uncached = build(registry, folder / "uncached", context=context, dockerfile=dockerfile,
                     destination=f"{image}:uncached", cache=False)
    cached = build(registry, folder / "cached", context=context, dockerfile=dockerfile,
                   destination=f"{image}:cached")
    assert CACHE_PUSH_LINE not in uncached.output and uncached.cache_push_seconds == 0
    assert CACHE_PUSH_LINE in cached.output
    assert 0 < cached.cache_push_seconds < cached.steps[0]
    for done in (uncached, cached):
        instructions = [instruction for instruction, _ in done.step_seconds]
        assert instructions == [f"FROM {base_registry.base}",
                                "RUN dd if=/dev/urandom of=/blob bs=1M count=4"]
        assert 0 < sum(seconds for _, seconds in done.step_seconds) < done.steps[0]
        # dd's "records out" lines end its own output, before the layer's commit.
        run = "RUN dd if=/dev/urandom of=/blob bs=1M count=4"
        assert [instruction for instruction, _ in done.step_output_seconds] == instructions
        assert 0 < dict(done.step_output_seconds)[run] <= dict(done.step_seconds)[run]
    assert registry.tags("lab/cache-push/cache")


@pytest.mark.e2e
def test_a_terminated_bench_stops_its_registry(tmp_path: Path) -> None:
    """`kill PID` on a bench leaves no docker-registry behind: SIGTERM runs the context
    managers' cleanup, as Ctrl-C does, and the exit code says how it ended."""
    script = ("import sys, time\nfrom pathlib import Path\n"
              "from runner_ext.lab.registry import running_registry\n"
              "from runner_ext.lab.tools import exit_on_sigterm\n"
              "exit_on_sigterm()\n"
              "with running_registry(Path(sys.argv[1]), user='u', password='pw-5e0a'):\n"
              "    print('ready', flush=True)\n"
              "    time.sleep(60)\n")
    root = tmp_path / "registry"
    with subprocess.Popen([sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE,
                          text=True) as bench:
        assert bench.stdout is not None and bench.stdout.readline() == "ready\n"
        assert _registries(root), "the registry did not start"
        bench.send_signal(signal.SIGTERM)
        assert bench.wait(timeout=20) == 128 + signal.SIGTERM
    assert _registries(root) == []


def _registries(root: Path) -> list[int]:
    """The pids of docker-registry processes serving from ``root``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"docker-registry") and str(root).encode() in b" ".join(argv):
            found.append(int(proc.name))
    return found
