"""The ``cluster`` and ``build`` commands of docs/kubernetes.md run, as written, on the fake API."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from fake_kube import Stage, pod_status, running, waiting
from kube_cluster import cli, cluster, healthy

DOCS = Path(__file__).resolve().parent.parent / "docs" / "kubernetes.md"
KIND_CONFIG = re.search(r"cat > runner-ext.toml <<'TOML'\n(.*?)TOML\n", DOCS.read_text(),
                        re.DOTALL)

# The org CA of the documented `--ca-file corp-ca.pem` commands, and the config naming it.
CA_PEM = "-----BEGIN CERTIFICATE-----\nY29ycC1jYQ==\n-----END CERTIFICATE-----\n"
CA_SETTINGS = 'ca_file = "$REGISTRY_CA"\nca_hosts = ["registry.corp.example"]\n'


def _documented() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text(), re.DOTALL)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [shlex.split(line)[1:] for line in text.splitlines()
            if line.startswith("runner-ext ") and line.split()[1] in ("cluster", "build")]


def test_documented_cluster_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert KIND_CONFIG
    commands = _documented()
    assert [c[:2] for c in commands].count(["cluster", "doctor"]) == 3
    assert [c[0] for c in commands].count("build") == 3
    kube = healthy()
    with cluster(tmp_path, kube) as (_, kubeconfig):
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        Path("runner-ext.toml").write_text(KIND_CONFIG.group(1), encoding="utf-8")
        for directory in ("app", "hello"):
            Path(directory).mkdir()
            Path(directory, "Dockerfile").write_text("FROM alpine:3.20\n", encoding="utf-8")
        Path("corp-ca.pem").write_text(CA_PEM, encoding="utf-8")
        for argv in commands:
            with_ca = KIND_CONFIG.group(1) + CA_SETTINGS if "--ca-file" in argv else ""
            Path("runner-ext.toml").write_text(with_ca or KIND_CONFIG.group(1), encoding="utf-8")
            kube.stages = [Stage(pod_status("Pending", waiting("ContainerCreating"))),
                           Stage(pod_status("Running", running()))]
            kube.log_lines = [("2026-12-03T06:00:01Z", "INFO Pushed image")]
            code, out, err = cli(capsys, *argv)
            if "buildah" in argv:  # needs 'privileged'; the namespace enforces 'baseline'
                assert code == 1 and '"status": "fail"' in out, (argv, err)
            else:
                assert code == 0, (argv, err)
    assert [c for c in kube.created if c["kind"] == "Pod"][-1]["spec"]["containers"][0][
        "image"].startswith("ghcr.io/osscontainertools/kaniko")
