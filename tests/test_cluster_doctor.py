"""``cluster doctor`` against the fake API server, through the real kubernetes client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_kube import FakeKube
from kube_cluster import NS, cli, cluster, healthy, org_config


def _doctor(capsys: pytest.CaptureFixture[str], config: Path, *extra: str
            ) -> tuple[int, dict[str, dict[str, str]]]:
    code, out, err = cli(capsys, "cluster", "doctor", "--kubeconfig", str(config),
                         "--output", "json", *extra)
    assert err == ""
    report = json.loads(out)
    return code, {c["id"]: c for c in report["checks"]}


def test_healthy_namespace_passes_with_only_the_registry_note(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with cluster(tmp_path) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 0
    assert {i: c["status"] for i, c in checks.items()} == {
        "api": "ok", "namespace": "ok", "rbac": "ok", "registry-secret": "ok",
        "user-namespaces": "ok", "profiles": "ok", "storage": "ok", "quota": "ok",
        "limit-range": "ok", "registry": "warn"}
    assert "v1.33.1" in checks["api"]["message"]


def test_text_output_prints_each_fix_line(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.denied.add(("create", "pods/attach"))
    with cluster(tmp_path, kube) as (_, config):
        code, out, _ = cli(capsys, "cluster", "doctor", "--kubeconfig", str(config))
    assert code == 1
    assert "FAIL rbac: missing in namespace 'gitlab-builds': create pods/attach" in out
    assert ("     fix: kubectl -n gitlab-builds create role runner-ext-builds --verb=create "
            "--resource=pods/attach") in out


def test_broken_rbac_fails_with_the_role_to_create(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.denied |= {("watch", "pods"), ("get", "pods/log"), ("create", "secrets")}
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 1
    assert checks["rbac"]["status"] == "fail"
    assert checks["rbac"]["message"] == ("missing in namespace 'gitlab-builds': watch pods, "
                                         "get pods/log, create secrets")
    assert checks["rbac"]["fix"].startswith(
        "kubectl -n gitlab-builds create role runner-ext-builds --verb=create,get,watch "
        "--resource=pods,pods/log,secrets")


def test_missing_event_permissions_only_warn(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.denied |= {("list", "events"), ("watch", "events")}
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 0
    assert checks["rbac"]["status"] == "warn"


def test_restricted_namespace_fails_for_buildah_with_the_label_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.namespaces[NS] = {"pod-security.kubernetes.io/enforce": "restricted"}
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config, "--engine", "buildah")
    assert code == 1
    assert checks["namespace"]["message"] == (
        "namespace 'gitlab-builds' enforces Pod Security 'restricted' but buildah build pods "
        "meet 'privileged' at most")
    assert checks["namespace"]["fix"].startswith(
        "kubectl label --overwrite namespace gitlab-builds "
        "pod-security.kubernetes.io/enforce=privileged")


def test_label_weaker_than_the_config_warns_to_align_the_config(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.namespaces[NS] = {}
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 0
    assert checks["namespace"]["status"] == "warn"
    assert checks["namespace"]["fix"].startswith('set kubernetes.enforce = "privileged"')


def test_missing_namespace_and_secret(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with cluster(tmp_path) as (_, config):
        code, checks = _doctor(capsys, config, "--namespace", "elsewhere")
    assert code == 1
    assert checks["namespace"]["fix"] == "kubectl create namespace elsewhere"
    assert checks["registry-secret"]["fix"].startswith(
        "kubectl -n elsewhere create secret docker-registry registry-auth")


def test_quota_without_room_names_the_key_and_the_setting(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.put("resourcequotas", {
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "team-quota", "namespace": NS},
        "spec": {"hard": {"limits.cpu": "4", "limits.memory": "16Gi"}},
        "status": {"hard": {"limits.cpu": "4", "limits.memory": "16Gi"},
                   "used": {"limits.cpu": "3", "limits.memory": "2Gi"}}})
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 1
    assert checks["quota"]["message"] == (
        "ResourceQuota 'team-quota' leaves 1 of limits.cpu (hard 4, used 3) but a build pod "
        "asks for 2 (kubernetes.resources.cpu_limit)")
    assert checks["quota"]["fix"] == ("kubectl -n gitlab-builds edit resourcequota team-quota "
                                      "to raise limits.cpu or lower "
                                      "kubernetes.resources.cpu_limit")


def test_limit_range_below_the_memory_limit(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.put("limitranges", {
        "apiVersion": "v1", "kind": "LimitRange",
        "metadata": {"name": "caps", "namespace": NS},
        "spec": {"limits": [{"type": "Container", "max": {"memory": "2Gi"}}]}})
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 1
    assert checks["limit-range"]["message"] == (
        "LimitRange 'caps': max memory 2Gi per Container is below the build pods' limit 4Gi")
    assert checks["limit-range"]["fix"].startswith("change kubernetes.resources.memory_limit")


def test_seccomp_profile_missing_points_at_render_profiles(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.namespaces[NS] = {"pod-security.kubernetes.io/enforce": "privileged"}
    path = org_config(tmp_path, '[kubernetes]\nenforce = "privileged"\n')
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config, "--engine", "buildkit", "--config", str(path))
    assert code == 0
    assert checks["profiles"]["status"] == "warn"
    assert checks["profiles"]["fix"].startswith("runner-ext render profiles")
    kube.spo_installed = False
    with cluster(tmp_path, kube) as (_, config):
        _, checks = _doctor(capsys, config, "--engine", "buildkit", "--config", str(path))
    assert "Security Profiles Operator" in checks["profiles"]["message"]


def test_installed_seccomp_profile_passes(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from runner_ext.kube.node_profiles import operator_name

    PROFILE_NAME = operator_name("buildah")

    kube = healthy()
    kube.seccomp_profiles.append({
        "apiVersion": "security-profiles-operator.x-k8s.io/v1beta1", "kind": "SeccompProfile",
        "metadata": {"name": PROFILE_NAME, "namespace": NS},
        "spec": {"defaultAction": "SCMP_ACT_ERRNO"},
        "status": {"status": "Installed",
                   "localhostProfile": f"operator/{NS}/{PROFILE_NAME}.json"}})
    path = org_config(tmp_path, '[kubernetes]\nseccomp_localhost_profile = '
                      f'"operator/{NS}/{PROFILE_NAME}.json"\napparmor_localhost_profile = '
                      '"runner-ext-buildah"\n')
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config, "--engine", "buildah", "--config", str(path))
    assert checks["profiles"] == {"id": "profiles", "status": "ok", "fix": "",
                                  "message": f"SeccompProfile {PROFILE_NAME!r} is Installed"}
    assert code == 0


def test_user_namespaces_need_new_kubelets(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.nodes = {"node-a": "v1.33.1", "node-b": "v1.29.4", "node-c": "v1.31.0"}
    path = org_config(tmp_path, "[kubernetes]\nuser_namespaces = true\n")
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config, "--config", str(path))
    assert code == 1
    assert checks["user-namespaces"]["message"] == "kubelet older than 1.30 on node-b"
    kube.nodes = {"node-a": "v1.33.1", "node-c": "v1.31.0"}
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config, "--config", str(path))
    assert checks["user-namespaces"]["status"] == "warn"
    assert "UserNamespacesSupport" in checks["user-namespaces"]["fix"]


def test_warmer_storage_class_missing(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = org_config(tmp_path, '[warmer]\nimages = ["alpine:3.20"]\nstorage_class = "fast"\n')
    with cluster(tmp_path) as (_, config):
        code, checks = _doctor(capsys, config, "--config", str(path))
    assert code == 1
    assert checks["storage"]["message"] == ("storage class 'fast' does not exist (there are: "
                                            "nfs)")


def test_unreachable_api_and_bad_kubeconfig_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with cluster(tmp_path, FakeKube()) as (_, config):
        pass  # the server is gone now; its kubeconfig stays
    code, out, err = cli(capsys, "cluster", "doctor", "--kubeconfig", str(config))
    assert code == 2 and out == ""
    assert "does not answer" in err and "kubectl cluster-info" in err
    broken = tmp_path / "broken"
    broken.write_text("apiVersion: v1\nkind: Config\n", encoding="utf-8")
    code, _, err = cli(capsys, "cluster", "doctor", "--kubeconfig", str(broken))
    assert code == 2
    assert "cannot load the kubeconfig" in err and "--kubeconfig FILE" in err


def test_a_list_the_api_refuses_is_a_warning_naming_the_refusal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.forbid.add(("list", "resourcequotas"))
    with cluster(tmp_path, kube) as (_, config):
        code, checks = _doctor(capsys, config)
    assert code == 0
    assert checks["quota"]["status"] == "warn"
    assert checks["quota"]["message"].startswith(
        'could not check: HTTP 403 resourcequotas "" is forbidden: User '
        '"system:serviceaccount:ci:runner" cannot list resource "resourcequotas"')
