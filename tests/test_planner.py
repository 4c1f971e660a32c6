"""The build planner: golden plans for a table of specs by three engines, and its refusals."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from golden import check_golden

from runner_ext.config import ENGINES, OrgConfig, parse_config
from runner_ext.errors import RunnerExtError
from runner_ext.planner import plan
from runner_ext.planner.cache import cache_repo_for, repository_of
from runner_ext.planner.from_config import VARIABLES, spec_from_config, template_spec
from runner_ext.planner.shell import plan_to_shell

GOLDEN = Path(__file__).parent / "golden" / "planner"
IMAGE = "registry.example.com/team/app"

CASES: dict[str, dict[str, Any]] = {
    "defaults": {"spec": {"destinations": [f"{IMAGE}:1.0"]}},
    "no-cache": {"spec": {"destinations": [f"{IMAGE}:1.0"], "cache": False}},
    "target-and-args": {"spec": {
        "destinations": [f"{IMAGE}:1.0"], "target": "runtime",
        "build_args": ["VERSION=1.0", "NOTE=two words"], "labels": ["team=web"],
        "dockerfile": "docker/app.Dockerfile", "context": "src"}},
    "several-destinations": {"spec": {"destinations": [
        f"{IMAGE}:1.0", f"{IMAGE}:latest", "mirror.example.com:5000/team/app:1.0"]}},
    "build-check": {"spec": {"destinations": [f"{IMAGE}:1.0"], "push": False}},
    "explicit-cache-repo": {"spec": {"destinations": [f"{IMAGE}:1.0"],
                                     "cache_repo": "cache.example.com/shared/app"}},
    "mirrors-insecure-ca": {
        "config": {"registry": {"mirrors": ["mirror.gcr.io"], "insecure": ["10.0.0.5:5000"],
                                "ca_file": "/etc/ssl/corp-ca.pem",
                                "ca_hosts": ["registry.example.com"]}},
        "spec": {"destinations": [f"{IMAGE}:1.0"]}},
    "ca-from-variable": {
        "config": {"registry": {"ca_file": "$REGISTRY_CA", "ca_hosts": ["registry.example.com"]}},
        "spec": {"destinations": [f"{IMAGE}:1.0"], "digest_file": "/tmp/digest"}},
    "platform-and-snapshot": {
        "config": {"kaniko": {"snapshot_mode": "time", "use_new_run": False,
                              "compressed_caching": True},
                   "warmer": {"images": ["busybox:1.36"]}},
        "spec": {"destinations": [f"{IMAGE}:1.0"], "platform": "linux/arm64"}},
}


def _plan_for(case: dict[str, Any], engine: str) -> dict[str, Any]:
    config = parse_config(case.get("config", {}))
    spec_args = {"context": ".", **case["spec"]}
    result = plan(spec_from_config(config, engine, **spec_args), engine)  # type: ignore[arg-type]
    if config.registry.ca_file.startswith("$"):  # a CA from a job variable: only shell
        return {"shell": plan_to_shell(result).splitlines()}
    return {
        "argv": result.argv(),
        "env": result.environment(),
        "files": result.file_contents(),
        "copies": result.file_copies(),
        "auth_file": result.auth_file.literal,
        "digest": None if result.digest is None else
        {"path": result.digest.path.literal, "format": result.digest.format},
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_plan(name: str) -> None:
    case = CASES[name]
    plans = {"case": case, "plans": {e: _plan_for(case, e) for e in ENGINES}}
    check_golden(GOLDEN / f"{name}.json", json.dumps(plans, indent=2, sort_keys=True) + "\n")


def test_seed_kaniko_flags() -> None:
    """The article's command: cache on, cache repo, copy layers, snapshot mode, new run."""
    argv = plan(spec_from_config(OrgConfig(), "kaniko", context=".",
                                 destinations=[f"{IMAGE}:1.0"]), "kaniko").argv()[0]
    for flag in ("--cache=true", f"--cache-repo={IMAGE}/cache", "--cache-copy-layers=true",
                 "--snapshot-mode=redo", "--use-new-run"):
        assert flag in argv
    assert "--single-snapshot" not in argv


