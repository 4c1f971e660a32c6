"""The shim executor's ``docker`` wrapper, run for real with recording fakes of podman and
podman-compose (the real ones run in tests/test_shim_e2e.py), and its Dockerfile."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import dockerfile
import pytest
from conftest import REPO, require_tool
from e2e import fake_engine

from runner_ext import __version__
from runner_ext.config import OrgConfig
from runner_ext.migrate.analyse.docker import classify
from runner_ext.migrate.analyse.shell import Command
from runner_ext.migrate.shim import verbs
from runner_ext.planner.from_config import ENTRYPOINT

SHIM = REPO / "executor" / "shim"
WRAPPER = SHIM / "docker"
CANARY = "canary-shim-5d1e0b7a"
LISTS = {
    "runner_ext_daemon_verbs": verbs.DAEMON_VERBS,
    "runner_ext_compose_daemon_verbs": verbs.COMPOSE_DAEMON_VERBS,
    "runner_ext_buildx_setup_verbs": verbs.BUILDX_SETUP_VERBS,
    "runner_ext_global_value_options": verbs.GLOBAL_VALUE_OPTIONS,
    "runner_ext_compose_value_options": verbs.COMPOSE_VALUE_OPTIONS,
}


class Shim:
    """The wrapper with fake podman and podman-compose first on PATH."""

    def __init__(self, tmp: Path) -> None:
        self.records = tmp / "records"
        self.bin = tmp / "bin"
        for name in ("podman", "podman-compose"):
            fake_engine.install(self.bin, name, self.records)
        (self.bin / "docker").symlink_to(WRAPPER)
        (self.bin / "docker-compose").symlink_to(WRAPPER)
        self.work = tmp / "work"
        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_EXT_ENTRYPOINT": str(REPO / "executor" / "entrypoint.sh"),
            "RUNNER_EXT_WORK_DIR": str(self.work), "RUNNER_EXT_STORAGE_DRIVER": "vfs",
            "CI_REGISTRY": "registry.example.com", "CI_REGISTRY_USER": "gitlab-ci-token",
            "CI_REGISTRY_PASSWORD": CANARY, "DOCKER_HOST": "tcp://docker:2376",
        }

    def run(self, *argv: str, name: str = "docker", **env: str
            ) -> subprocess.CompletedProcess[str]:
        require_tool("bash")
        return subprocess.run([str(self.bin / name), *argv], env={**self.env, **env},
                              capture_output=True, text=True, check=False, timeout=60)

    def calls(self) -> list[dict[str, Any]]:
        return fake_engine.calls(self.records)

    def argvs(self) -> list[list[str]]:
        return [list(c["argv"]) for c in self.calls()]


@pytest.fixture
def shim(tmp_path: Path) -> Shim:
    return Shim(tmp_path)


def _shell_list(name: str) -> set[str]:
    found = re.search(rf'^{name}="([^"]*)"$', WRAPPER.read_text(), re.MULTILINE)
    assert found, name
    return set(found.group(1).split())


@pytest.mark.parametrize("name", sorted(LISTS))
def test_wrapper_lists_equal_the_python_module(name: str) -> None:
    assert _shell_list(name) == set(LISTS[name])


def test_the_ci_rules_run_verbs_are_daemon_verbs() -> None:
    for words in (["docker", "run", "x"], ["docker", "exec", "c", "sh"], ["docker", "start", "c"],
                  ["docker", "container", "run", "x"], ["docker", "compose", "up", "-d"],
                  ["docker-compose", "run", "web"], ["docker", "compose", "exec", "web"]):
        call = classify(Command(tuple(words), " ".join(words)))
        assert call is not None and call.kind == "run"
        assert verbs.daemon_verb(words), words


def test_build_gets_the_cache_isolation_and_storage(shim: Shim) -> None:
    done = shim.run("-H", "tcp://docker:2376", "build", "--cache-from", "old:latest",
                    "-t", "registry.example.com/g/app:1", "-t", "registry.example.com/g/app:2",
                    ".")
    assert done.returncode == 0, done.stderr
    assert shim.argvs() == [[
        "podman", "--storage-driver", "vfs", "build", "--isolation", "chroot", "--layers",
        "--cache-from", "registry.example.com/g/app/cache",
        "--cache-to", "registry.example.com/g/app/cache",
        "-t", "registry.example.com/g/app:1", "-t", "registry.example.com/g/app:2", "."]]
    assert "ignored --cache-from" in done.stderr


def test_cache_repo_template_ttl_and_off(shim: Shim) -> None:
    shim.run("build", "--tag=reg.example.com/g/app:1", ".",
             RUNNER_EXT_CACHE_REPO="reg.example.com/caches/{image}", RUNNER_EXT_CACHE_TTL="72h")
    shim.run("build", "-t", "reg.example.com/g/app:1", ".", RUNNER_EXT_CACHE="false")
    first, second = shim.argvs()
    assert first[first.index("--cache-to") + 1] == "reg.example.com/caches/reg.example.com/g/app"
    assert first[first.index("--cache-ttl") + 1] == "72h"
    assert "--cache-from" not in second and "--isolation" in second


def test_cache_only_for_a_tag_the_job_can_write(shim: Shim) -> None:
    """A failed cache push fails podman's build: with the default template the cache
    derives from a tag in $CI_REGISTRY, never from a local or Docker Hub name."""
    local = shim.run("build", "-t", "app-build", "-t", "example/app:1", ".")
    shim.run("build", "-t", "app-build", "-t", "registry.example.com/g/app:1", ".")
    shim.run("build", "-t", "app-build", ".", RUNNER_EXT_CACHE_REPO="cache.example.com/{image}")
    first, second, third = shim.argvs()
    assert local.returncode == 0 and "--cache-to" not in first and "--layers" not in first
    assert "no cache repository this job can write" in local.stderr
    assert second[second.index("--cache-to") + 1] == "registry.example.com/g/app/cache"
    assert third[third.index("--cache-to") + 1] == "cache.example.com/app-build"


def test_buildx_build_push_builds_then_pushes_every_tag(shim: Shim) -> None:
    done = shim.run("buildx", "build", "--push", "--load", "--progress", "plain",
                    "-t", "r.example.com/a:1", "-t", "r.example.com/a:latest", ".")
    assert done.returncode == 0, done.stderr
    build, *pushes = shim.argvs()
    assert build[3] == "build" and "--push" not in build and "--progress" not in build
    assert pushes == [["podman", "--storage-driver", "vfs", "push", "r.example.com/a:1"],
                      ["podman", "--storage-driver", "vfs", "push", "r.example.com/a:latest"]]


@pytest.mark.parametrize("argv, verb", [
    (["run", "--rm", "img"], "docker run"),
    (["-H", "tcp://x:2375", "exec", "c", "sh"], "docker exec"),
    (["container", "start", "c"], "docker container start"),
    (["compose", "-f", "c.yml", "up", "-d"], "docker compose up"),
    (["compose", "run", "web"], "docker compose run"),
])
def test_daemon_verbs_stop_with_one_line(shim: Shim, argv: list[str], verb: str) -> None:
    done = shim.run(*argv)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"'{verb}' needs a running container" in done.stderr
    assert shim.calls() == []


def test_compose_goes_to_podman_compose_through_the_wrapper(shim: Shim) -> None:
    assert shim.run("compose", "-f", "c.yml", "build").returncode == 0
    assert shim.run("push", name="docker-compose").returncode == 0
    assert shim.run("up", name="docker-compose").returncode == 2
    path = str(WRAPPER.resolve())
    assert shim.argvs() == [["podman-compose", "--podman-path", path, "-f", "c.yml", "build"],
                            ["podman-compose", "--podman-path", path, "push"]]


def test_other_verbs_pass_through_and_buildx_setup_does_nothing(shim: Shim) -> None:
    assert shim.run("tag", "a:1", "b:1").returncode == 0
    assert shim.run("--tlsverify", "--host=tcp://x:1", "push", "b:1").returncode == 0
    done = shim.run("buildx", "create", "--use")
    assert done.returncode == 0 and "does nothing here" in done.stderr
    assert shim.argvs() == [["podman", "--storage-driver", "vfs", "tag", "a:1", "b:1"],
                            ["podman", "--storage-driver", "vfs", "push", "b:1"]]


def test_registry_auth_written_once_without_the_password_in_argv(shim: Shim) -> None:
    done = shim.run("build", "-t", "registry.example.com/g/app:1", ".")
    shim.run("push", "registry.example.com/g/app:1")
    auth = shim.calls()[0]["auth"]
    assert auth["path"] == str(shim.work / "auth.json") and auth["mode"] == 0o600
    token = base64.b64encode(f"gitlab-ci-token:{CANARY}".encode()).decode()
    assert auth["content"] == {"auths": {"registry.example.com": {"auth": token}}}
    assert all(CANARY not in " ".join(argv) for argv in shim.argvs())
    assert CANARY not in done.stdout + done.stderr


# --- the image ------------------------------------------------------------------------

def _commands() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(SHIM / "Dockerfile")))


def test_dockerfile_is_hadolint_clean() -> None:
    done = subprocess.run([require_tool("hadolint"), str(SHIM / "Dockerfile")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_defaults_are_the_config_defaults() -> None:
    config = OrgConfig()
    args = dict(a.split("=", 1) for c in _commands() if c.cmd == "ARG" for a in c.value)
    assert args == {"ENGINE_IMAGE": config.engines.shim.image, "CACHE_REPO": config.cache.repo,
                    "CACHE_TTL": config.cache.ttl,
                    "STORAGE_DRIVER": config.engines.shim.storage_driver,
                    "ISOLATION": config.engines.shim.isolation}
    assert f"template='{config.cache.repo}'" in WRAPPER.read_text()
    copies = [c.value for c in _commands() if c.cmd == "COPY"]
    assert copies == [("entrypoint.sh", ENTRYPOINT),
                      ("references.sh", "/usr/local/lib/runner-ext/references.sh"),
                      ("shim/docker", "/usr/local/bin/docker")]
    assert config.engines.shim.executor.endswith(f"/executor/shim:{__version__}")


def test_apt_packages_carry_the_tools_the_analysis_allows() -> None:
    run = " ".join(" ".join(c.value) for c in _commands() if c.cmd == "RUN")
    for package in ("podman", "podman-docker", "podman-compose", "make", "bash", "git", "curl",
                    "jq", "gettext-base", "openssl", "skopeo"):
        assert f" {package} " in f" {run} ", package
    assert {"docker", "docker-compose", "make", "git", "bash", "python3", "curl", "jq",
            "envsubst", "openssl", "skopeo"} <= verbs.IMAGE_TOOLS
    # a package the rewrite may drop an install of is one the image has
    assert {"make", "bash", "git", "curl", "jq", "openssl", "skopeo"} <= verbs.IMAGE_PACKAGES


def test_the_wrappers_reference_grammar_is_the_planners() -> None:
    """executor/references.sh is generated from the planner's one definition."""
    from runner_ext.planner.shell import matches_shell

    assert (REPO / "executor" / "references.sh").read_text() == matches_shell()
