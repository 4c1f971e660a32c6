"""The executor entrypoint, sourced after the real generated plan, with a fake engine on PATH.

The plan is the one our CI templates carry (``plan_to_shell`` of the symbolic spec); only
the engine binary is a recording fake (``tests/e2e/fake_engine.py``). Each behaviour is
checked under busybox ``sh`` (all Kaniko's debug image has) and dash, and the exit-code
behaviour also under ``bash -eo pipefail`` (what GitLab's shells run with).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, require_tool
from e2e import fake_engine

from runner_ext.config import parse_config
from runner_ext.planner import plan
from runner_ext.planner.from_config import template_spec
from runner_ext.planner.shell import plan_to_shell

ENTRYPOINT = REPO / "executor" / "entrypoint.sh"
CANARY = "canary-pw-7f3e9a1c"
IMAGE = "registry.example.com/g/app"
SHA = "0123456789abcdef0123456789abcdef01234567"
ENGINE_BINARY = {"buildah": "buildah", "buildkit": "buildctl-daemonless.sh"}
SHELLS = {"busybox": ["busybox", "sh"], "dash": ["dash"], "bash": ["bash", "-o", "pipefail"]}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Job:
    """A job of one engine: the generated plan, the job variables, a fake engine."""

    def __init__(self, tmp: Path, engine: str = "buildah", config: dict[str, Any] | None = None
                 ) -> None:
        self.tmp, self.engine = tmp, engine
        self.project = tmp / "project"
        self.project.mkdir(exist_ok=True)
        self.work = tmp / "work"
        self.records = tmp / "records"
        self.bin = tmp / "bin"
        fake_engine.install(self.bin, ENGINE_BINARY[engine], self.records)
        spec = template_spec(parse_config(config or {}), engine)  # type: ignore[arg-type]
        self.plan_shell = plan_to_shell(plan(spec, engine))
        self.env: dict[str, str] = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_EXT_WORK_DIR": str(self.work), "RUNNER_EXT_CONTEXT": str(self.project),
            "RUNNER_EXT_DOCKERFILE": "Dockerfile", "RUNNER_EXT_IMAGE": IMAGE,
            "RUNNER_EXT_DESTINATIONS": "", "RUNNER_EXT_EXTRA_TAGS": "",
            "RUNNER_EXT_BUILD_ARGS": "", "RUNNER_EXT_TARGET": "", "RUNNER_EXT_LABELS": "",
            "RUNNER_EXT_PLATFORM": "", "RUNNER_EXT_CACHE": "true",
            "RUNNER_EXT_CACHE_REPO": f"{IMAGE}/cache", "RUNNER_EXT_EXTRA_ARGS": "",
            "RUNNER_EXT_DIGEST_FILE": f"{self.work}/image-digest",
            "RUNNER_EXT_DOTENV": "runner-ext.env",
            "CI_COMMIT_SHA": SHA, "CI_COMMIT_REF_SLUG": "feature-x",
            "CI_COMMIT_BRANCH": "feature/x", "CI_DEFAULT_BRANCH": "main",
            "CI_REGISTRY": "registry.example.com", "CI_REGISTRY_USER": "gitlab-ci-token",
            "CI_REGISTRY_PASSWORD": CANARY,
        }

    def fail(self, output: str, code: int, when: str | None = None) -> None:
        """Make the fake engine print ``output`` and exit ``code`` (on calls with ``when``)."""
        self.records.mkdir(parents=True, exist_ok=True)
        (self.records / "fail.json").write_text(json.dumps(
            {"output": output, "code": code, **({"when": when} if when else {})}))

    def run(self, shell: str = "busybox", before: str = "", **env: str
            ) -> subprocess.CompletedProcess[str]:
        """Source the entrypoint after the plan, as the template's script does."""
        argv = SHELLS[shell]
        tool = require_tool(argv[0])
        script = ("set -e\n" + before + self.plan_shell + '. "$1"\n'
                  "echo 'runner-ext-test: the job went on'\n")
        return subprocess.run([tool, *argv[1:], "-c", script, "job", str(ENTRYPOINT)],
                              cwd=self.project, env={**self.env, **env}, capture_output=True,
                              text=True, timeout=60, check=False)

    def calls(self) -> list[dict[str, Any]]:
        """What the fake engine received."""
        return fake_engine.calls(self.records)  # type: ignore[return-value]

    def dotenv(self) -> dict[str, str]:
        """The dotenv report."""
        lines = (self.project / "runner-ext.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def job(tmp_path: Path) -> Job:
    return Job(tmp_path)


def _pushed(job: Job) -> list[str]:
    return [c["argv"][-2] for c in job.calls() if "push" in c["argv"]]


# --- destinations ---------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["busybox", "dash"])
def test_default_tags_on_a_feature_branch(job: Job, shell: str) -> None:
    done = job.run(shell)
    assert done.returncode == 0, done.stderr
    assert _pushed(job) == [f"{IMAGE}:{SHA}", f"{IMAGE}:feature-x"]
    build = job.calls()[0]["argv"]
    assert build[build.index("-t") + 1] == f"{IMAGE}:{SHA}"


def test_latest_on_the_default_branch_and_the_git_tag(job: Job) -> None:
    done = job.run(CI_COMMIT_BRANCH="main", CI_COMMIT_REF_SLUG="main",
                   CI_COMMIT_TAG="release/1.2+rc1", RUNNER_EXT_EXTRA_TAGS="stable  latest")
    assert done.returncode == 0, done.stderr
    assert _pushed(job) == [f"{IMAGE}:{SHA}", f"{IMAGE}:main", f"{IMAGE}:latest",
                            f"{IMAGE}:release-1.2-rc1", f"{IMAGE}:stable"]


def test_explicit_destinations_spaces_or_lines(job: Job) -> None:
    done = job.run(RUNNER_EXT_DESTINATIONS="reg.example/a:1 reg.example/a:2\n\nreg.example/b:1\n",
                   RUNNER_EXT_EXTRA_TAGS="extra")
    assert done.returncode == 0, done.stderr
    assert _pushed(job) == ["reg.example/a:1", "reg.example/a:2", "reg.example/b:1",
                            f"{IMAGE}:extra"]


def test_no_image_and_no_destinations_is_a_usage_error(job: Job) -> None:
    done = job.run(RUNNER_EXT_IMAGE="")
    assert done.returncode == 2
    assert "RUNNER_EXT_IMAGE is empty" in done.stderr
    assert job.calls() == []


def test_cache_on_without_a_cache_repo(job: Job) -> None:
    done = job.run(RUNNER_EXT_CACHE_REPO="/cache")
    assert done.returncode == 2
    assert "cache repo '/cache' is not a repository" in done.stderr


# --- registry auth --------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["busybox", "dash"])
def test_auth_file_is_private_and_removed(job: Job, shell: str) -> None:
    done = job.run(shell)
    assert done.returncode == 0, done.stderr
    auth = job.calls()[0]["auth"]
    assert auth["path"] == f"{job.work}/config.json"
    assert auth["mode"] == 0o600
    assert auth["content"] == {"auths": {"registry.example.com": {
        "auth": _b64(f"gitlab-ci-token:{CANARY}")}}}
    assert not (job.work / "config.json").exists()


def test_more_registries_from_a_variable_or_a_file(job: Job, tmp_path: Path) -> None:
    lines = ("# mirrors and the org registry\n\n"
             "docker.io hubuser hub secret with spaces\n"
             "registry.example.com deploy-bot bot-pass\n"
             "ghcr.io  ghuser\tgh-pass")
    expected = {"auths": {
        "https://index.docker.io/v1/": {"auth": _b64("hubuser:hub secret with spaces")},
        "registry.example.com": {"auth": _b64("deploy-bot:bot-pass")},
        "ghcr.io": {"auth": _b64("ghuser:gh-pass")},
    }}
    assert job.run(RUNNER_EXT_REGISTRY_AUTH=lines).returncode == 0
    assert job.calls()[0]["auth"]["content"] == expected
    file_variable = tmp_path / "registry-auth"
    file_variable.write_text(lines + "\n")
    for old in job.records.glob("call-*"):
        old.unlink()
    assert job.run(RUNNER_EXT_REGISTRY_AUTH=str(file_variable)).returncode == 0
    assert job.calls()[0]["auth"]["content"] == expected


@pytest.mark.parametrize("shell", ["busybox", "dash"])
def test_the_dependency_proxy_gets_the_jobs_own_entry(job: Job, shell: str) -> None:
    """GitLab gives every job CI_DEPENDENCY_PROXY_*; base images pulled through the group's
    proxy prefix (host:443/…) or written without the port (host/…) both authenticate."""
    proxy_pw = "canary-proxy-3b9d"
    done = job.run(shell, CI_DEPENDENCY_PROXY_SERVER="gitlab.example.com:443",
                   CI_DEPENDENCY_PROXY_USER="gitlab-ci-token",
                   CI_DEPENDENCY_PROXY_PASSWORD=proxy_pw)
    assert done.returncode == 0, done.stderr
    assert job.calls()[0]["auth"]["content"] == {"auths": {
        "registry.example.com": {"auth": _b64(f"gitlab-ci-token:{CANARY}")},
        "gitlab.example.com:443": {"auth": _b64(f"gitlab-ci-token:{proxy_pw}")},
        "gitlab.example.com": {"auth": _b64(f"gitlab-ci-token:{proxy_pw}")},
    }}
    assert proxy_pw not in done.stdout + done.stderr


def test_the_dependency_proxy_on_another_port_and_an_extra_entry_winning(job: Job) -> None:
    done = job.run(CI_DEPENDENCY_PROXY_SERVER="gitlab.example.com:8443",
                   CI_DEPENDENCY_PROXY_USER="gitlab-ci-token",
                   CI_DEPENDENCY_PROXY_PASSWORD="proxy-pw",
                   RUNNER_EXT_REGISTRY_AUTH="gitlab.example.com:8443 robot robot-pw")
    assert done.returncode == 0, done.stderr
    assert job.calls()[0]["auth"]["content"] == {"auths": {
        "gitlab.example.com:8443": {"auth": _b64("robot:robot-pw")},
        "registry.example.com": {"auth": _b64(f"gitlab-ci-token:{CANARY}")},
    }}


def test_a_bad_dependency_proxy_server_is_named_not_shown(job: Job) -> None:
    done = job.run(CI_DEPENDENCY_PROXY_SERVER='evil"host', CI_DEPENDENCY_PROXY_PASSWORD="x")
    assert done.returncode == 2
    assert "CI_DEPENDENCY_PROXY_SERVER is not a registry host" in done.stderr
    assert 'evil"host' not in done.stderr
    assert not job.calls()


def test_a_bad_registry_line_is_named_not_shown(job: Job) -> None:
    done = job.run(RUNNER_EXT_REGISTRY_AUTH="ghcr.io user pw\nonly-a-host-and-canary-pw-7f3e9a1c")
    assert done.returncode == 2
    assert "RUNNER_EXT_REGISTRY_AUTH line 2 is not 'host username password'" in done.stderr
    assert CANARY not in done.stderr + done.stdout
    assert job.calls() == []


@pytest.mark.parametrize("shell", ["busybox", "dash", "bash"])
def test_tracing_is_turned_off(job: Job, shell: str) -> None:
    done = job.run(shell, before="set -x\n")
    assert done.returncode == 0, done.stderr
    assert "shell tracing (set -x) turned off" in done.stderr
    output = done.stdout + done.stderr
    assert CANARY not in output and _b64(f"gitlab-ci-token:{CANARY}") not in output


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_no_password_in_any_argv(job: Job, shell: str) -> None:
    """Every external command the entrypoint may run is a spy logging its argv.

    (busybox sh runs its applets without exec, so it would bypass the spies; dash and bash
    exec them, which is where an argv could be seen by other processes.)
    """
    busybox = require_tool("busybox")
    spy_log = job.tmp / "argv.log"
    spies = job.tmp / "spies"
    spies.mkdir()
    for tool in ("awk", "base64", "cat", "chmod", "cut", "dirname", "grep", "head", "mkdir",
                 "rm", "sed", "tee", "tr"):
        (spies / tool).write_text(
            f'#!/bin/sh\nprintf "%s " {tool} "$@" >> "{spy_log}"\necho >> "{spy_log}"\n'
            f'exec "{busybox}" {tool} "$@"\n')
        (spies / tool).chmod(0o755)
    done = job.run(shell, PATH=f"{spies}{os.pathsep}{job.env['PATH']}",
                   RUNNER_EXT_REGISTRY_AUTH=f"ghcr.io u {CANARY}-2")
    assert done.returncode == 0, done.stderr
    logged = spy_log.read_text()
    assert "base64" in logged and "chmod 600" in logged  # the spies did see the auth code
    assert CANARY not in logged


# --- report ---------------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["busybox", "dash"])
def test_dotenv_report_plain_digest(job: Job, shell: str) -> None:
    done = job.run(shell)
    assert done.returncode == 0, done.stderr
    digest = (job.work / "image-digest").read_text()
    assert job.dotenv() == {
        "RUNNER_EXT_BUILT_IMAGE": f"{IMAGE}@{digest}",
        "RUNNER_EXT_BUILT_REPOSITORY": IMAGE,
        "RUNNER_EXT_BUILT_DIGEST": digest,
        "RUNNER_EXT_BUILT_TAGS": f"{IMAGE}:{SHA} {IMAGE}:feature-x",
    }
    assert "runner-ext-test: the job went on" in done.stdout


def test_dotenv_report_buildkit_metadata(tmp_path: Path) -> None:
    job = Job(tmp_path, "buildkit")
    job.env["RUNNER_EXT_DESTINATIONS"] = "registry.example.com:5000/g/app:1.0"
    done = job.run()
    assert done.returncode == 0, done.stderr
    metadata = json.loads((job.work / "image-digest").read_text())
    report = job.dotenv()
    assert report["RUNNER_EXT_BUILT_DIGEST"] == metadata["containerimage.digest"]
    assert report["RUNNER_EXT_BUILT_IMAGE"] == (
        f"registry.example.com:5000/g/app@{metadata['containerimage.digest']}")


def test_log_outside_the_context(job: Job) -> None:
    assert job.run().returncode == 0
    log = (job.work / "build.log").read_text()
    assert "(fake) built and pushed" in log
    assert not any(p.name.endswith(".log") for p in job.project.rglob("*"))


# --- failures -------------------------------------------------------------------------

DIAGNOSES = {
    "push-401": ("Error: pushing image: checking whether a blob exists in "
                 "registry.example.com/g/app: unauthorized: authentication required", 125,
                 "push", "the registry rejected the credentials (401) while pushing the image"),
    "cache-401": ("error: --> Pushing cache registry.example.com/g/app/cache:abc: "
                  "unauthorized: authentication required", 1, None,
                  "rejected the credentials (401) while reading or writing the cache repo "
                  "registry.example.com/g/app/cache"),
    "push-403": ("Error: writing blob: initiating layer upload to /v2/g/app/blobs/uploads/ in "
                 "registry.example.com: denied: requested access to the resource is denied",
                 125, "push", "refused access (403) while pushing the image"),
    "base-missing": ("Error: creating build container: initializing source "
                     "docker://registry.example.com/base:9: reading manifest 9 in "
                     "registry.example.com/base: manifest unknown", 125, None,
                     "the base image was not found"),
    "oom": ("Killed", 137, None, "killed (exit 137), almost always out of memory"),
    "disk": ("Error: committing container: write /var/lib/containers/x: no space left on "
             "device", 125, None, "no space left on device"),
    "run-step": ("npm ERR! 401 Unauthorized - GET https://registry.npmjs.org/private-pkg\n"
                 "error building at STEP \"RUN npm ci\": exit status 1", 1, None,
                 "a RUN step of the Dockerfile failed: see its output above"),
    "kaniko-run-step": ("error building image: error building stage: failed to execute "
                        "command: waiting for process to exit: exit status 2", 1, None,
                        "a RUN step of the Dockerfile failed"),
    "buildkit-run-step": ("ERROR: failed to solve: process \"/bin/sh -c make\" did not "
                          "complete successfully: exit code: 2", 1, None,
                          "a RUN step of the Dockerfile failed"),
    "empty-image-store": ("Error: creating locker directory: mkdir "
                          "/var/lib/runner-ext/images/vfs-images: read-only file system", 125,
                          None, "the warmer's image store (engines.buildah.image_store) is "
                          "empty: run the warmer Job"),
    "unknown": ("Error: something nobody foresaw", 3, None, "see the engine output above"),
}


@pytest.mark.parametrize("shell", ["busybox", "dash", "bash"])
@pytest.mark.parametrize("case", sorted(DIAGNOSES))
def test_failure_exit_code_and_one_line_diagnosis(job: Job, case: str, shell: str) -> None:
    output, code, when, diagnosis = DIAGNOSES[case]
    job.fail(output, code, when)
    done = job.run(shell)
    assert done.returncode == code
    lines = [line for line in done.stderr.splitlines() if "runner-ext: build failed" in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"runner-ext: build failed (exit {code}): ")
    assert diagnosis in lines[0]
    assert "the job went on" not in done.stdout
    assert not (job.work / "config.json").exists()
    assert not (job.project / "runner-ext.env").exists()


def test_permission_denied_in_a_run_step_is_not_a_registry_problem(job: Job) -> None:
    job.fail("sh: can't create /etc/x: Permission denied\nerror building at STEP", 1)
    done = job.run()
    assert "registry" not in re.findall(r"runner-ext: build failed.*", done.stderr)[0]


def test_without_the_plan_functions(tmp_path: Path) -> None:
    busybox = require_tool("busybox")
    done = subprocess.run([busybox, "sh", "-c", '. "$1"', "job", str(ENTRYPOINT)],
                          capture_output=True, text=True, cwd=tmp_path, check=False,
                          env={"PATH": os.environ["PATH"], "RUNNER_EXT_WORK_DIR": str(tmp_path)})
    assert done.returncode == 3
    assert "source this file after the plan functions" in done.stderr


# --- build checks (push off) ----------------------------------------------------------

@pytest.mark.parametrize("shell", ["busybox", "dash"])
def test_push_off_builds_reads_the_cache_and_pushes_nothing(job: Job, shell: str) -> None:
    done = job.run(shell, RUNNER_EXT_PUSH="false")
    assert done.returncode == 0, done.stderr
    assert _pushed(job) == []
    (build,) = [c["argv"] for c in job.calls()]
    assert "--cache-from" in build and "--cache-to" not in build
    assert (job.project / "runner-ext.env").read_text() == ""
    assert "pushed nothing (push is off" in done.stderr


def test_push_off_in_buildkit_exports_nothing(tmp_path: Path) -> None:
    job = Job(tmp_path, "buildkit")
    done = job.run(RUNNER_EXT_PUSH="false")
    assert done.returncode == 0, done.stderr
    (argv,) = [c["argv"] for c in job.calls()]
    assert "--output" not in argv and "--export-cache" not in argv
    assert argv[argv.index("--import-cache") + 1] == f"type=registry,ref={IMAGE}/cache"


def test_push_unset_means_push(job: Job) -> None:
    done = job.run()
    assert done.returncode == 0, done.stderr
    assert _pushed(job) == [f"{IMAGE}:{SHA}", f"{IMAGE}:feature-x"]


def test_push_neither_true_nor_false_is_a_usage_error(job: Job) -> None:
    done = job.run(RUNNER_EXT_PUSH="no")
    assert done.returncode == 2
    assert "RUNNER_EXT_PUSH must be true or false" in done.stderr
    assert job.calls() == []