def test_single_snapshot_only_when_chosen() -> None:
    config = parse_config({"kaniko": {"single_snapshot": True}, "cache": {"enabled": False}})
    argv = plan(spec_from_config(config, "kaniko", context=".", destinations=[f"{IMAGE}:1"]),
                "kaniko").argv()[0]
    assert "--single-snapshot" in argv
    assert not any(a.startswith("--cache") for a in argv if a != "--compressed-caching=false")


def test_single_snapshot_with_cache_refused() -> None:
    spec = spec_from_config(OrgConfig(), "kaniko", context=".", destinations=[f"{IMAGE}:1"])
    spec = replace(spec, kaniko=replace(spec.kaniko, single_snapshot=True))
    with pytest.raises(RunnerExtError, match="single snapshot and the layer cache"):
        plan(spec, "kaniko")


@pytest.mark.parametrize("engine", ["kaniko", "buildah"])
def test_multi_platform_refused_where_unsupported(engine: str) -> None:
    spec = spec_from_config(OrgConfig(), engine, context=".", destinations=[f"{IMAGE}:1"],
                            platform="linux/amd64,linux/arm64")
    with pytest.raises(RunnerExtError, match="cannot emulate") as caught:
        plan(spec, engine)
    assert "manifest list" in str(caught.value)


def test_multi_platform_buildkit() -> None:
    spec = spec_from_config(OrgConfig(), "buildkit", context=".", destinations=[f"{IMAGE}:1"],
                            platform="linux/amd64,linux/arm64")
    assert "platform=linux/amd64,linux/arm64" in plan(spec, "buildkit").argv()[0]


@pytest.mark.parametrize("name", ["NPM_TOKEN", "db_password", "AWS_SECRET_ACCESS_KEY",
                                  "SSH_KEY", "my_secret"])
@pytest.mark.parametrize("engine", ENGINES)
def test_secret_build_args_refused(name: str, engine: str) -> None:
    spec = spec_from_config(OrgConfig(), engine, context=".", destinations=[f"{IMAGE}:1"],
                            build_args=[f"{name}=canary-value-123"])
    with pytest.raises(RunnerExtError) as caught:
        plan(spec, engine)
    assert name in str(caught.value) and "cache keys" in str(caught.value)
    assert "canary-value-123" not in str(caught.value)


def test_secret_build_arg_allowed_explicitly() -> None:
    config = parse_config({"build": {"allow_secret_build_args": ["PUBLIC_KEY"]}})
    spec = spec_from_config(config, "kaniko", context=".", destinations=[f"{IMAGE}:1"],
                            build_args=["PUBLIC_KEY=ssh-ed25519 AAA"])
    assert "--build-arg=PUBLIC_KEY=ssh-ed25519 AAA" in plan(spec, "kaniko").argv()[0]


def test_no_destination_refused() -> None:
    spec = spec_from_config(OrgConfig(), "buildah", context=".", destinations=[])
    with pytest.raises(RunnerExtError, match="no destination"):
        plan(spec, "buildah")


@pytest.mark.parametrize(("ref", "repo"), [
    ("registry.example.com:5000/g/app:1.0", "registry.example.com:5000/g/app"),
    ("registry.example.com:5000/g/app", "registry.example.com:5000/g/app"),
    ("app@sha256:" + "a" * 64, "app"),
    ("ghcr.io/o/app:v1@sha256:" + "b" * 64, "ghcr.io/o/app"),
    ("localhost:5000/app", "localhost:5000/app"),
])
def test_repository_of(ref: str, repo: str) -> None:
    assert repository_of(ref) == repo


