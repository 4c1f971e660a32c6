"""Hostile org-config values through every renderer: data stays data.

One value carrying quotes, a newline, ``$()``, backticks, ``#``, ``]]``, brackets, a
backslash and braces goes into every user-controlled setting. The rendered ``config.toml``
(tomllib) and YAML (ruamel) must parse to exactly the configured values with no extra key,
and each command line in the header comments, run by ``sh``, must pass exactly the configured
words.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import require_tool
from ruamel.yaml import YAML

from runner_ext.config import OrgConfig, parse_config
from runner_ext.kube.pod import PodRequest, render_pod
from runner_ext.kube.runner import render_runner
from runner_ext.kube.warmer import render_warmer
from runner_ext.render.ci import CLASSIC, render_ci

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

H = "a\"b'c\nd$(touch pwned)`touch pwned2` # ]] [x] \\ {y} ${HOME}"
TOKEN = "canary-runner-token"
IMAGE_TAG = H.replace("${HOME}", "")  # executor images may not refer to variables


def _config(engine: str = "kaniko") -> OrgConfig:
    images = {e: {"image": f"registry.example.com/{e}:{H}",
                  "executor": f"registry.example.com/ex-{e}:{IMAGE_TAG}"}
              for e in ("kaniko", "buildkit", "buildah")}
    return parse_config({
        "engines": images,
        "runner": {"gitlab_url": f"https://gitlab.example.com/{H}", "tags": [H, "plain"],
                   "token_secret": H},
        "kubernetes": {"namespace": H, "service_account": H, "registry_secret": H,
                       "node_selector": {H: H}, "enforce": "privileged",
                       "tolerations": [{"key": H, "value": H, "effect": "NoSchedule"}],
                       "seccomp_localhost_profile": H, "apparmor_localhost_profile": H},
        "kaniko": {"cache_dir": f"/cache{H}"},
        "warmer": {"images": ["busybox:1.36.1"]},
    })


def _yaml(text: str) -> list[Any]:
    return list(YAML(typ="safe").load_all(text))


def _header(text: str) -> str:
    """The leading comment block, with the two characters ``# `` taken off each line."""
    lines = []
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        lines.append(line[2:])
    return "\n".join(lines)


