"""``render pod|warmer|runner``: golden output, schema validation, runner config keys, canaries.

Each case is a real ``runner-ext`` command line. Golden output lives in
``tests/golden/kube/<case>/``; after an intended change regenerate it with
``RUNNER_EXT_UPDATE_GOLDEN=1 pytest tests/test_kube_render.py`` and review the diff.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require_tool
from golden import check_golden, updating
from ruamel.yaml import YAML

from runner_ext.cli.main import run

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GOLDEN = Path(__file__).parent / "golden" / "kube"
CONTEXT = "git://gitlab.example.com/group/app.git#refs/heads/main"
IMAGE = "registry.example.com/group/app"

CASES: dict[str, list[str]] = {
    "kaniko-pod": [
        "render", "pod", "--config", str(GOLDEN / "kaniko-pod.toml"), "--engine", "kaniko",
        "--context", CONTEXT, "-d", f"{IMAGE}:1.4.2", "-d", f"{IMAGE}:latest",
        "--dockerfile", "src/Dockerfile", "--target", "runtime",
    ],
    "buildkit-job": [
        "render", "pod", "--config", str(GOLDEN / "buildkit-job.toml"), "--engine",
        "buildkit", "--kind", "job", "--name", "app-build",
        "--context", f"{CONTEXT}#0123456789abcdef0123456789abcdef01234567",
        "-d", f"{IMAGE}:1.4.2", "--ca-file", str(GOLDEN / "ca.pem"),
        "--build-arg", "DOTNET_VERSION=8.0",
    ],
    "buildah-pod": [
        "render", "pod", "--config", str(GOLDEN / "buildah-pod.toml"),
        "--context", CONTEXT, "-d", f"{IMAGE}:1.4.2", "-d", f"{IMAGE}:latest",
    ],
    "warmer": [
        "render", "warmer", "--config", str(GOLDEN / "warmer.toml"),
        "--dockerfile", str(GOLDEN / "warmer.Dockerfile"),
    ],
    "warmer-buildah": [
        "render", "warmer", "--engine", "buildah", "--config", str(GOLDEN / "warmer-buildah.toml"),
        "--dockerfile", str(GOLDEN / "warmer.Dockerfile"),
    ],
    "warmer-ca": [
        "render", "warmer", "--config", str(GOLDEN / "warmer-ca.toml"),
        "--ca-file", str(GOLDEN / "ca.pem"),
    ],
    "warmer-buildah-ca": [
        "render", "warmer", "--engine", "buildah",
        "--config", str(GOLDEN / "warmer-buildah-ca.toml"), "--ca-file", str(GOLDEN / "ca.pem"),
    ],
    "runner-kaniko": ["render", "runner", "--config", str(GOLDEN / "runner-kaniko.toml")],
    "runner-buildkit": ["render", "runner", "--config", str(GOLDEN / "runner-buildkit.toml")],
    "runner-buildah": [
        "render", "runner", "--config", str(GOLDEN / "runner-buildah.toml"),
        "--engine", "buildah",
    ],
}
MANIFEST_CASES = [c for c in CASES if not c.startswith("runner-")]
RUNNER_CASES = [c for c in CASES if c.startswith("runner-")]

# Keys of GitLab Runner's config.toml documented for the Kubernetes executor
# (docs/executors/kubernetes: "Configuration settings", "Set a security policy for the
# pod/container", "Set seccomp and AppArmor profiles", "Configure volume types",
# "Overwrite generated pod specifications", "User namespaces"; [[runners]] keys from
# docs/configuration/advanced-configuration). "*" marks free-form tables.
_CONTEXT_KEYS = {"run_as_user", "run_as_group", "run_as_non_root", "selinux_type",
                 "seccomp_profile.type", "seccomp_profile.localhost_profile",
                 "app_armor_profile.type", "app_armor_profile.localhost_profile"}
DOCUMENTED_KEYS = {
    "runners[].name", "runners[].executor", "runners[].environment", "runners[].builds_dir",
    *(f"runners[].kubernetes.{key}" for key in (
        "namespace", "image", "allowed_images", "allowed_services", "pull_policy",
        "privileged", "allow_privilege_escalation", "service_account",
        "automount_service_account_token", "poll_timeout", "cpu_request", "cpu_limit",
        "memory_request", "memory_limit", "ephemeral_storage_request",
        "ephemeral_storage_limit", "logs_base_dir", "scripts_base_dir", "node_selector.*",
        "node_tolerations.*", "pod_security_context.fs_group",
        "pod_security_context.supplemental_groups",
        *(f"pod_security_context.{k}" for k in _CONTEXT_KEYS),
        *(f"build_container_security_context.{k}" for k in _CONTEXT_KEYS),
        "build_container_security_context.capabilities.add",
        "build_container_security_context.capabilities.drop",
        "volumes.pvc[].name", "volumes.pvc[].mount_path", "volumes.pvc[].read_only",
        "volumes.empty_dir[].name", "volumes.empty_dir[].mount_path",
        "volumes.empty_dir[].size_limit", "volumes.empty_dir[].medium",
        "pod_spec[].name", "pod_spec[].patch", "pod_spec[].patch_type",
    )),
}
_FREE_FORM = {"runners[].kubernetes.node_selector", "runners[].kubernetes.node_tolerations"}


def _render(case: str, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code = run([*CASES[case], "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return {str(p.relative_to(out)): p.read_text() for p in sorted(out.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _render(case, tmp_path, capsys)
    for name, text in files.items():
        check_golden(GOLDEN / case / name, text)
    if not updating():
        expected = sorted(p.name for p in (GOLDEN / case).iterdir())
        assert sorted(files) == expected


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every manifest the manifest cases render, freshly."""
    found: list[Path] = []
    for case in MANIFEST_CASES:
        out = tmp_path_factory.mktemp(case)
        assert run([*CASES[case], "--out", str(out)]) == 0
        found += sorted(out.glob("*.yaml"))
    return found


