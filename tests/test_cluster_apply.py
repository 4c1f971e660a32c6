"""``cluster apply``: server-side apply, conflicts, 403, prune and dry runs, on the fake API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kube_cluster import NS, cli, cluster, healthy, org_config

WARMER = '[warmer]\nimages = ["alpine:3.20"]\nschedule = "0 4 * * *"\n'
CRONJOB = ("cronjobs", NS, "runner-ext-kaniko-warmer")
NETPOL = ("networkpolicies", NS, "runner-ext-build-kaniko-no-ingress")


def _apply(capsys: pytest.CaptureFixture[str], config: Path, toml: Path, *extra: str
           ) -> tuple[int, str, str]:
    return cli(capsys, "cluster", "apply", "--kubeconfig", str(config), "--config",
               str(toml), *extra)


def test_apply_creates_then_leaves_unchanged(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    toml = org_config(tmp_path, WARMER)
    with cluster(tmp_path) as (kube, config):
        code, out, err = _apply(capsys, config, toml)
        assert (code, err) == (0, "")
        assert out.splitlines() == [
            "networkpolicy/runner-ext-build-kaniko-no-ingress created",
            "persistentvolumeclaim/runner-ext-kaniko-cache created",
            "job/runner-ext-kaniko-warmer created",
            "cronjob/runner-ext-kaniko-warmer created",
            "networkpolicy/runner-ext-kaniko-warmer-no-ingress created"]
        patches = [(p, q) for m, p, q in kube.requests if m == "PATCH"]
        assert len(patches) == 5
        assert all(q == {"fieldManager": "runner-ext", "force": "false"} for _, q in patches)
        cron = kube.objects[CRONJOB]
        assert cron["spec"]["schedule"] == "0 4 * * *"
        managers = [m["manager"] for m in cron["metadata"]["managedFields"]]
        assert managers == ["runner-ext"]
        version = cron["metadata"]["resourceVersion"]
        code, out, _ = _apply(capsys, config, toml)
        assert code == 0 and out.count(" unchanged") == 5
        assert kube.objects[CRONJOB]["metadata"]["resourceVersion"] == version


def test_conflict_names_field_and_manager_and_force_takes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = org_config(tmp_path, WARMER)
    with cluster(tmp_path) as (kube, config):
        assert _apply(capsys, config, toml)[0] == 0
        cron = json.loads(json.dumps(kube.objects[CRONJOB]))
        cron["spec"]["schedule"] = "*/5 * * * *"
        kube.put("cronjobs", cron, manager="kubectl-edit")
        code, out, err = _apply(capsys, config, toml)
        assert code == 1
        assert err.strip() == (
            "runner-ext: error: cronjobs/runner-ext-kaniko-warmer: field .spec.schedule is "
            'owned by another manager: conflict with "kubectl-edit" using batch/v1; let that '
            "manager give the field up, or take it with --force-conflicts")
        assert kube.objects[CRONJOB]["spec"]["schedule"] == "*/5 * * * *"
        code, out, _ = _apply(capsys, config, toml, "--force-conflicts")
        assert code == 0 and "cronjob/runner-ext-kaniko-warmer configured" in out
        assert kube.objects[CRONJOB]["spec"]["schedule"] == "0 4 * * *"


def test_forbidden_patch_names_verb_resource_namespace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.forbid.add(("patch", "networkpolicies"))
    with cluster(tmp_path, kube) as (_, config):
        code, out, err = _apply(capsys, config, org_config(tmp_path, ""))
    assert code == 1 and out == ""
    assert err.strip() == (
        "runner-ext: error: networkpolicies/runner-ext-build-kaniko-no-ingress: forbidden: "
        "cannot patch networkpolicies in namespace 'gitlab-builds'; grant the verb 'patch' on "
        "'networkpolicies' in 'gitlab-builds' to this user (kubectl auth can-i patch "
        "networkpolicies -n gitlab-builds)")


def test_server_dry_run_and_diff_change_nothing(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with cluster(tmp_path) as (kube, config):
        assert _apply(capsys, config, org_config(tmp_path, WARMER))[0] == 0
        before = json.dumps(sorted(kube.objects.items()), sort_keys=True)
        changed = org_config(tmp_path, WARMER.replace("0 4 * * *", "0 5 * * *"))
        code, out, _ = _apply(capsys, config, changed, "--dry-run=server")
        assert code == 0
        assert "cronjob/runner-ext-kaniko-warmer configured (server dry run)" in out
        assert "persistentvolumeclaim/runner-ext-kaniko-cache unchanged (server dry run)" in out
        code, out, _ = _apply(capsys, config, changed, "--diff")
        assert code == 0
        assert "-  schedule: 0 4 * * *\n+  schedule: 0 5 * * *\n" in out
        assert "--- live/CronJob/runner-ext-kaniko-warmer" in out
        assert json.dumps(sorted(kube.objects.items()), sort_keys=True) == before
        dry = [q for m, _, q in kube.requests if m == "PATCH" and q.get("dryRun") == "All"]
        assert len(dry) == 10


def test_prune_deletes_only_our_objects_no_longer_rendered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = {"app.kubernetes.io/managed-by": "runner-ext", "app.kubernetes.io/name": "runner-ext"}
    with cluster(tmp_path) as (kube, config):
        assert _apply(capsys, config, org_config(tmp_path, WARMER))[0] == 0
        kube.put("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "runner-ext-build-kaniko-abc123-files", "namespace": NS,
            "labels": {**ours, "app.kubernetes.io/component": "build"}}})
        kube.put("cronjobs", {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {
            "name": "someone-elses", "namespace": NS}, "spec": {"schedule": "@daily"}})
        without = org_config(tmp_path, "")
        code, out, _ = _apply(capsys, config, without, "--prune", "--dry-run=server")
        assert code == 0 and out.count("pruned (server dry run)") == 4
        assert CRONJOB in kube.objects
        code, out, _ = _apply(capsys, config, without, "--prune", "--output", "json")
        assert code == 0
        pruned = {(o["kind"], o["name"]) for o in json.loads(out)["objects"]
                  if o["action"] == "pruned"}
        assert pruned == {("NetworkPolicy", "runner-ext-kaniko-warmer-no-ingress"),
                          ("PersistentVolumeClaim", "runner-ext-kaniko-cache"),
                          ("Job", "runner-ext-kaniko-warmer"),
                          ("CronJob", "runner-ext-kaniko-warmer")}
        assert NETPOL in kube.objects and ("cronjobs", NS, "someone-elses") in kube.objects
        assert ("configmaps", NS, "runner-ext-build-kaniko-abc123-files") in kube.objects


def test_client_dry_run_needs_no_cluster(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "cluster", "apply", "--kubeconfig", str(tmp_path / "none"),
                       "--dry-run=client", "--namespace", "team-a")
    assert code == 0
    assert out == "networkpolicy/runner-ext-build-kaniko-no-ingress would be applied " \
                  "(client dry run)\n"


def test_unreachable_api_is_a_configuration_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with cluster(tmp_path) as (_, config):
        pass  # the server is gone; its kubeconfig stays
    code, out, err = _apply(capsys, config, org_config(tmp_path, ""))
    assert (code, out) == (2, "")
    assert err.startswith("runner-ext: error: the Kubernetes API at http://127.0.0.1:")
    assert "does not answer" in err


def test_buildah_gets_its_own_warmer_and_switching_engines_prunes_the_other(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The warmer applied is the one whose volume the engine's build pods mount."""
    toml = org_config(tmp_path, WARMER + '[registry]\nmirrors = ["mirror.gcr.io"]\n'
                      '[kubernetes]\nseccomp_localhost_profile = "runner-ext/{engine}.json"\n'
                      'apparmor_localhost_profile = "runner-ext-{engine}"\n')
    with cluster(tmp_path) as (kube, config):
        assert _apply(capsys, config, toml)[0] == 0  # Kaniko (build.engine's default)
        code, out, err = _apply(capsys, config, toml, "--engine", "buildah", "--prune")
        assert (code, err) == (0, "")
        assert out.splitlines() == [
            "networkpolicy/runner-ext-build-buildah-no-ingress created",
            "persistentvolumeclaim/runner-ext-buildah-image-store created",
            "configmap/runner-ext-buildah-warmer-files created",
            "job/runner-ext-buildah-warmer created",
            "cronjob/runner-ext-buildah-warmer created",
            "networkpolicy/runner-ext-buildah-warmer-no-ingress created",
            "networkpolicy/runner-ext-build-kaniko-no-ingress pruned",
            "networkpolicy/runner-ext-kaniko-warmer-no-ingress pruned",
            "persistentvolumeclaim/runner-ext-kaniko-cache pruned",
            "job/runner-ext-kaniko-warmer pruned",
            "cronjob/runner-ext-kaniko-warmer pruned"]
        cron = kube.objects[("cronjobs", NS, "runner-ext-buildah-warmer")]
        (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert "buildah --root /var/lib/runner-ext/images" in container["args"][0]
        code, out, _ = _apply(capsys, config, toml, "--engine", "buildkit", "--prune")
        assert code == 0 and "persistentvolumeclaim/runner-ext-buildah-image-store pruned" in out
        assert not [line for line in out.splitlines() if "warmer" in line and "created" in line]


CA_TOML = WARMER + '[registry]\nca_file = "$REGISTRY_CA"\nca_hosts = ["registry.internal:8443"]\n'
CA_PEM = "-----BEGIN CERTIFICATE-----\nY2Etb2YtdGhlLW9yZw==\n-----END CERTIFICATE-----\n"


def test_the_warmer_carries_the_org_ca_given_with_ca_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A warmer pulling from registries signed by the org CA needs the PEM itself: without
    --ca-file nothing is applied; with it, the CA reaches the cluster in the warmer's
    ConfigMap and the warmer trusts it for those registries."""
    toml, pem = org_config(tmp_path, CA_TOML), tmp_path / "ca.pem"
    pem.write_text(CA_PEM, encoding="utf-8")
    with cluster(tmp_path) as (kube, config):
        code, out, err = _apply(capsys, config, toml)
        assert (code, out) == (2, "")
        assert "the kaniko warmer needs the CA certificate itself" in err
        assert "registry.ca_file" in err and "--ca-file" in err
        assert not kube.created
        code, out, err = _apply(capsys, config, toml, "--ca-file", str(pem))
        assert (code, err) == (0, "")
        assert "configmap/runner-ext-kaniko-warmer-files created" in out.splitlines()
        files = kube.objects[("configmaps", NS, "runner-ext-kaniko-warmer-files")]
        assert files["data"] == {"ca.crt": CA_PEM}
        cron = kube.objects[CRONJOB]
        pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert "--registry-certificate=registry.internal:8443=/kaniko/.docker/certs/ca.crt" \
            in pod["containers"][0]["args"]
        sources = pod["volumes"][-1]["projected"]["sources"]
        assert sources[-1]["configMap"]["items"] == [{"key": "ca.crt", "path": "certs/ca.crt"}]


def test_a_ca_file_without_a_certificate_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "ca.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\nbm90LWEtY2VydA==\n-----END PRIVATE KEY-----\n")
    code, out, err = cli(capsys, "cluster", "apply", "--dry-run=client", "--config",
                         str(org_config(tmp_path, CA_TOML)), "--ca-file", str(key))
    assert (code, out) == (2, "")
    assert f"{key} holds no PEM certificate" in err and "--ca-file" in err
    assert "bm90LWEtY2VydA" not in err