def test_cache_repo_template() -> None:
    assert cache_repo_for("r.example/g/app:1", "{image}/cache") == "r.example/g/app/cache"
    assert cache_repo_for("r.example/g/app:1", "r.example/cache/{image}") == \
        "r.example/cache/r.example/g/app"


# --- values that would become engine options (security finding 11) --------------------

@pytest.mark.parametrize(("spec", "config", "key"), [
    ({"destinations": ["--tls-verify=false"]}, {}, "destinations[0]"),
    ({"destinations": [f"{IMAGE}:1", "-d"]}, {}, "destinations[1]"),
    ({"destinations": [f"{IMAGE}:1 --push"]}, {}, "destinations[0]"),
    ({"destinations": ["Registry.example.com/Team/App:1"]}, {}, "destinations[0]"),
    ({"cache_repo": "--insecure"}, {}, "cache_repo"),
    ({"cache_repo": f"{IMAGE}/cache:tag"}, {}, "cache_repo"),
    ({"context": "--tls-verify=false"}, {}, "context"),
    ({"dockerfile": "-f"}, {}, "dockerfile"),
    ({}, {"registry": {"mirrors": ["--insecure-registry=x"]}}, "registry.mirrors[0]"),
    ({}, {"registry": {"insecure": ['a"]]b']}}, "registry.insecure[0]"),
    ({}, {"registry": {"ca_file": "/ca.pem", "ca_hosts": ["x.example.com/path"]}},
     "registry.ca_hosts[0]"),
])
@pytest.mark.parametrize("engine", ENGINES)
def test_values_outside_the_reference_grammar_are_refused_with_their_key(
        spec: dict[str, Any], config: dict[str, Any], key: str, engine: str) -> None:
    args = {"context": ".", "destinations": [f"{IMAGE}:1"], **spec}
    built = spec_from_config(parse_config(config), engine, **args)  # type: ignore[arg-type]
    with pytest.raises(RunnerExtError) as caught:
        plan(built, engine)
    message = str(caught.value)
    assert message.startswith(f"{key}: not ") and "; " in message, message


