"""Build pods, the warmer and runner config: least privilege per engine, held to its level.

Every rendered pod is checked with our own Pod Security Standards checker (itself held to
the upstream fixtures in test_kube_pss.py): each engine meets the level it claims, and
rendering for a namespace that enforces more is refused with exit 2 and nothing written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tomllib
from conftest import require_tool
from ruamel.yaml import YAML

from runner_ext.cli.main import run
from runner_ext.config import ENGINES, Engine, OrgConfig, parse_config
from runner_ext.kube.gitctx import parse_git_context
from runner_ext.kube.labels import CACHE_PVC, IMAGE_STORE_PVC
from runner_ext.kube.pod import CLONE_SCRIPT, PodRequest, render_pod
from runner_ext.kube.profiles import KANIKO_CAPABILITIES
from runner_ext.kube.pss import Level, capabilities_baseline, check_pod, highest_level
from runner_ext.kube.pss.load import pods_from_text
from runner_ext.kube.runner import render_runner
from runner_ext.kube.warmer import BUILDAH_RUN_ROOT, base_images, render_warmer
from runner_ext.planner import plan
from runner_ext.planner.engines import buildah_warmer_argvs, registries_conf, store_sync_argv
from runner_ext.planner.from_config import WORK_DIRS, registry_options, spec_from_config

CONTEXT = "git://gitlab.example.com/group/app.git#refs/heads/main"
IMAGE = "registry.example.com/group/app:1"
LOCALHOST = {"seccomp_localhost_profile": "profiles/builder.json",
             "apparmor_localhost_profile": "builder"}


def _config(**kubernetes: object) -> OrgConfig:
    return parse_config({"kubernetes": kubernetes})


def _build_pod(config: OrgConfig, engine: Engine, **extra: Any) -> Any:
    """The pod spec of the rendered build (of the Job's template for --kind job)."""
    request = PodRequest(engine, CONTEXT, (IMAGE,), **extra)
    (text,) = render_pod(config, request).files.values()
    docs = [d for d in YAML(typ="safe").load_all(text) if d["kind"] in ("Pod", "Job")]
    assert len(docs) == 1
    doc = docs[0]
    return doc["spec"] if doc["kind"] == "Pod" else doc["spec"]["template"]["spec"]


@pytest.mark.parametrize(("engine", "settings", "expected"), [
    ("kaniko", {}, Level.baseline),
    ("buildkit", {"enforce": "privileged"}, Level.privileged),
    ("buildah", {"enforce": "privileged"}, Level.privileged),
    ("buildkit", LOCALHOST, Level.baseline),
    ("buildah", LOCALHOST, Level.baseline),
    ("kaniko", {"user_namespaces": True}, Level.baseline),
])
def test_each_engine_meets_exactly_the_level_it_claims(
        engine: Engine, settings: dict[str, object], expected: Level) -> None:
    rendered = render_pod(_config(**settings), PodRequest(engine, CONTEXT, (IMAGE,)))
    assert rendered.level is expected
    (text,) = rendered.files.values()
    pods = pods_from_text(text, "pod.yaml")
    assert [highest_level(p) for p in pods] == [expected]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_build_pod_uses_host_access_or_privileged_mode(engine: Engine) -> None:
    spec = _build_pod(_config(enforce="privileged"), engine)
    text = json.dumps(spec)
    for forbidden in ("hostPath", "hostNetwork", "hostPID", "hostIPC", "hostPort",
                      "docker.sock", '"privileged": true'):
        assert forbidden not in text
    assert spec["restartPolicy"] == "Never"
    assert spec["automountServiceAccountToken"] is False
    assert spec["activeDeadlineSeconds"] == 3600
    build = spec["containers"][0]
    assert set(build["resources"]["limits"]) == {"cpu", "memory", "ephemeral-storage"}
    assert not [e for e in build.get("env", []) if "valueFrom" in e]


def test_kaniko_is_root_without_escalation_dropping_all_but_documented_capabilities() -> None:
    build = _build_pod(OrgConfig(), "kaniko")["containers"][0]
    context = build["securityContext"]
    assert context["runAsUser"] == 0
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"], "add": list(KANIKO_CAPABILITIES)}
    assert set(KANIKO_CAPABILITIES) < capabilities_baseline.ALLOWED
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    docs = (Path(__file__).parent.parent / "docs" / "kubernetes.md").read_text()
    for capability in KANIKO_CAPABILITIES:  # each one explained in the docs' table
        assert re.search(rf"^\| `{capability}` \| .+ \|$", docs, re.M), capability


def test_kaniko_pod_and_runner_config_pass_check_pod_at_baseline(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = PodRequest("kaniko", CONTEXT, (IMAGE,))
    ((name, text),) = render_pod(OrgConfig(), request).files.items()
    (tmp_path / name).write_text(text)
    assert run(["check", "pod", str(tmp_path / name), "--level", "baseline"]) == 0
    assert "0 violate the baseline level" in capsys.readouterr().out
    config = parse_config({"runner": {"gitlab_url": "https://gitlab.example.com",
                                      "ci_registry": "registry.example.com"}})
    toml = tomllib.loads(render_runner(config, "kaniko").files["config.toml"])
    kube = toml["runners"][0]["kubernetes"]
    assert kube["build_container_security_context"]["capabilities"] == {
        "drop": ["ALL"], "add": list(KANIKO_CAPABILITIES)}


@pytest.mark.parametrize("engine", ["buildkit", "buildah"])
def test_rootless_engines_run_as_1000_with_relaxed_or_localhost_profiles(
        engine: Engine) -> None:
    spec = _build_pod(_config(enforce="privileged"), engine)
    context = spec["containers"][0]["securityContext"]
    assert (context["runAsUser"], context["runAsNonRoot"]) == (1000, True)
    assert context["seccompProfile"]["type"] == context["appArmorProfile"]["type"] == \
        "Unconfined"
    local = _build_pod(_config(**LOCALHOST), engine)
    context = local["containers"][0]["securityContext"]
    assert context["seccompProfile"] == {"type": "Localhost",
                                         "localhostProfile": "profiles/builder.json"}
    assert context["appArmorProfile"] == {"type": "Localhost", "localhostProfile": "builder"}


def test_user_namespaces_option_sets_host_users_false() -> None:
    assert _build_pod(_config(user_namespaces=True), "kaniko")["hostUsers"] is False
    assert "hostUsers" not in _build_pod(OrgConfig(), "kaniko")


def test_auth_comes_from_a_read_only_secret_volume_at_the_work_dir() -> None:
    spec = _build_pod(_config(registry_secret="ci-push", enforce="privileged"), "buildkit")
    build = spec["containers"][0]
    mount = next(m for m in build["volumeMounts"] if m["name"] == "runner-ext-config")
    assert mount == {"name": "runner-ext-config", "mountPath": WORK_DIRS["buildkit"],
                     "readOnly": True}
    volume = next(v for v in spec["volumes"] if v["name"] == "runner-ext-config")
    assert volume["projected"]["defaultMode"] == 0o440
    secret = volume["projected"]["sources"][0]["secret"]
    assert secret == {"name": "ci-push",
                      "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_command_line_is_the_planners(engine: Engine) -> None:
    config = _config(enforce="privileged")
    build = _build_pod(config, engine)["containers"][0]
    context = CONTEXT if engine == "kaniko" else "."
    expected = plan(spec_from_config(config, engine, context=context, destinations=[IMAGE],
                                     work_dir=WORK_DIRS[engine]), engine)
    if len(expected.argv()) == 1:
        assert [*build["command"], *build["args"]] == expected.argv()[0]
    else:
        assert build["command"] == ["/bin/sh", "-c"]
        assert build["args"][0].splitlines()[1:] == [shlex.join(a) for a in expected.argv()]
    assert {e["name"]: e["value"] for e in build.get("env", [])} == expected.environment()


REFUSALS = [
    ("kaniko", {"enforce": "restricted"}, "spec.containers[0].securityContext.runAsUser"),
    ("buildkit", {}, "spec.containers[0].securityContext.seccompProfile.type"),
    ("buildah", {}, "spec.containers[0].securityContext.appArmorProfile.type"),
    ("buildkit", {"enforce": "restricted", **LOCALHOST},
     "spec.containers[0].securityContext.allowPrivilegeEscalation"),
]


@pytest.mark.parametrize(("engine", "settings", "field"), REFUSALS)
@pytest.mark.parametrize("command", ["pod", "runner"])
def test_a_stricter_namespace_is_refused_naming_field_and_reason(
        engine: str, settings: dict[str, str], field: str, command: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "runner-ext.toml"
    lines = [f'{key} = "{value}"' for key, value in settings.items()]
    config.write_text("[runner]\ngitlab_url = \"https://gitlab.example.com\"\n"
                      "ci_registry = \"registry.example.com\"\n[kubernetes]\n"
                      + "\n".join(lines) + "\n")
    out = tmp_path / "out"
    args = ["--context", CONTEXT, "-d", IMAGE] if command == "pod" else []
    code = run(["render", command, "--config", str(config), "--engine", engine, *args,
                "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert "kubernetes.enforce" in err and "nothing was written" in err
    assert field in err
    assert "; " in err.split(field, 1)[1].splitlines()[0]  # the engine's reason follows


def test_warmer_pods_meet_restricted() -> None:
    config = parse_config({"warmer": {"images": ["node:20"]},
                           "kubernetes": {"enforce": "restricted"}})
    rendered = render_warmer(config, {})
    assert rendered.level is Level.restricted
    pods = [p for text in rendered.files.values() for p in pods_from_text(text, "w")]
    assert len(pods) == 2
    assert all(not check_pod(p, Level.restricted) for p in pods)


def _warmer_pods(config: OrgConfig, engine: Engine = "buildah") -> list[Any]:
    """The pod specs of the warmer's Job and CronJob."""
    files = render_warmer(config, {}, engine).files
    specs = []
    for text in files.values():
        for doc in YAML(typ="safe").load_all(text):
            if doc["kind"] == "Job":
                specs.append(doc["spec"]["template"]["spec"])
            elif doc["kind"] == "CronJob":
                specs.append(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    assert len(specs) == 2
    return specs


@pytest.mark.parametrize(("settings", "expected"), [
    ({"enforce": "privileged"}, Level.privileged),
    (LOCALHOST, Level.baseline),
    ({"user_namespaces": True, **LOCALHOST}, Level.baseline),
])
def test_buildah_warmer_pods_meet_the_level_buildah_build_pods_claim(
        settings: dict[str, object], expected: Level) -> None:
    config = parse_config({"warmer": {"images": ["node:20"]}, "kubernetes": settings})
    rendered = render_warmer(config, {}, "buildah")
    assert rendered.level is expected
    pods = [p for text in rendered.files.values() for p in pods_from_text(text, "w")]
    assert [highest_level(p) for p in pods] == [expected, expected]
    build = render_pod(config, PodRequest("buildah", CONTEXT, (IMAGE,)))
    assert build.level is expected


@pytest.mark.parametrize("settings", [{"enforce": "privileged"}, LOCALHOST,
                                      {"user_namespaces": True, **LOCALHOST}])
def test_buildah_warmer_runs_with_the_buildah_build_pods_security(
        settings: dict[str, object]) -> None:
    config = parse_config({"warmer": {"images": ["node:20"]}, "kubernetes": settings})
    build = _build_pod(config, "buildah")
    for spec in _warmer_pods(config):
        (warmer,) = spec["containers"]
        assert warmer["securityContext"] == build["containers"][0]["securityContext"]
        assert warmer["securityContext"]["capabilities"]["add"] == ["SETUID", "SETGID",
                                                                     "SETFCAP"]
        assert spec["securityContext"]["fsGroup"] == build["securityContext"]["fsGroup"]
        assert spec.get("hostUsers") == build.get("hostUsers")
        assert spec["automountServiceAccountToken"] is False
        assert "hostPath" not in json.dumps(spec)


def test_check_pod_agrees_the_buildah_warmer_is_baseline_not_restricted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = parse_config({"warmer": {"images": ["node:20"]}, "kubernetes": LOCALHOST})
    for name, text in render_warmer(config, {}, "buildah").files.items():
        (tmp_path / name).write_text(text)
    paths = sorted(str(p) for p in tmp_path.glob("*.yaml"))
    assert run(["check", "pod", *paths, "--level", "baseline"]) == 0
    assert "2 pod spec(s) in 4 file(s): 0 violate the baseline level" in capsys.readouterr().out
    assert run(["check", "pod", *paths, "--level", "restricted"]) == 1
    out = capsys.readouterr().out
    assert "2 violate the restricted level" in out
    # What Buildah needs (its reasons): newuidmap/newgidmap escalate, SETUID/SETGID/SETFCAP.
    assert set(re.findall(r": (PSS\d+) ", out)) == {"PSS202", "PSS206"}


def test_buildah_warmer_in_a_baseline_namespace_needs_the_node_profiles(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "runner-ext.toml"
    config.write_text('[warmer]\nimages = ["node:20"]\n')
    out = tmp_path / "w"
    assert run(["render", "warmer", "-c", str(config), "--engine", "buildah",
                "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the Buildah warmer cannot run in namespace" in err and "nothing was written" in err
    assert "appArmorProfile.type" in err and "rootless Buildah" in err  # the engine's reason
    assert not out.exists()


def test_buildkit_has_no_warmer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "runner-ext.toml"
    config.write_text('[warmer]\nimages = ["node:20"]\n')
    out = tmp_path / "w"
    assert run(["render", "warmer", "-c", str(config), "--engine", "buildkit",
                "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "BuildKit has no warmer" in captured.err
    assert "--engine" in captured.err and not captured.out
    assert not out.exists()


def test_buildah_warmer_pulls_every_image_into_the_store_the_build_pods_read() -> None:
    config = parse_config({"warmer": {"images": ["node:20", "python:3.12-slim"]},
                           "engines": {"buildah": {**OrgConfig().engines.buildah.model_dump(),
                                                   "storage_driver": "overlay",
                                                   "image_store": "/srv/images"}},
                           "kubernetes": {"enforce": "privileged", "registry_secret": "pull"}})
    dockerfile = "FROM node:20\nFROM golang:1.23 AS build\nFROM build\n"
    files = render_warmer(config, {"Dockerfile": dockerfile}, "buildah").files
    assert "buildah-warmer-configmap.yaml" not in files  # no mirror, no plain-HTTP registry
    (job,) = YAML(typ="safe").load_all(files["buildah-warmer-job.yaml"])
    spec = job["spec"]["template"]["spec"]
    (warmer,) = spec["containers"]
    assert warmer["image"] == config.engines.buildah.reference
    assert warmer["command"] == ["/bin/sh", "-c"]
    lines = warmer["args"][0].splitlines()
    assert lines[0] == "set -e"
    pulls = [shlex.split(line) for line in lines if line.startswith("buildah ")]
    assert pulls == buildah_warmer_argvs("overlay", "/srv/images",
                                         ["node:20", "python:3.12-slim", "golang:1.23"],
                                         BUILDAH_RUN_ROOT)
    # Its last step writes the store to disk, so a completed Job is a store on disk.
    assert lines[-1] == "sync -f /srv/images" == shlex.join(store_sync_argv("/srv/images"))
    assert {e["name"]: e["value"] for e in warmer["env"]} == {
        "REGISTRY_AUTH_FILE": f"{WORK_DIRS['buildah']}/config.json"}
    mounts = {m["name"]: m for m in warmer["volumeMounts"]}
    assert mounts["image-store"] == {"name": "image-store", "mountPath": "/srv/images"}
    assert mounts["runner-ext-config"]["readOnly"] is True
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["image-store"]["persistentVolumeClaim"] == {"claimName": IMAGE_STORE_PVC}
    (source,) = volumes["runner-ext-config"]["projected"]["sources"]
    assert source["secret"]["name"] == "pull" and source["secret"]["optional"] is True
    # The build pods read the same store, read-only, through the planner's flag.
    build = _build_pod(config, "buildah")
    (mount,) = [m for m in build["containers"][0]["volumeMounts"] if m["name"] == "image-store"]
    assert mount == {"name": "image-store", "mountPath": "/srv/images", "readOnly": True}
    assert "--storage-opt overlay.imagestore=/srv/images" in build["containers"][0]["args"][0]
    (claim,) = [v for v in build["volumes"] if v["name"] == "image-store"]
    assert claim["persistentVolumeClaim"] == {"claimName": IMAGE_STORE_PVC, "readOnly": True}


def test_buildah_warmer_reads_registries_conf_from_its_configmap() -> None:
    config = parse_config({"warmer": {"images": ["node:20"]},
                           "registry": {"mirrors": ["mirror.gcr.io"],
                                        "insecure": ["registry.internal:5000"]},
                           "kubernetes": {"enforce": "privileged"}})
    files = render_warmer(config, {}, "buildah").files
    (configmap,) = YAML(typ="safe").load_all(files["buildah-warmer-configmap.yaml"])
    assert configmap["data"] == {"registries.conf": registries_conf(registry_options(config))}
    assert 'location = "registry.internal:5000"\ninsecure = true' in \
        configmap["data"]["registries.conf"]
    for spec in _warmer_pods(config):
        (warmer,) = spec["containers"]
        env = {e["name"]: e["value"] for e in warmer["env"]}
        assert env["CONTAINERS_REGISTRIES_CONF"] == f"{WORK_DIRS['buildah']}/registries.conf"
        sources = next(v for v in spec["volumes"] if v["name"] == "runner-ext-config")[
            "projected"]["sources"]
        assert sources[1]["configMap"]["name"] == configmap["metadata"]["name"]


@pytest.mark.parametrize(("engine", "claim", "mount"), [
    ("kaniko", CACHE_PVC, "/cache"), ("buildah", IMAGE_STORE_PVC, "/var/lib/runner-ext/images"),
])
def test_build_pods_and_runner_jobs_mount_the_warmers_store_only_with_images(
        engine: Engine, claim: str, mount: str) -> None:
    settings = {"runner": {"gitlab_url": "https://gitlab.example.com",
                           "ci_registry": "registry.example.com"},
                "kubernetes": {"enforce": "privileged"}}
    for images in ([], ["node:20"]):
        config = parse_config({**settings, "warmer": {"images": images}})
        spec = _build_pod(config, engine)
        claims = [v["persistentVolumeClaim"] for v in spec["volumes"]
                  if "persistentVolumeClaim" in v]
        mounts = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == mount]
        toml = tomllib.loads(render_runner(config, engine).files["config.toml"])
        pvcs = toml["runners"][0]["kubernetes"].get("volumes", {}).get("pvc", [])
        if not images:
            assert (claims, mounts, pvcs) == ([], [], [])
            continue
        assert claims == [{"claimName": claim, "readOnly": True}]
        assert [m["readOnly"] for m in mounts] == [True]
        assert pvcs == [{"name": claim, "mount_path": mount, "read_only": True}]
    assert "persistentVolumeClaim" not in json.dumps(_build_pod(config, "buildkit"))


def test_warmer_without_images_is_a_usage_error(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render", "warmer", "--out", str(tmp_path / "w")]) == 2
    assert "warmer.images" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_base_images_come_from_from_lines() -> None:
    text = ("ARG BASE=python:3.12-slim\nARG TAG\nFROM --platform=$BUILDPLATFORM golang:1.23 "
            "AS build\nFROM build AS test\nFROM ${BASE}\nFROM scratch\nFROM alpine:${TAG}\n"
            "ARG LATE=x\nFROM Build\n")
    assert base_images(text, "Dockerfile") == ["golang:1.23", "python:3.12-slim"]


@pytest.mark.parametrize(("context", "hint"), [
    (".", "cannot see a local directory"),
    ("https://gitlab.example.com/group/app.git", "cannot see a local directory"),
    ("git://gitlab.example.com/group/app.git#refs/heads/main#notahex", "git://HOST/PATH"),
    ("git://gitlab.example.com#main", "git://HOST/PATH"),
])
def test_bad_git_contexts_are_usage_errors(context: str, hint: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render", "pod", "--context", context, "-d", IMAGE,
                "--out", str(tmp_path / "o")]) == 2
    assert hint in capsys.readouterr().err


def test_git_context_parts() -> None:
    ctx = parse_git_context("git://gitlab.example.com:8443/g/sub/app.git#refs/tags/v1#abc1234")
    assert (ctx.https_url, ctx.ref, ctx.fetch) == (
        "https://gitlab.example.com:8443/g/sub/app.git", "refs/tags/v1", "abc1234")
    assert parse_git_context("git://h.example/g/app.git").fetch == "HEAD"


def test_org_ca_must_be_given_as_a_file(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[registry]\nca_file = "$REGISTRY_CA"\nca_hosts = ["reg.example"]\n')
    code = run(["render", "pod", "-c", str(config), "--context", CONTEXT, "-d", IMAGE,
                "--out", str(tmp_path / "o")])
    assert code == 2
    assert "registry.ca_file" in capsys.readouterr().err
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n")
    assert run(["render", "pod", "-c", str(config), "--context", CONTEXT, "-d", IMAGE,
                "--ca-file", str(pem), "--out", str(tmp_path / "o")]) == 0
    text = (tmp_path / "o" / "runner-ext-build-kaniko.yaml").read_text()
    assert "--registry-certificate=reg.example=/kaniko/.docker/certs/ca.crt" in text
    assert '"path": "certs/ca.crt"' in json.dumps(YAML(typ="safe").load(text.split(
        "---\n")[1])["spec"]["volumes"])


def test_a_ca_file_the_config_gives_no_use_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--ca-file without registry.ca_file would trust the CA for no registry: said, not
    ignored."""
    config = tmp_path / "c.toml"
    config.write_text('[warmer]\nimages = ["alpine:3.20"]\n')
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n")
    assert run(["render", "warmer", "-c", str(config), "--ca-file", str(pem),
                "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--ca-file is given but the config names no org CA" in err
    assert "registry.ca_hosts" in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize(("settings", "key"), [
    ({}, "runner.gitlab_url"),
    ({"gitlab_url": "https://gitlab.example.com"}, "runner.ci_registry"),
    ({"gitlab_url": "https://gitlab.example.com", "ci_registry": 'reg.example.com\\"]#'},
     "runner.ci_registry: not a registry host"),
    ({"gitlab_url": "https://gitlab.example.com", "ci_registry": "reg.example.com/group"},
     "runner.ci_registry: not a registry host"),
])
def test_runner_config_needs_url_and_registry(settings: dict[str, str], key: str,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[runner]\n" + "".join(f'{k} = "{v}"\n' for k, v in settings.items()))
    assert run(["render", "runner", "-c", str(config), "--out", str(tmp_path / "o")]) == 2
    assert key in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_dry_run_and_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["render", "pod", "--context", CONTEXT, "-d", IMAGE, "--out", str(out)]
    assert run([*args, "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "would write" in text and "kind: Pod" in text and not out.exists()
    assert run([*args, "--dry-run", "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True and report["pod_security_level"] == "baseline"
    assert "kind: Pod" in report["contents"]["runner-ext-build-kaniko.yaml"]
    assert not out.exists()
    assert run([*args, "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == ["runner-ext-build-kaniko.yaml"] and "contents" not in report
    assert (out / "runner-ext-build-kaniko.yaml").is_file()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run([require_tool("git"), "-C", str(repo), *args], check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


@pytest.mark.parametrize("pinned", [False, True])
def test_the_clone_script_fetches_the_ref_or_commit_with_real_git(pinned: bool,
                                                                  tmp_path: Path) -> None:
    """The init container's script as rendered, run by sh with git (its workspace moved)."""
    source = tmp_path / "src"
    source.mkdir()
    _git(source, "init", "-q", "-b", "main")
    _git(source, "config", "user.email", "ci@example.com")
    _git(source, "config", "user.name", "ci")
    (source / "Dockerfile").write_text("FROM scratch\n")
    _git(source, "add", ".")
    _git(source, "commit", "-qm", "first")
    first = _git(source, "rev-parse", "HEAD")
    (source / "later.txt").write_text("x\n")
    _git(source, "add", ".")
    _git(source, "commit", "-qm", "second")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    script = CLONE_SCRIPT.replace("/workspace", str(workspace))
    done = subprocess.run(
        ["sh", "-c", script, "clone", f"file://{source}", first if pinned else "refs/heads/main"],
        capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_TERMINAL_PROMPT": "0"})
    assert done.returncode == 0, done.stderr
    assert (workspace / "Dockerfile").read_text() == "FROM scratch\n"
    assert (workspace / "later.txt").exists() is not pinned


DOCS = Path(__file__).resolve().parent.parent / "docs" / "kubernetes.md"


def _documented_commands() -> list[list[str]]:
    """``runner-ext …`` lines of the ```sh blocks in docs/kubernetes.md."""
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text(), re.DOTALL)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [shlex.split(line)[1:] for line in text.splitlines()
            if line.startswith("runner-ext ")]


def test_documented_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    config = ('[runner]\ngitlab_url = "https://gitlab.example.com"\n'
              'ci_registry = "registry.example.com"\n'
              '[kubernetes]\nseccomp_localhost_profile = "runner-ext/{engine}.json"\n'
              'apparmor_localhost_profile = "runner-ext-{engine}"\n')
    # The `--ca-file corp-ca.pem` example's config names the org CA and what it signs.
    with_ca = config + '[registry]\nca_file = "$REGISTRY_CA"\nca_hosts = ["reg.example"]\n'
    Path("corp-ca.pem").write_text("-----BEGIN CERTIFICATE-----\nY2E=\n"
                                   "-----END CERTIFICATE-----\n")
    Path("Dockerfile").write_text("FROM node:20-bookworm-slim\n")
    # cluster and build need a cluster: tests/test_cluster_docs.py runs them on the fake API
    commands = [c for c in _documented_commands() if c[0] not in ("cluster", "build")]
    assert [c[:2] for c in commands] == [["render", "pod"], ["check", "pod"],
                                          ["render", "warmer"], ["render", "warmer"],
                                          ["render", "warmer"], ["render", "runner"],
                                          ["render", "profiles"], ["render", "pod"],
                                          ["render", "pod"], ["check", "pod"],
                                          ["check", "pod"]]
    for argv in commands[:10]:
        Path("runner-ext.toml").write_text(with_ca if "--ca-file" in argv else config)
        argv = [str(p) for a in argv for p in (sorted(Path().glob(a)) if "*" in a else [a])]
        assert run(argv) == 0, capsys.readouterr().err
    assert Path("build/runner-ext-build-kaniko.yaml").is_file()
    assert Path("warmer/kaniko-warmer-cronjob.yaml").is_file()
    assert Path("warmer-buildah/buildah-warmer-job.yaml").is_file()
    assert Path("runner/values.yaml").is_file()
    assert Path("node-profiles/seccomp/runner-ext/buildah.json").is_file()
    assert "2 pod spec(s) in 2 file(s): 0 violate the baseline level" in capsys.readouterr().out
