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
from e2e import fake_buildah, fake_engine

from runner_ext import __version__
from runner_ext.config import OrgConfig
from runner_ext.migrate.analyse.docker import classify
from runner_ext.migrate.analyse.shell import Command
from runner_ext.migrate.shim import bake, oneshot, verbs
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
    "runner_ext_run_flags": oneshot.RUN_FLAGS,
    "runner_ext_run_value_options": oneshot.RUN_VALUE_OPTIONS,
    "runner_ext_run_networks": oneshot.RUN_NETWORKS,
    "runner_ext_run_daemon_options": oneshot.RUN_DAEMON_OPTIONS,
    "runner_ext_run_host_options": oneshot.RUN_HOST_OPTIONS,
    "runner_ext_push_attributes": bake.PUSH_ATTRIBUTES,
}
REASONS = {
    "runner_ext_run_daemon_why": oneshot.DAEMON_WHY,
    "runner_ext_run_host_why": oneshot.HOST_WHY,
    "runner_ext_run_network_why": oneshot.NETWORK_WHY,
    "runner_ext_run_socket_why": oneshot.SOCKET_WHY,
    "runner_ext_run_outside_why": oneshot.OUTSIDE_WHY,
    "runner_ext_run_volume_why": oneshot.VOLUME_WHY,
    "runner_ext_run_unknown_why": oneshot.UNKNOWN_WHY,
    "runner_ext_run_value_why": oneshot.VALUE_WHY,
}


class Shim:
    """The wrapper with fake podman and podman-compose first on PATH."""

    def __init__(self, tmp: Path) -> None:
        self.records = tmp / "records"
        self.bin = tmp / "bin"
        for name in ("podman", "podman-compose"):
            fake_engine.install(self.bin, name, self.records)
        self.buildah_records = tmp / "buildah-records"
        fake_buildah.install(self.bin, self.buildah_records)
        (self.bin / "docker").symlink_to(WRAPPER)
        (self.bin / "docker-compose").symlink_to(WRAPPER)
        self.work = tmp / "work"
        self.project = tmp / "project"
        self.project.mkdir()
        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_EXT_ENTRYPOINT": str(REPO / "executor" / "entrypoint.sh"),
            "RUNNER_EXT_WORK_DIR": str(self.work), "RUNNER_EXT_STORAGE_DRIVER": "vfs",
            "CI_REGISTRY": "registry.example.com", "CI_REGISTRY_USER": "gitlab-ci-token",
            "CI_REGISTRY_PASSWORD": CANARY, "DOCKER_HOST": "tcp://docker:2376",
            "CI_PROJECT_DIR": str(self.project),
        }

    def run(self, *argv: str, name: str = "docker", stdin: str = "", **env: str
            ) -> subprocess.CompletedProcess[str]:
        require_tool("bash")
        return subprocess.run([str(self.bin / name), *argv], env={**self.env, **env},
                              input=stdin, cwd=self.project, capture_output=True, text=True,
                              check=False, timeout=60)

    def calls(self) -> list[dict[str, Any]]:
        return fake_engine.calls(self.records)

    def argvs(self) -> list[list[str]]:
        return [list(c["argv"]) for c in self.calls()]

    def buildah(self) -> list[dict[str, Any]]:
        return fake_buildah.calls(self.buildah_records)


@pytest.fixture
def shim(tmp_path: Path) -> Shim:
    return Shim(tmp_path)


def _shell_value(name: str) -> str:
    found = re.search(rf'^{name}="([^"]*)"$', WRAPPER.read_text(), re.MULTILINE)
    assert found, name
    return found.group(1).replace("\\$", "$")


def _shell_list(name: str) -> set[str]:
    return set(_shell_value(name).split())


@pytest.mark.parametrize("name", sorted(LISTS))
def test_wrapper_lists_equal_the_python_module(name: str) -> None:
    assert _shell_list(name) == set(LISTS[name])


@pytest.mark.parametrize("name", sorted(REASONS))
def test_wrapper_reasons_equal_the_python_module(name: str) -> None:
    assert _shell_value(name) == REASONS[name]


