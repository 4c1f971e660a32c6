"""``runner-ext build`` on the fake API: context over attach, logs, 410, exit codes, Ctrl-C."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from fake_kube import FakeKube, Stage, pod_status, running, terminated, waiting
from kube_cluster import NS, cli, cluster, healthy, org_config

from runner_ext.cluster.logs import Cursor, stamp_key

REPO = Path(__file__).resolve().parent.parent
DIGEST = "sha256:" + "ab" * 32
DEST = "registry.example.com/group/app:1.0"
LINES = [
    ("2026-12-03T06:00:01.000000001Z", "INFO Retrieving image alpine:3.20"),
    ("2026-12-03T06:00:01.5Z", "INFO Executing 0 build triggers"),
    ("2026-12-03T06:00:01.5Z", "INFO RUN apk add --no-cache curl"),
    ("2026-12-03T06:00:02.25Z", "INFO Taking snapshot of full filesystem..."),
    ("2026-12-03T06:00:02.25Z", "INFO Pushing image to registry.example.com/group/app:1.0"),
    ("2026-12-03T06:00:03Z", f"INFO Pushed registry.example.com/group/app@{DIGEST}"),
]


def _context(tmp_path: Path) -> Path:
    context = tmp_path / "app"
    (context / "src").mkdir(parents=True)
    (context / "Dockerfile").write_text("FROM alpine:3.20\nCOPY src /src\n", encoding="utf-8")
    (context / "src" / "main.sh").write_text("echo hi\n", encoding="utf-8")
    return context


def _kaniko_run(kube: FakeKube) -> None:
    kube.stages = [Stage(pod_status("Pending", waiting("ContainerCreating"))),
                   Stage(pod_status("Running", running()))]
    kube.log_lines = list(LINES)


def _privileged(tmp_path: Path) -> Path:
    return org_config(tmp_path, '[kubernetes]\nenforce = "privileged"\n')


def _build(capsys: pytest.CaptureFixture[str], config: Path, context: str, *extra: str
           ) -> tuple[int, str, str]:
    return cli(capsys, "build", context, "--destination", DEST, "--kubeconfig", str(config),
               *extra)


def test_local_context_goes_over_attach_and_the_digest_is_printed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    _kaniko_run(kube)
    with cluster(tmp_path, kube) as (_, config):
        code, out, err = _build(capsys, config, str(_context(tmp_path)))
    assert (code, err) == (0, "")
    assert out.splitlines() == [text for _, text in LINES] + [
        f"pushed registry.example.com/group/app@{DIGEST}"]
    pod = next(o for o in kube.created if o["kind"] == "Pod")
    build = pod["spec"]["containers"][0]
    assert "--context=tar://stdin" in build["args"]
    assert build["stdin"] is True and build["stdinOnce"] is True
    with tarfile.open(fileobj=io.BytesIO(bytes(kube.stdin)), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == ["Dockerfile", "src", "src/main.sh"]
        assert all(m.uid == 0 and m.uname == "" for m in tar.getmembers())
    made = {(o["kind"].lower() + "s", o["metadata"]["name"]) for o in kube.created
            if o["kind"] in ("Pod", "ConfigMap")}
    assert set(kube.deleted) == made and ("pods", pod["metadata"]["name"]) in made
    assert not [k for k in kube.objects if k[0] == "pods"]


def test_buildah_receives_the_context_in_its_init_container(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.stages = [Stage(pod_status("Pending", waiting("PodInitializing"),
                                    ("context", running()))),
                   Stage(pod_status("Running", running(), ("context", terminated(0))),
                         after_stdin=True)]
    kube.log_lines = list(LINES)
    with cluster(tmp_path, kube) as (_, config):
        code, _, err = _build(capsys, config, str(_context(tmp_path)), "--engine", "buildah",
                              "--config", str(_privileged(tmp_path)))
    assert (code, err) == (0, "")
    pod = next(o for o in kube.created if o["kind"] == "Pod")
    init = pod["spec"]["initContainers"][0]
    assert init["name"] == "context" and init["stdinOnce"] is True
    assert init["command"] == ["tar", "-xzf", "-", "-C", "/workspace"] and "args" not in init
    attach = [q for m, p, q in kube.requests if p.endswith("/attach")]
    assert attach and attach[0]["container"] == "context"
    assert kube.stdin[:2] == b"\x1f\x8b"  # gzip


def test_the_org_ca_given_with_ca_file_reaches_the_pod(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """registry.ca_file names the CI job's CA; a build started here takes the PEM itself."""
    kube = healthy()
    _kaniko_run(kube)
    toml = org_config(tmp_path, '[registry]\nca_file = "$REGISTRY_CA"\n'
                      'ca_hosts = ["registry.example.com"]\n')
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nb3JnLWNh\n-----END CERTIFICATE-----\n")
    context = str(_context(tmp_path))
    with cluster(tmp_path, kube) as (_, config):
        code, _, err = _build(capsys, config, context, "--config", str(toml))
        assert code == 2 and "pass the PEM file with --ca-file" in err
        assert not [o for o in kube.created if o["kind"] == "Pod"]
        code, _, err = _build(capsys, config, context, "--config", str(toml),
                              "--ca-file", str(pem))
    assert (code, err) == (0, "")
    files = next(o for o in kube.created if o["kind"] == "ConfigMap")
    assert pem.read_text() in files["data"].values()
    pod = next(o for o in kube.created if o["kind"] == "Pod")
    assert "--registry-certificate=registry.example.com=/kaniko/.docker/certs/ca.crt" in \
        pod["spec"]["containers"][0]["args"]