def test_plan_command_refuses_an_option_as_destination(
        capsys: pytest.CaptureFixture[str]) -> None:
    from runner_ext.cli.main import run
    assert run(["plan", "--engine", "buildah", "-d", "--tls-verify=false"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "destinations[0]: not an image reference (got '--tls-verify=false')" in captured.err


@pytest.mark.parametrize("ref", [
    f"{IMAGE}:1.0", "localhost:5000/app", f"{IMAGE}@sha256:{'ab' * 32}", "app",
    "Reg-1.Example.com:5050/a__b/c-d.e:V1.2_rc-3", "[fd00::1]:5000/app:1"])
def test_references_in_the_grammar_pass(ref: str) -> None:
    built = spec_from_config(OrgConfig(), "buildah", context=".", destinations=[ref])
    assert ["-t", ref] == plan(built, "buildah").argv()[0][9:11]


# --- one secret build-arg check (security finding 14) ----------------------------------

def _refused_by_planner(name: str, allowed: list[str]) -> bool:
    config = parse_config({"build": {"allow_secret_build_args": allowed}})
    spec = spec_from_config(config, "kaniko", context=".", destinations=[f"{IMAGE}:1"],
                            build_args=[f"{name}=v"])
    try:
        plan(spec, "kaniko")
    except RunnerExtError as error:
        assert "looks like a secret" in str(error)
        return True
    return False


def _refused_by_migration(name: str, allowed: list[str], root: Path) -> bool:
    from runner_ext.migrate import LocalSource, migrate_project
    root.mkdir()
    (root / "Dockerfile").write_text("FROM busybox:1.36.1\n")
    (root / ".gitlab-ci.yml").write_text(
        "build:\n  tags: [shell]\n  script:\n"
        f"    - docker build --build-arg {name}=v -t $CI_REGISTRY_IMAGE .\n"
        "    - docker push $CI_REGISTRY_IMAGE\n")
    config = parse_config({"build": {"allow_secret_build_args": allowed}})
    result = migrate_project(LocalSource(root), config=config, engine="kaniko",
                             dockerfile_fixes="none")
    [job] = result.jobs
    return "looks like a secret" in job.reason


def _refused_in_the_job(name: str, allowed: list[str]) -> bool:
    from conftest import require_tool
    config = parse_config({"build": {"allow_secret_build_args": allowed}})
    shell = plan_to_shell(plan(template_spec(config, "kaniko"), "kaniko"))
    script = shell + 'runner_ext_run() { :; }\nrunner_ext_plan\n'
    env = {"PATH": os.environ["PATH"], "RUNNER_EXT_BUILD_ARGS": f"{name}=v",
           **{var: "" for var in VARIABLES.values() if var != "RUNNER_EXT_BUILD_ARGS"}}
    done = subprocess.run([require_tool("busybox"), "sh", "-c", script], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode in (0, 2), done.stderr
    return done.returncode == 2 and "looks like a secret" in done.stderr


@pytest.mark.parametrize(("name", "allowed", "refused"), [
    ("npm_token", [], True),
    ("Npm_Token", [], True),
    ("NPM_TOKEN", ["npm_token"], False),
    ("npm_token", ["NPM_TOKEN"], False),
    ("Npm_Token", ["nPM_tOKEN"], False),
    ("npm_token", ["OTHER_TOKEN"], True),
    ("ssh_key", ["SSH_KEY"], False),
    ("monkey", [], False),
])
def test_planner_migration_and_job_agree_on_secret_names_in_any_case(
        name: str, allowed: list[str], refused: bool, tmp_path: Path) -> None:
    verdicts = {
        "planner": _refused_by_planner(name, allowed),
        "migration": _refused_by_migration(name, allowed, tmp_path / "project"),
        "job": _refused_in_the_job(name, allowed),
    }
    assert verdicts == dict.fromkeys(verdicts, refused)


# --- org-config values in the rendered shell (security issue, "Also") -------------------

HOSTILE = "a\"b'c\nd$(touch pwned)`touch pwned2` # ]] [x] \\ {y} ${HOME}"


def test_org_config_values_reach_the_engine_as_exactly_one_word(tmp_path: Path) -> None:
    from conftest import require_tool
    ca = tmp_path / f"ca{HOSTILE}.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    config = parse_config({"kaniko": {"cache_dir": f"/cache{HOSTILE}"},
                           "warmer": {"images": ["busybox:1.36.1"]},
                           "registry": {"ca_file": str(ca), "ca_hosts": ["registry.example.com"]}})
    shell = plan_to_shell(plan(template_spec(config, "kaniko"), "kaniko"))
    record = tmp_path / "argv"
    script = (shell + f'runner_ext_run() {{ printf "%s\\0" "$@" > {shlex.quote(str(record))}; }}'
              "\nrunner_ext_prepare && runner_ext_plan\n")
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent",
           **{var: "" for var in VARIABLES.values()},
           "RUNNER_EXT_DESTINATIONS": f"{IMAGE}:1", "RUNNER_EXT_CONTEXT": ".",
           "RUNNER_EXT_CACHE": "true", "RUNNER_EXT_CACHE_REPO": f"{IMAGE}/cache",
           "RUNNER_EXT_DOCKERFILE": "Dockerfile", "RUNNER_EXT_WORK_DIR": str(tmp_path / "w")}
    done = subprocess.run([require_tool("busybox"), "sh", "-c", script], env=env, cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    argv = record.read_text().split("\0")[:-1]
    assert f"--cache-dir=/cache{HOSTILE}" in argv
    assert (tmp_path / "w" / "certs" / "ca.crt").read_text() == ca.read_text()
    assert not list(tmp_path.glob("pwned*"))