@pytest.mark.parametrize("version", ["1.30", "1.37"])
def test_manifests_pass_kubernetes_validate(manifests: list[Path], version: str) -> None:
    tool = require_tool("kubernetes-validate")
    done = subprocess.run([tool, "--strict", "-k", version, *map(str, manifests)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    objects = sum(len(list(YAML(typ="safe").load_all(p.read_text()))) for p in manifests)
    assert done.stdout.count("passed for resource") == objects == 26  # 7 NetworkPolicies


def _keys(node: Any, prefix: str) -> Iterator[str]:
    if prefix in _FREE_FORM:
        yield f"{prefix}.*"
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _keys(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for item in node:
            yield from _keys(item, f"{prefix}[]")
    else:
        yield prefix


@pytest.mark.parametrize("case", RUNNER_CASES)
def test_runner_config_uses_documented_keys(case: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    files = _render(case, tmp_path, capsys)
    config = tomllib.loads(files["config.toml"])
    used = set(_keys(config, ""))
    assert used <= DOCUMENTED_KEYS, sorted(used - DOCUMENTED_KEYS)
    kubernetes = config["runners"][0]["kubernetes"]
    assert kubernetes["privileged"] is False
    assert kubernetes["allowed_images"] == [kubernetes["image"]]
    assert "$" not in kubernetes["image"]
    assert not {"token", "url"} & set(config["runners"][0])


@pytest.mark.parametrize("case", RUNNER_CASES)
def test_helm_values_embed_config_and_reference_the_token_secret(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _render(case, tmp_path, capsys)
    values = YAML(typ="safe").load(files["values.yaml"])
    settings = tomllib.loads((GOLDEN / f"{case}.toml").read_text())["runner"]
    assert values["runners"]["config"] == files["config.toml"]
    assert values["runners"]["secret"] == settings.get("token_secret", "gitlab-runner-token")
    assert values["gitlabUrl"] == settings["gitlab_url"]
    # The chart's own token settings stay unset: the Secret supplies the token.
    assert not {"runnerToken", "runnerRegistrationToken"} & set(values)
    assert not [key for key in values["runners"] if "token" in key.lower()]


CANARIES = {
    "RUNNER_TOKEN": "glrt-CANARYrunnerTOKEN0001",
    "CI_SERVER_TOKEN": "glrt-CANARYserverTOKEN0002",
    "CI_JOB_TOKEN": "CANARYjobTOKEN0003",
    "CI_REGISTRY_PASSWORD": "CANARYregistryPASSWORD0004",
    "RUNNER_EXT_REGISTRY_AUTH": '{"auths":{"x":{"auth":"Q0FOQVJZYXV0aDAwMDU="}}}',
    "KUBERNETES_BEARER_TOKEN": "CANARYbearer0006",
    "DOCKER_AUTH_CONFIG": "CANARYdockerAuth0007",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_secret_reaches_a_rendered_file(case: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    code = run([*CASES[case], "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    texts = [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    assert texts
    for text in [*texts, captured.out, captured.err]:
        for canary in CANARIES.values():
            assert canary not in text
            assert "CANARY" not in text


def test_credentials_in_the_git_context_are_refused_without_echoing_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    context = "git://deploy:CANARYgitPASSWORD@gitlab.example.com/group/app.git#refs/heads/main"
    code = run(["render", "pod", "--context", context, "-d", f"{IMAGE}:1",
                "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert "credentials" in captured.err
    assert "CANARY" not in captured.err + captured.out
    assert not (tmp_path / "out").exists()
