"""``migrate-project --strategy``: which jobs go to the shim, what the report says about them,
and what the shim analysis reads (scripts, Makefiles, compose files) before choosing it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.config import OrgConfig, parse_config
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project


def _migrate(argv: list[str]) -> int:
    return run(argv, prog="migrate-project", command=migrate_cli.app)


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _jobs(result: MigrationResult) -> dict[str, tuple[str, str, str]]:
    return {j.name: (j.status, j.strategy, j.reason) for j in result.jobs}


DIND_JOB = """{name}:
  image: docker:24
  services: [docker:24-dind]
  script:
{script}
"""


def _ci(**jobs: list[str]) -> str:
    return "\n".join(DIND_JOB.format(name=name, script="".join(f"    - {s}\n" for s in lines))
                     for name, lines in jobs.items())


@pytest.mark.parametrize("strategy, expected", [
    ("declarative", ("left", "")), ("shim", ("migrated", "shim")), ("auto", ("migrated", "shim")),
])
def test_strategy_flag_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                strategy: str, expected: tuple[str, str]) -> None:
    root = tmp_path / "project"
    shutil.copytree(REPO / "ci-examples" / "shim-make", root)
    assert _migrate(["--dry-run", "--output", "json", "--strategy", strategy, str(root)]) == 0
    (job,) = json.loads(capsys.readouterr().out)["jobs"]
    assert (job["status"], job["strategy"]) == expected


def test_unknown_strategy_is_a_usage_error(tmp_path: Path) -> None:
    assert _migrate(["--strategy", "magic", str(tmp_path)]) == 2
    with pytest.raises(Exception, match="unknown migration strategy"):
        migrate_project(LocalSource(tmp_path), config=OrgConfig(),
                        strategy="magic")  # type: ignore[arg-type]


def test_auto_keeps_declarative_where_exact_and_shim_takes_the_rest(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        ".gitlab-ci.yml": _ci(exact=["docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .",
                                     "docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"],
                              scripted=["./ci/build.sh"]),
        "Dockerfile": "FROM busybox:1.36\n",
        "ci/build.sh": "#!/bin/sh\nfor t in a b; do\n  docker build -t \"r/x:$t\" .\ndone\n",
    })
    result = migrate_project(LocalSource(root), config=OrgConfig())
    assert _jobs(result) == {"exact": ("migrated", "declarative", ""),
                             "scripted": ("migrated", "shim", "")}
    text = result.changes[".gitlab-ci.yml"]
    assert "- ./ci/build.sh" in text and "docker:24-dind" not in text
    assert "migrated (shim)" in result.to_markdown()
    assert "MIGRATED (shim)" in result.to_text()


@pytest.mark.parametrize("files, reason", [
    ({"Makefile": "image:\n\tdocker build -t r/x .\n\t@docker exec other true\n"},
     "'docker exec other true' (Makefile:3, target image) needs a Docker daemon (docker exec)"),
    ({"Makefile": "image:\n\t$(MAKE) -C sub push\n",
      "sub/Makefile": "push:\n\tdocker build -t r/x . \\\n\t  && docker container run -d r/x\n"},
     "docker container run -d r/x' (sub/Makefile:2, target push) runs a container (-d: needs "
     "a container a Docker daemon keeps"),
    ({"Makefile": "image:\n\tdocker build -t r/x:$$(yq -r .v chart.yaml) .\n"},
     "runs yq, which the shim executor image does not have"),
    ({"Makefile": "image:\n\tdocker compose -f ci/compose.yaml build\n"},
     "builds from a compose file the project does not have (ci/compose.yaml)"),
    ({"Makefile": "image:\n\tdocker compose build\n", "compose.yaml": "services: [a\n"},
     "compose.yaml is not valid YAML"),
])
def test_shim_reads_what_the_job_runs(tmp_path: Path, files: dict[str, str], reason: str) -> None:
    root = _project(tmp_path, {".gitlab-ci.yml": _ci(build_image=["make image"]), **files})
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    (status, strategy, why), = _jobs(result).values()
    assert status == "left" and strategy == "" and reason in why
    assert result.changes == {}


def test_shim_keeps_daemon_variables_a_kept_line_uses(tmp_path: Path) -> None:
    ci = """build:
  image: docker:24
  services: [docker:24-dind]
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_DRIVER: overlay2
  script:
    - make image