def test_watch_410_and_dropped_log_resume_without_repeating(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    _kaniko_run(kube)
    kube.gone_once = True
    kube.drop_after = 3  # the first log request breaks after three lines
    with cluster(tmp_path, kube) as (_, config):
        code, out, _ = _build(capsys, config, str(_context(tmp_path)), "--output", "json")
    assert code == 0
    assert kube.watches >= 2
    assert len(kube.log_requests) >= 3  # followed, resumed, final read
    assert kube.log_requests[1]["sinceTime"] == "2026-12-03T06:00:01Z"
    assert '"log_resumes": 1' in out
    assert f'"digest": "registry.example.com/group/app@{DIGEST}"' in out


def test_resumed_log_prints_each_line_once(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    _kaniko_run(kube)
    kube.drop_after = 4  # cut between two lines with the same timestamp
    with cluster(tmp_path, kube) as (_, config):
        code, out, _ = _build(capsys, config, str(_context(tmp_path)))
    assert code == 0
    assert out.splitlines()[:-1] == [text for _, text in LINES]


def test_cursor_orders_nanoseconds_and_skips_replayed_lines() -> None:
    assert stamp_key("2026-12-03T06:00:01.5Z") > stamp_key("2026-12-03T06:00:01.45Z")
    cursor = Cursor()
    seen = [cursor.accept(f"{s} {t}") for s, t in LINES[:3]]
    cursor.restart()
    replay = [cursor.accept(f"{s} {t}") for s, t in LINES]
    assert seen == [t for _, t in LINES[:3]]
    assert replay == [None, None, None] + [t for _, t in LINES[3:]]


def test_failed_build_exits_with_the_containers_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    _kaniko_run(kube)
    kube.log_lines = [*LINES[:3], ("2026-12-03T06:00:02Z", "error building image: exit 127")]
    kube.final = pod_status("Failed", terminated(127))
    with cluster(tmp_path, kube) as (_, config):
        code, out, err = _build(capsys, config, str(_context(tmp_path)))
    assert code == 127
    assert "error building image: exit 127" in out and "pushed" not in out
    assert err == "build failed: exit code 127 (Error)\n"
    assert ("pods", next(o for o in kube.created if o["kind"] == "Pod")["metadata"]["name"]) \
        in kube.deleted


def test_image_pull_failure_stops_without_waiting(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.stages = [Stage(pod_status("Pending", waiting(
        "ImagePullBackOff", 'Back-off pulling image "alpine/git:v2.47.2"'),
        ("clone", waiting("ImagePullBackOff", "Back-off pulling image"))))]
    with cluster(tmp_path, kube) as (_, config):
        code, _, err = _build(capsys, config, "git://gitlab.example.com/g/app.git#refs/heads/main",
                              "--engine", "buildkit", "--config", str(_privileged(tmp_path)))
    assert code == 1
    assert "ImagePullBackOff" in err
    assert not [k for k in kube.objects if k[0] == "pods"]


def test_forbidden_pod_create_and_bad_context(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.forbid.add(("create", "pods"))
    with cluster(tmp_path, kube) as (_, config):
        code, _, err = _build(capsys, config, str(_context(tmp_path)))
        assert code == 1
        assert "forbidden: cannot create pods in namespace 'gitlab-builds'" in err
        code, _, err = _build(capsys, config, str(tmp_path / "missing"))
        assert code == 2 and "not a directory or git context" in err


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_a_cancelled_job_deletes_the_pod_and_exits_130(
        tmp_path: Path, stop: signal.Signals) -> None:
    """Ctrl-C at a terminal, or SIGTERM as GitLab Runner sends a cancelled job's process."""
    kube = healthy()
    _kaniko_run(kube)
    kube.hang_logs = True
    with cluster(tmp_path, kube) as (_, config):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        # A shell that runs the suite in the background hands its children SIGINT ignored,
        # and Python keeps an inherited ignore; Ctrl-C at a terminal has the default handler.
        process = subprocess.Popen(
            [sys.executable, "-c", "import signal; signal.signal(signal.SIGINT, "
             "signal.default_int_handler); from runner_ext.cli.main import entry; entry()", "build",
             str(_context(tmp_path)), "--destination", DEST, "--kubeconfig", str(config)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert kube.log_requested.wait(60), "the build never followed its log"
            time.sleep(0.2)
            process.send_signal(stop)
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130
    assert err.startswith("runner-ext: interrupted; deleted pod runner-ext-build-kaniko-")
    assert LINES[-1][1] in out
    pods = [n for r, n in kube.deleted if r == "pods"]
    assert len(pods) == 1 and pods[0].startswith("runner-ext-build-kaniko-")
    assert not [k for k in kube.objects if k[0] == "pods" and k[1] == NS]


def test_failed_clone_exits_with_the_init_containers_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube = healthy()
    kube.stages = [Stage(pod_status("Failed", waiting("PodInitializing"),
                                    ("clone", terminated(128))))]
    with cluster(tmp_path, kube) as (_, config):
        code, out, err = _build(capsys, config, "git://gitlab.example.com/g/app.git#refs/heads/main",
                                "--engine", "buildkit", "--config", str(_privileged(tmp_path)))
    assert code == 128 and out == ""
    assert err == "build failed: exit code 128 (init container 'clone': Error)\n"
    assert not [r for r in kube.log_requests]