def _words_sh_passes(command: str, tmp: Path, program: str) -> list[str]:
    """Run ``command`` with sh, ``program`` being a recorder of its (first call's) argv."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    record = tmp / "argv"
    recorder = bin_dir / program
    record.unlink(missing_ok=True)
    recorder.write_text(f'#!/bin/sh\n[ -e "{record}" ] || printf "%s\\0" "$@" > "{record}"\n')
    recorder.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TOKEN": TOKEN,
           "HOME": "/nonexistent"}
    done = subprocess.run([require_tool("dash"), "-c", command], cwd=tmp, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert not list(tmp.glob("pwned*")), "a value ran as a command"
    return record.read_text().split("\0")[:-1]


@pytest.mark.parametrize("engine", ["kaniko", "buildkit", "buildah"])
def test_runner_config_toml_and_values_hold_exactly_the_values(engine: str) -> None:
    files = render_runner(_config(), engine).files  # type: ignore[arg-type]
    toml = tomllib.loads(files["config.toml"])
    assert list(toml) == ["runners"] and len(toml["runners"]) == 1
    kube = toml["runners"][0]["kubernetes"]
    assert kube["namespace"] == H and kube["service_account"] == H
    assert kube["image"] == f"registry.example.com/ex-{engine}:{IMAGE_TAG}"
    assert kube["allowed_images"] == [kube["image"]]
    assert kube["node_selector"] == {H: H}
    assert kube["node_tolerations"] == {f"{H}={H}": "NoSchedule"}
    context = kube["build_container_security_context"]
    if engine != "kaniko":
        assert context["seccomp_profile"] == {"type": "Localhost", "localhost_profile": H}
        assert context["app_armor_profile"] == {"type": "Localhost", "localhost_profile": H}
    else:
        assert kube["volumes"]["pvc"][0]["mount_path"] == f"/cache{H}"
    [values] = _yaml(files["values.yaml"])
    assert set(values) == {"gitlabUrl", "concurrent", "rbac", "runners"}
    assert values["gitlabUrl"] == f"https://gitlab.example.com/{H}"
    assert values["runners"] == {"secret": H, "config": files["config.toml"]}


def test_command_lines_in_the_headers_pass_exactly_the_configured_words(tmp_path: Path
                                                                        ) -> None:
    files = render_runner(_config(), "kaniko").files
    expected = {
        "kubectl": ["-n", H, "create", "secret", "generic", H,
                    "--from-literal=runner-registration-token=",
                    f"--from-literal=runner-token={TOKEN}"],
        "helm": ["upgrade", "--install", "runner-ext-kaniko", "gitlab/gitlab-runner", "-n", H,
                 "-f", "values.yaml"],
        "gitlab-runner": ["register", "--non-interactive", "--template-config", "config.toml",
                          "--url", f"https://gitlab.example.com/{H}", "--token", TOKEN],
    }
    headers = _header(files["values.yaml"]) + "\n" + _header(files["config.toml"])
    for program, words in expected.items():
        command = headers[headers.index(f"  {program} "):]
        end = '"$RUNNER_TOKEN"' if program != "helm" else "values.yaml"
        command = command[:command.index(end) + len(end)]
        assert _words_sh_passes(command, tmp_path, program) == words


@pytest.mark.parametrize("engine", ["kaniko", "buildkit", "buildah"])
def test_build_pods_hold_exactly_the_values(engine: str, tmp_path: Path) -> None:
    request = PodRequest(engine, "git://gitlab.example.com/g/app.git#refs/heads/main",  # type: ignore[arg-type]
                         ("registry.example.com/g/app:1",), build_args=(f"NOTE={H}",))
    (text,) = render_pod(_config(), request).files.values()
    docs = _yaml(text)
    pod = next(d for d in docs if d["kind"] == "Pod")
    spec = pod["spec"]
    assert pod["metadata"]["namespace"] == H
    assert spec["serviceAccountName"] == H and spec["nodeSelector"] == {H: H}
    assert spec["tolerations"] == [{"key": H, "operator": "Equal", "value": H,
                                    "effect": "NoSchedule"}]
    build = spec["containers"][0]
    assert build["image"] == f"registry.example.com/{engine}:{H}"
    argv = build["command"] + build.get("args", [])
    if argv[:2] == ["/bin/sh", "-c"]:  # Buildah's build and push steps, as one script
        argv = _words_sh_passes(argv[2], tmp_path, "buildah")
    assert f"NOTE={H}" in argv or f"build-arg:NOTE={H}" in argv or f"--build-arg=NOTE={H}" in argv
    secret = spec["volumes"][0]["projected"]["sources"][0]["secret"]
    assert secret["name"] == H


def test_warmer_holds_exactly_the_values() -> None:
    files = render_warmer(_config(), {"Dockerfile": "FROM busybox:1.36.1\n"}).files
    for text in files.values():
        for doc in _yaml(text):
            assert doc["metadata"]["namespace"] == H
    pods = [d for t in files.values() for d in _yaml(t) if d["kind"] in ("Job", "CronJob")]
    assert pods
    for doc in pods:
        spec = doc["spec"]
        spec = spec["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else spec
        assert spec["template"]["spec"]["nodeSelector"] == {H: H}


def test_buildah_warmer_script_pulls_exactly_the_configured_image(tmp_path: Path) -> None:
    """An image name is data in the warmer's ``sh -c`` script: sh passes it as one word.
    (The store is a folder here, as the PVC mount is in the Job: the script keeps its prune
    record there.)"""
    store = tmp_path / "store"
    store.mkdir()
    base = _config().model_dump()
    base["engines"]["buildah"]["image_store"] = str(store)
    config = parse_config({**base, "warmer": {"images": [H, "plain"]}})
    files = render_warmer(config, {}, "buildah").files
    (job,) = _yaml(files["buildah-warmer-job.yaml"])
    spec = job["spec"]["template"]["spec"]
    assert job["metadata"]["namespace"] == H and spec["nodeSelector"] == {H: H}
    (warmer,) = spec["containers"]
    assert warmer["command"] == ["/bin/sh", "-c"]
    assert _words_sh_passes(warmer["args"][0], tmp_path, "buildah")[-1] == H
    projected = spec["volumes"][1]["projected"]
    assert projected["sources"][0]["secret"]["name"] == H


def test_ci_templates_hold_exactly_the_values() -> None:
    [classic] = _yaml(render_ci(_config())[CLASSIC])
    for engine in ("kaniko", "buildkit", "buildah"):
        job = classic[f".runner-ext-build-{engine}"]
        assert job["tags"] == [H, "plain"]
        assert job["image"]["name"] == f"registry.example.com/ex-{engine}:{IMAGE_TAG}"


def test_shlex_join_is_what_the_headers_use() -> None:
    """Guard for the test above: the header form of a command is shlex's."""
    assert shlex.join(["-n", H]) in _header(render_runner(_config(), "kaniko")
                                            .files["values.yaml"])
