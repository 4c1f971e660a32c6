"""A healthy fake cluster for the ``cluster``/``build`` tests, and a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fake_kube import FakeKube, serve

from runner_ext.cli.main import run

NS = "gitlab-builds"
DOCKERCONFIG = {"auths": {"registry.example.com": {"auth": "Y2k6Y2FuYXJ5LXNlY3JldA=="}}}


def healthy() -> FakeKube:
    """A namespace enforcing baseline, the registry Secret, a default storage class, SPO."""
    kube = FakeKube()
    kube.namespaces[NS] = {"pod-security.kubernetes.io/enforce": "baseline"}
    kube.put("secrets", {"apiVersion": "v1", "kind": "Secret", "type":
                         "kubernetes.io/dockerconfigjson",
                         "metadata": {"name": "registry-auth", "namespace": NS},
                         "data": {".dockerconfigjson": json.dumps(DOCKERCONFIG)}})
    kube.storage_classes.append({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner":
        "nfs.csi.k8s.io", "metadata": {"name": "nfs", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}}})
    return kube


@contextmanager
def cluster(tmp_path: Path, kube: FakeKube | None = None) -> Iterator[tuple[FakeKube, Path]]:
    """Serve a fake (healthy by default); yields it and its kubeconfig."""
    kube = kube or healthy()
    with serve(kube, tmp_path) as config:
        yield kube, config
    assert kube.errors == [], "the fake API server failed a request"


def cli(capsys: object, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr; the kubeconfig's token and the
    registry Secret never show in either."""
    code = run(list(argv))
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    for canary in (FakeKube.token, "Y2k6Y2FuYXJ5LXNlY3JldA==", "canary-secret"):
        assert canary not in captured.out + captured.err
    return code, captured.out, captured.err


def org_config(tmp_path: Path, text: str) -> Path:
    """Write a runner-ext.toml."""
    path = tmp_path / "runner-ext.toml"
    path.write_text(text, encoding="utf-8")
    return path