"""
    makefile = "image:\n\techo $(DOCKER_HOST)\n\tdocker build -t r .\n"
    root = _project(tmp_path, {".gitlab-ci.yml": ci, "Makefile": makefile})
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    (job,) = result.jobs
    text = result.changes[".gitlab-ci.yml"]
    assert "DOCKER_HOST: tcp://docker:2375" in text and "DOCKER_DRIVER" not in text
    assert "removed variables DOCKER_DRIVER" in job.changes
    assert any("kept variable DOCKER_HOST" in a for a in job.attention)


def test_shim_image_and_tags_come_from_the_config(tmp_path: Path) -> None:
    config = parse_config({"engines": {"shim": {"image": "debian:12.11-slim",
                                                "executor": "reg.example.com/shim:2.0"}},
                           "runner": {"tags": ["k8s", "builds"]}})
    root = _project(tmp_path, {".gitlab-ci.yml": _ci(build_image=["make image"]),
                               "Makefile": "image:\n\tdocker build -t r .\n"})
    text = migrate_project(LocalSource(root), config=config).changes[".gitlab-ci.yml"]
    assert "  image: reg.example.com/shim:2.0\n" in text and "  tags: [k8s, builds]\n" in text
    again = migrate_project(LocalSource(_project(tmp_path / "again", {
        ".gitlab-ci.yml": text, "Makefile": "image:\n\tdocker build -t r .\n"})), config=config)
    assert again.changes == {} and again.jobs[0].status == "already-daemonless"


def test_shim_leaves_a_job_whose_template_it_cannot_read(tmp_path: Path) -> None:
    ci = ("include:\n  - project: other/templates\n    file: /docker.yml\n\n"
          "build-image:\n  extends: .docker-in-docker\n  script:\n    - make image\n")
    root = _project(tmp_path, {".gitlab-ci.yml": ci, "Makefile": "image:\n\tdocker build -t r .\n"})
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    (status, _, why), = _jobs(result).values()
    assert status == "left" and "extends '.docker-in-docker'" in why


# --- docker run: once, in the foreground --------------------------------------------------

SMOKE = ["docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .",
         "docker run --rm $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA cat /etc/os-release",
         "docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"]


def _smoke(tmp_path: Path, run: str, strategy: str = "auto") -> tuple[MigrationResult, str]:
    script = [SMOKE[0], f"docker run {run} $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA ./selftest",
              SMOKE[2]]
    root = _project(tmp_path, {".gitlab-ci.yml": _ci(smoke=script),
                               "Dockerfile": "FROM busybox:1.36\n"})
    result = migrate_project(LocalSource(root), config=OrgConfig(),
                             strategy=strategy)  # type: ignore[arg-type]
    return result, result.jobs[0].reason


@pytest.mark.parametrize("run", [
    "--rm", "-t --rm", "-it --rm", "-ti", "-i", "--interactive --tty", "-q", "--quiet",
    "-e A=1 --env B=2 --env=C -eD=4", "--env-file ci/test.env",
    "-w /app", "--workdir=/app", "-u 1000:1000", "--user nobody", "--entrypoint sh",
    "--entrypoint=''", "-v $(pwd):/var/www/html", "-v $PWD/tests:/tests:ro",
    "--volume=${CI_PROJECT_DIR}:/src", "-v ./out:/out", "-v .:/src:rw,z",
    "--name smoke", "--pull always", "--pull=never", "--network host", "--net=bridge",
    "--network default",
])
def test_one_shot_runs_go_to_the_shim(tmp_path: Path, run: str) -> None:
    result, reason = _smoke(tmp_path, run)
    (job,) = result.jobs
    assert (job.status, job.strategy, reason) == ("migrated", "shim", ""), reason
    (line,) = [c for c in job.changes if c.startswith("docker run executed once")]
    assert "with chroot isolation" in line and f"'docker run {run} " in line


@pytest.mark.parametrize("run, named", [
    ("-d", "-d: needs a container a Docker daemon keeps"),
    ("--detach", "--detach: needs a container a Docker daemon keeps"),
    ("-itd", "-d: needs a container a Docker daemon keeps"),
    ("--restart always", "--restart: needs a container a Docker daemon keeps"),
    ("--volumes-from data", "--volumes-from: needs a container a Docker daemon keeps"),
    ("--init", "--init: needs a container a Docker daemon keeps"),
    ("-p 8080:80", "-p: needs access to the host (ports, devices, capabilities or namespaces)"),
    ("--publish=80:80", "--publish: needs access to the host"),
    ("-P", "-P: needs access to the host"),
    ("--privileged", "--privileged: needs access to the host"),
    ("--cap-add SYS_ADMIN", "--cap-add: needs access to the host"),
    ("--device /dev/fuse", "--device: needs access to the host"),
    ("--pid host", "--pid: needs access to the host"),
    ("--ipc=host", "--ipc: needs access to the host"),
    ("--network backend", "--network backend: only the pod's own network is there"),
    ("-v /var/run/docker.sock:/var/run/docker.sock",
     "-v /var/run/docker.sock:/var/run/docker.sock: mounts the Docker socket"),
    ("-v /etc/ssl:/certs", "-v /etc/ssl:/certs: mounts a host path outside the job's directory"),
    ("-v $(pwd)/../x:/x", "-v $(pwd)/../x:/x: mounts $(pwd)/../x, which may be outside"),
    ("-v $HOME/.m2:/root/.m2", "-v $HOME/.m2:/root/.m2: mounts $HOME/.m2, which may be outside"),
    ("-v cache:/cache", "-v cache:/cache: is a Docker volume, which lives in a daemon"),
    ("-v /cache", "-v /cache: is a Docker volume"),
    ("--memory 1g", "--memory: is not an option of the shim's one-shot docker run"),
    ("--platform linux/arm64", "--platform: is not an option of the shim's one-shot"),
])
@pytest.mark.parametrize("strategy", ["auto", "shim", "declarative"])
def test_runs_the_shim_cannot_do_once_leave_the_job_naming_the_option(
        tmp_path: Path, run: str, named: str, strategy: str) -> None:
    result, reason = _smoke(tmp_path, run, strategy)
    (job,) = result.jobs
    assert job.status == "left" and result.changes == {}
    assert f"'docker run {run} $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA ./selftest' runs a " \
           "container (" in reason and named in reason, reason


def test_declarative_strategy_leaves_a_one_shot_run(tmp_path: Path) -> None:
    result, reason = _smoke(tmp_path, "--rm", "declarative")
    assert result.jobs[0].status == "left"
    assert reason == "'docker run --rm $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA ./selftest' runs a " \
                     "container"


def test_exec_and_start_still_leave_the_job_naming_the_verb(tmp_path: Path) -> None:
    """Beside a one-shot run the shim could do, the verb that needs a daemon is named."""
    for verb, named in (("docker exec app ./selftest", "needs a Docker daemon (docker exec)"),
                        ("docker start app", "needs a Docker daemon (docker start)")):
        root = _project(tmp_path / verb.split()[1], {
            ".gitlab-ci.yml": _ci(smoke=[SMOKE[0], SMOKE[1], verb, SMOKE[2]]),
            "Dockerfile": "FROM busybox:1.36\n"})
        result = migrate_project(LocalSource(root), config=OrgConfig())
        assert result.jobs[0].status == "left" and named in result.jobs[0].reason
        assert result.jobs[0].reason.startswith(f"'{verb}'")


MULTI = "image:\n\tdocker buildx build --platform linux/amd64,linux/arm64 -t $(IMAGE) {extra}.\n"


def test_a_pushed_multi_platform_build_goes_to_the_shim_with_the_qemu_note(
        tmp_path: Path) -> None:
    root = _project(tmp_path, {".gitlab-ci.yml": _ci(build_image=["make image"]),
                               "Makefile": MULTI.format(extra="--push "),
                               "Dockerfile": "FROM busybox:1.36\n"})
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    (outcome,) = result.jobs
    assert (outcome.status, outcome.strategy) == ("migrated", "shim"), outcome.reason
    assert ("--platform linux/amd64,linux/arm64 built into one manifest list and pushed as one "
            "index to every tag") in outcome.changes
    assert any("qemu-user-static" in a for a in outcome.attention)


@pytest.mark.parametrize("extra, reason", [
    ("", "builds --platform linux/amd64,linux/arm64 and does not push"),
    ("--push -o type=tar,dest=out.tar ",
     "builds --platform linux/amd64,linux/arm64 and writes -o type=tar,dest=out.tar"),
])
def test_a_multi_platform_build_that_keeps_its_images_is_left(
        tmp_path: Path, extra: str, reason: str) -> None:
    root = _project(tmp_path, {".gitlab-ci.yml": _ci(build_image=["make image"]),
                               "Makefile": MULTI.format(extra=extra),
                               "Dockerfile": "FROM busybox:1.36\n"})
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    (status, _, why), = _jobs(result).values()
    assert status == "left" and reason in why, why


def test_a_multi_platform_build_to_a_registry_output_goes_to_the_shim(tmp_path: Path) -> None:
    root = _project(tmp_path, {".gitlab-ci.yml": _ci(build_image=["make image"]),
                               "Makefile": MULTI.format(extra="--output type=registry "),
                               "Dockerfile": "FROM busybox:1.36\n"})
    result = migrate_project(LocalSource(root), config=OrgConfig(), strategy="shim")
    (status, strategy, why), = _jobs(result).values()
    assert (status, strategy) == ("migrated", "shim"), why


@pytest.mark.parametrize("output, expected", [
    ("type=registry,compression=zstd", ("migrated", "shim", "")),
    ("type=registry,oci-mediatypes=true", ("left", "", "the shim does not read 'oci-mediatypes'")),
])
def test_auto_takes_a_build_whose_only_extra_option_is_an_output_to_the_shim(
        tmp_path: Path, output: str, expected: tuple[str, str, str]) -> None:
    root = _project(tmp_path, {
        ".gitlab-ci.yml": _ci(build=[f"docker buildx build --output {output} "
                                     "-t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA ."]),
        "Dockerfile": "FROM busybox:1.36\n"})
    (status, strategy, why), = _jobs(migrate_project(LocalSource(root),
                                                     config=OrgConfig())).values()
    assert (status, strategy) == expected[:2] and expected[2] in why, why