def test_the_ci_rules_run_verbs_are_daemon_verbs_or_one_shot_runs() -> None:
    for words in (["docker", "run", "x"], ["docker", "exec", "c", "sh"], ["docker", "start", "c"],
                  ["docker", "container", "run", "x"], ["docker", "compose", "up", "-d"],
                  ["docker-compose", "run", "web"], ["docker", "compose", "exec", "web"]):
        call = classify(Command(tuple(words), " ".join(words)))
        assert call is not None and call.kind == "run"
        args = oneshot.run_args(words)
        assert bool(verbs.daemon_verb(words)) == (args is None), words
        assert args is None or oneshot.run_problem(args) is None


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


def test_the_warmers_image_store_is_read_by_every_podman_and_buildah_call(
        shim: Shim, tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "vfs-images").mkdir(parents=True)
    shim.run("build", "-t", "registry.example.com/g/app:1", ".", RUNNER_EXT_IMAGE_STORE=str(store))
    shim.run("push", "registry.example.com/g/app:1", RUNNER_EXT_IMAGE_STORE=str(store))
    shim.run("run", "--rm", "alpine:3", "true", RUNNER_EXT_IMAGE_STORE=str(store))
    flags = ["--storage-driver", "vfs", "--storage-opt", f"vfs.imagestore={store}"]
    build, push = shim.argvs()
    assert build[1:5] == flags and push == ["podman", *flags, "push",
                                            "registry.example.com/g/app:1"]
    assert all(call["argv"][1:5] == flags for call in shim.buildah())


def test_an_image_store_of_another_driver_or_none_is_not_read(shim: Shim, tmp_path: Path
                                                             ) -> None:
    store = tmp_path / "store"
    (store / "overlay-images").mkdir(parents=True)
    other = shim.run("build", "-t", "registry.example.com/g/app:1", ".",
                     RUNNER_EXT_IMAGE_STORE=str(store))
    missing = shim.run("build", "-t", "registry.example.com/g/app:1", ".",
                       RUNNER_EXT_IMAGE_STORE=str(tmp_path / "not-mounted"))
    assert all("--storage-opt" not in argv for argv in shim.argvs())
    assert f"the image store {store} holds no vfs images" in other.stderr
    assert "image store" not in missing.stderr  # no warmer volume: nothing to say


def test_buildx_build_push_builds_then_pushes_every_tag(shim: Shim) -> None:
    done = shim.run("buildx", "build", "--push", "--load", "--progress", "plain",
                    "-t", "r.example.com/a:1", "-t", "r.example.com/a:latest", ".")
    assert done.returncode == 0, done.stderr
    build, *pushes = shim.argvs()
    assert build[3] == "build" and "--push" not in build and "--progress" not in build
    assert pushes == [["podman", "--storage-driver", "vfs", "push", "r.example.com/a:1"],
                      ["podman", "--storage-driver", "vfs", "push", "r.example.com/a:latest"]]


@pytest.mark.parametrize("output", [
    "type=registry,compression=zstd", "type=image,push=true,compression=gzip",
    "type=image,compression=zstd,force-compression=false,push=true", "type=registry",
    "type=image,push=false", "type=docker", "type=registry,oci-mediatypes=true",
    "type=image,name=r.example.com/a:1,push=true", "type=registry,compression=uncompressed",
    "type=registry,compression-level=3", "type=registry,force-compression=true",
    "type=docker,compression=zstd",
])
def test_build_output_is_read_as_the_bake_reader_reads_it(shim: Shim, output: str) -> None:
    try:
        pushes, attributes = bake.read_output(output, "the build")
    except bake.BakeRefused:
        pushes, attributes, refused = False, [], True
    else:
        refused = False
    done = shim.run("buildx", "build", "--output", output, "-t", "r.example.com/a:1", ".")
    if refused:
        assert done.returncode == 2 and shim.argvs() == []
        assert done.stderr.strip().startswith(f"runner-ext shim: docker build --output {output}:")
        return
    assert done.returncode == 0, done.stderr
    build, *pushes_run = shim.argvs()
    assert "--output" not in build and build[-1] == "."
    formats = [a.partition("=")[2] for a in attributes if a.startswith("compression=")]
    expected = ["push", *(["--compression-format", *formats] if formats else []),
                "r.example.com/a:1"]
    assert [p[3:] for p in pushes_run] == ([expected] if pushes else [])


def test_other_build_outputs_are_podmans_own(shim: Shim) -> None:
    done = shim.run("buildx", "build", "-o", "type=local,dest=out", "--output=type=tar,dest=t",
                    ".")
    assert done.returncode == 0, done.stderr
    (build,) = shim.argvs()
    assert build[-4:] == ["-o", "type=local,dest=out", "--output=type=tar,dest=t", "."]


@pytest.mark.parametrize("argv, verb", [
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


# --- docker run: once, in the foreground, with Buildah ---------------------------------

VFS = ["buildah", "--storage-driver", "vfs"]
CONTAINER = "fake-working-container"


def _run_call(shim: Shim) -> list[str]:
    (run,) = [c["argv"] for c in shim.buildah() if "run" in c["argv"][:4]]
    return list(run)


def test_one_shot_run_goes_to_buildah_and_the_container_is_removed(shim: Shim) -> None:
    (shim.project / "sub").mkdir()
    (shim.project / "ci.env").write_text("# test settings\nB=2\n\nFROM_JOB\n")
    done = shim.run("run", "-t", "--rm", "-e", "A=1", "--env=FROM_JOB", "-e", "UNSET",
                    "--env-file", "ci.env", "-w", "/app", "--user=1000:1000", "--name", "smoke",
                    "--pull", "always", "--network", "host", "-v", f"{shim.project}:/src:ro",
                    "--volume=./sub:/sub:rw,z", "php:8", "-v",
                    FROM_JOB="job-value", FAKE_BUILDAH_ENTRYPOINT="docker-php-entrypoint")
    assert done.returncode == 0, done.stderr
    assert [c["argv"] for c in shim.buildah()] == [
        [*VFS, "from", "--quiet", "--pull=always", "php:8"],
        [*VFS, "inspect", "--type", "container", "--format",
         '{{range .OCIv1.Config.Entrypoint}}{{.}}{{"\\x00"}}{{end}}', CONTAINER],
        [*VFS, "run", "--isolation", "chroot", "--env", "A=1", "--env", "FROM_JOB=job-value",
         "--env", "B=2", "--env", "FROM_JOB=job-value", "--workingdir", "/app",
         "--user", "1000:1000", "--volume", f"{shim.project}:/src:ro",
         "--volume", f"{shim.project}/sub:/sub", CONTAINER, "--", "docker-php-entrypoint",
         "-v"],
        [*VFS, "rm", CONTAINER]]
    assert done.stderr.startswith("runner-ext shim: docker run php:8: buildah run --isolation "
                                  "chroot, once, in the foreground")
    assert shim.calls() == []  # podman is not involved


def test_run_takes_the_image_command_and_entrypoint_like_docker(shim: Shim) -> None:
    image = {"FAKE_BUILDAH_ENTRYPOINT": "/entry.sh", "FAKE_BUILDAH_CMD": "php|-a"}
    shim.run("run", "img", **image)
    shim.run("container", "run", "--entrypoint", "sh", "img", "-c", "exit 0", **image)
    shim.run("run", "--entrypoint=", "img", "cat", "/etc/os-release", **image)
    runs = [c["argv"] for c in shim.buildah() if c["argv"][3] == "run"]
    assert [r[r.index("--") + 1:] for r in runs] == [
        ["/entry.sh", "php", "-a"], ["sh", "-c", "exit 0"], ["cat", "/etc/os-release"]]
    no_command = shim.run("run", "img")
    assert no_command.returncode == 125 and "no command given" in no_command.stderr


def test_run_exit_code_is_the_commands_and_the_container_goes_anyway(shim: Shim) -> None:
    done = shim.run("run", "--rm", "img", "false", FAKE_BUILDAH_EXIT="3")
    assert done.returncode == 3
    assert shim.buildah()[-1]["argv"] == [*VFS, "rm", CONTAINER]


def test_run_reads_stdin_only_with_i(shim: Shim) -> None:
    shim.run("run", "-it", "img", "cat", stdin="piped input\n")
    shim.run("run", "--interactive", "img", "cat", stdin="again\n")
    shim.run("run", "-t", "img", "cat", stdin="not read\n")
    assert [c.get("stdin") for c in shim.buildah() if c["argv"][3] == "run"] == [
        "piped input\n", "again\n", None]


def test_run_short_forms_and_values_stay_out_of_the_log(shim: Shim) -> None:
    done = shim.run("run", "-ti", f"-ePASSWORD={CANARY}", "-w/src", "--pull=never", "img", "env")
    assert done.returncode == 0, done.stderr
    assert shim.buildah()[0]["argv"][-2] == "--pull=never"
    run = _run_call(shim)
    assert run[run.index("--env") + 1] == f"PASSWORD={CANARY}"
    assert run[run.index("--workingdir") + 1] == "/src"
    assert CANARY not in done.stdout + done.stderr


def test_run_without_an_image_or_with_a_missing_env_file(shim: Shim) -> None:
    none = shim.run("run", "--rm")
    missing = shim.run("run", "--env-file", "nope.env", "img")
    assert none.returncode == 125 and "no image given" in none.stderr
    assert missing.returncode == 2 and "--env-file nope.env: no such file" in missing.stderr
    assert shim.buildah() == []


@pytest.mark.parametrize("args", [
    ["-d", "img"], ["--detach", "img"], ["-itd", "img"], ["--restart", "always", "img"],
    ["--volumes-from", "data", "img"], ["--init", "img"], ["--link", "db", "img"],
    ["-p", "8080:80", "img"], ["--publish=80:80", "img"], ["-P", "img"],
    ["--privileged", "img"], ["--cap-add", "SYS_ADMIN", "img"], ["--device", "/dev/fuse", "img"],
    ["--pid", "host", "img"], ["--ipc=host", "img"], ["--userns=host", "img"],
    ["--security-opt", "seccomp=unconfined", "img"], ["--gpus", "all", "img"],
    ["--network", "backend", "img"], ["--net=other", "img"],
    ["-v", "/var/run/docker.sock:/var/run/docker.sock", "img"],
    ["--volume=/run/docker.sock:/var/run/docker.sock", "img"],
    ["-v", "/etc/ssl:/certs", "img"], ["-v", "cache:/cache", "img"], ["-v", "/cache", "img"],
    ["--memory", "1g", "img"], ["--platform=linux/arm64", "img"], ["--rm", "-e"],
])
def test_refused_run_options_say_what_the_analysis_says(shim: Shim, args: list[str]) -> None:
    problem = oneshot.run_problem(args)
    assert problem is not None
    done = shim.run("run", *args)
    assert (done.returncode, done.stderr) == (2, f"runner-ext shim: docker run {problem}\n")
    assert shim.buildah() == [] and shim.calls() == []


def test_mounts_are_checked_where_they_resolve(shim: Shim) -> None:
    """A link in the job's directory to the socket, or a path that climbs out of it."""
    (shim.project / "sock").symlink_to("/var/run/docker.sock")
    (shim.project / "up").symlink_to(shim.project.parent)
    for source in ("./sock", f"{shim.project}/../work", "./up"):
        done = shim.run("run", "-v", f"{source}:/x", "img", "true")
        assert done.returncode == 2, source
        assert done.stderr == (f"runner-ext shim: docker run -v {source}:/x: "
                               f"{oneshot.OUTSIDE_WHY}\n")
    assert shim.buildah() == []


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
                    "ISOLATION": config.engines.shim.isolation,
                    "IMAGE_STORE": config.engines.buildah.image_store}
    assert f"template='{config.cache.repo}'" in WRAPPER.read_text()
    copies = [c.value for c in _commands() if c.cmd == "COPY"]
    assert copies == [("entrypoint.sh", ENTRYPOINT),
                      ("references.sh", "/usr/local/lib/runner-ext/references.sh"),
                      ("shim/docker", "/usr/local/bin/docker"),
                      ("shim/bake.py", "/usr/local/lib/runner-ext/shim/bake.py")]
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
