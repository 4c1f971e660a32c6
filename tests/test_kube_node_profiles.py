"""The node profiles of the rootless engines: what they allow, the files shipped in the package,
``render profiles`` (operator objects, DaemonSet installer) and the baseline pods using them.

The real proof that the seccomp profile lets a rootless build run, and refuses the rest, is
``tests/test_kube_node_profiles_build.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tomllib
from conftest import REPO, require_tool
from golden import check_golden
from ruamel.yaml import YAML

from runner_ext.cli.main import run
from runner_ext.config import Engine, parse_config
from runner_ext.kube.labels import check_name
from runner_ext.kube.node_profiles import (
    APPARMOR_SETTING,
    ENGINES,
    INSTALLER,
    SECCOMP_SETTING,
    InstallerOptions,
    apparmor_name,
    read_shipped,
    render_profiles,
    shipped,
)
from runner_ext.kube.pod import PodRequest, render_pod
from runner_ext.kube.pss import Level
from runner_ext.kube.runner import render_runner
from runner_ext.kube.seccomp import (
    ARCHITECTURES,
    DATA,
    rootless_additions,
    rootless_profile,
    runtime_default,
)

CONTEXT = "git://gitlab.example.com/group/app.git#refs/heads/main"
IMAGE = "registry.example.com/group/app:1"
SHIPPED = {"seccomp_localhost_profile": SECCOMP_SETTING,
           "apparmor_localhost_profile": APPARMOR_SETTING}
# Beyond the default list, each engine adds exactly these (allowed; refused with ENOSYS).
NEEDS = {
    "buildah": ({"unshare", "mount", "umount2", "umount", "chroot"}, {"clone3"}),
    # clone3 is refused by the default profile too (see runtime_default_errno)
    "buildkit": ({"unshare", "mount", "umount2", "umount", "chroot", "clone", "setns",
                  "pivot_root", "sethostname", "setdomainname"}, {"clone3", "keyctl"}),
}
# What a cluster-admin-level escape would need: never allowed, whatever the engine.
NEVER = {"bpf", "init_module", "finit_module", "delete_module", "kexec_load", "reboot",
         "open_by_handle_at", "swapon", "swapoff", "acct", "perf_event_open", "add_key",
         "request_key", "userfaultfd", "fsopen", "fsmount", "move_mount", "open_tree",
         "io_uring_setup", "settimeofday", "clock_settime", "syslog", "quotactl", "ptrace_"}


def _yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _rules(profile: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [rule for rule in profile["syscalls"] if name in rule["names"]]


@pytest.mark.parametrize("engine", ENGINES)
def test_shipped_files_are_the_generated_ones(engine: Engine) -> None:
    for relative, text in shipped(engine).items():
        check_golden(DATA / relative, text)
        assert read_shipped(relative) == text


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_adds_exactly_what_it_needs_to_the_default_list(engine: Engine) -> None:
    profile = rootless_profile(engine)
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    assert profile["architectures"] == list(ARCHITECTURES)
    allowed = profile["syscalls"][0]
    assert allowed["action"] == "SCMP_ACT_ALLOW" and "args" not in allowed
    assert allowed["names"] == sorted(set(allowed["names"]))
    allowed_names = set(allowed["names"])
    default = set(runtime_default())
    assert allowed_names - default == NEEDS[engine][0]
    assert default <= allowed_names
    enosys = {r["names"][0] for r in profile["syscalls"] if r["action"] == "SCMP_ACT_ERRNO"}
    assert enosys == NEEDS[engine][1]
    assert all(r["errnoRet"] == 38 for r in profile["syscalls"] if r["action"] != "SCMP_ACT_ALLOW")
    named = {n for r in profile["syscalls"] for n in r["names"]}
    assert named.isdisjoint(NEVER)


def test_argument_filters_stay_where_the_engine_does_not_need_more() -> None:
    buildah, buildkit = rootless_profile("buildah"), rootless_profile("buildkit")
    # Buildah never clones into new namespaces: the default's filter (no CLONE_NEW* flag) stays.
    (clone,) = _rules(buildah, "clone")
    assert clone["args"] == [{"index": 0, "value": 0x7E020000, "valueTwo": 0,
                              "op": "SCMP_CMP_MASKED_EQ"}]
    # rootlesskit does, so BuildKit's profile allows clone without a filter, and only there.
    assert _rules(buildkit, "clone") == [buildkit["syscalls"][0]]
    for profile in (buildah, buildkit):
        (socket,) = _rules(profile, "socket")
        assert socket["args"] == [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]
        personalities = {r["args"][0]["value"] for r in _rules(profile, "personality")}
        assert personalities == {0, 8, 0x20000, 0x20008, 0xFFFFFFFF}


def test_every_addition_is_explained_in_the_docs() -> None:
    docs = (REPO / "docs" / "kubernetes.md").read_text(encoding="utf-8")
    for addition in rootless_additions():
        row = re.search(rf"^\| `{addition.name}` \| ([^|]+) \| ([^|]+) \|$", docs, re.M)
        assert row, f"docs/kubernetes.md has no row for {addition.name}"
        assert row.group(1).strip() == ", ".join(addition.engines)
        assert row.group(2).strip() == addition.why


@pytest.mark.parametrize("engine", ENGINES)
def test_apparmor_profile_allows_the_build_mounts_and_parses(engine: Engine,
                                                              tmp_path: Path) -> None:
    text = shipped(engine)[f"apparmor/{apparmor_name(engine)}"]
    assert f"profile {apparmor_name(engine)} flags=(attach_disconnected," in text
    rules = {line.strip() for line in text.splitlines()}
    assert {"mount,", "umount,", f"include if exists <local/{apparmor_name(engine)}>"} <= rules
    assert ("pivot_root," in rules) == (engine == "buildkit")
    assert "deny /sys/kernel/security/** rwklx," in rules
    parser = require_tool("apparmor_parser")
    path = tmp_path / apparmor_name(engine)
    path.write_text(text)
    # -Q: parse and compile only, load nothing into the kernel.
    done = subprocess.run([parser, "-Q", "-K", str(path)], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr


def test_render_profiles_writes_profiles_operator_objects_and_installer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render", "profiles", "--out", str(tmp_path)]) == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(render_profiles())
    assert written == sorted([
        "apparmor/runner-ext-buildah", "apparmor/runner-ext-buildkit",
        "installer/configmap.yaml", "installer/daemonset.yaml", "installer/namespace.yaml",
        "installer/networkpolicy.yaml",
        "operator/seccompprofile-buildah.yaml", "operator/seccompprofile-buildkit.yaml",
        "seccomp/runner-ext/buildah.json", "seccomp/runner-ext/buildkit.json"])
    for engine in ENGINES:  # the layout of the kubelet's seccomp root, as the settings say
        path = tmp_path / "seccomp" / SECCOMP_SETTING.replace("{engine}", engine)
        assert path.read_text() == read_shipped(f"seccomp/{engine}.json")
    assert "the installer DaemonSet is privileged" in capsys.readouterr().out


def test_render_profiles_dry_run_json_and_bad_options(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert run(["render", "profiles", "--out", str(out), "--dry-run", "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True and report["files"] == sorted(render_profiles())
    assert report["contents"] == render_profiles()
    assert not out.exists()
    assert run(["render", "profiles", "--out", str(out), "--namespace", "Bad_NS"]) == 2
    assert "--namespace" in capsys.readouterr().err
    assert run(["render", "profiles", "--out", str(out), "--installer-image", " "]) == 2
    assert "--installer-image" in capsys.readouterr().err
    assert not out.exists()


def test_installer_objects_are_valid_kubernetes(tmp_path: Path) -> None:
    tool = require_tool("kubernetes-validate")
    files = render_profiles(InstallerOptions(image="busybox:1.36.1", namespace="node-setup"))
    paths = []
    for name, text in files.items():
        if name.startswith("installer/"):
            paths.append(tmp_path / name.replace("/", "-"))
            paths[-1].write_text(text)
    done = subprocess.run([tool, "--strict", "-k", "1.33.0", *map(str, paths)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("passed") == 4


def test_installer_is_privileged_alone_in_its_namespace_and_installs_the_shipped_files() -> None:
    files = render_profiles()
    namespace = _yaml(files["installer/namespace.yaml"])
    assert namespace["metadata"]["name"] == INSTALLER
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    daemonset = _yaml(files["installer/daemonset.yaml"])
    assert daemonset["metadata"]["namespace"] == INSTALLER
    pod = daemonset["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False and pod["hostPID"] is True
    (container,) = pod["containers"]
    assert container["securityContext"] == {"privileged": True, "readOnlyRootFilesystem": True}
    host_paths = {v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
    assert host_paths == {"/var/lib/kubelet/seccomp", "/etc/apparmor.d"}
    policy = _yaml(files["installer/networkpolicy.yaml"])
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]
    data = _yaml(files["installer/configmap.yaml"])["data"]
    for engine in ENGINES:
        assert data[f"seccomp-{engine}.json"] == read_shipped(f"seccomp/{engine}.json")
        name = apparmor_name(engine)
        assert data[f"apparmor-{name}"] == read_shipped(f"apparmor/{name}")
        assert f'"$dest/{engine}.json"' in data["install.sh"]
        assert f'apparmor_parser --replace --write-cache "/etc/apparmor.d/{name}"' in \
            data["install.sh"]


def test_installer_script_is_valid_sh() -> None:
    script = _yaml(render_profiles()["installer/configmap.yaml"])["data"]["install.sh"]
    sh = require_tool("bash")
    done = subprocess.run([sh, "-n", "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# The operator's SeccompProfile v1beta1 spec (security-profiles-operator.x-k8s.io): the CRD is
# not in kubernetes-validate, so its shape is checked field by field here.
SPO_SPEC = {"defaultAction", "architectures", "syscalls", "baseProfileName", "flags",
            "listenerPath", "listenerMetadata", "disabled"}
SPO_ACTIONS = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
               "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
               "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}
SPO_OPS = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
           "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}
SPO_ARCHES = {"SCMP_ARCH_NATIVE", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
              "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
              "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
              "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
              "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
              "SCMP_ARCH_RISCV64"}


@pytest.mark.parametrize("engine", ENGINES)
def test_operator_seccompprofile_has_the_crd_shape(engine: Engine) -> None:
    obj = _yaml(render_profiles()[f"operator/seccompprofile-{engine}.yaml"])
    assert (obj["apiVersion"], obj["kind"]) == (
        "security-profiles-operator.x-k8s.io/v1beta1", "SeccompProfile")
    assert set(obj) == {"apiVersion", "kind", "metadata", "spec"}
    assert check_name(obj["metadata"]["name"]) == f"runner-ext-{engine}"
    spec = obj["spec"]
    assert set(spec) <= SPO_SPEC and spec["defaultAction"] in SPO_ACTIONS
    assert set(spec["architectures"]) <= SPO_ARCHES
    for rule in spec["syscalls"]:
        assert set(rule) <= {"names", "action", "errnoRet", "args"} and rule["names"]
        assert rule["action"] in SPO_ACTIONS
        for arg in rule.get("args", []):
            assert set(arg) <= {"index", "value", "valueTwo", "op"} and arg["op"] in SPO_OPS
            assert 0 <= arg["index"] <= 5
    assert spec == rootless_profile(engine)  # the same profile as the file on the node


@pytest.mark.parametrize("engine", ENGINES)
def test_shipped_profiles_and_user_namespaces_bring_rootless_pods_to_baseline(
        engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = parse_config({"kubernetes": {**SHIPPED, "user_namespaces": True}})
    rendered = render_pod(config, PodRequest(engine, CONTEXT, (IMAGE,)))
    assert rendered.level is Level.baseline
    ((name, text),) = rendered.files.items()
    pod = _yaml(text.split("\n---\n")[0])
    assert pod["spec"]["hostUsers"] is False
    context = pod["spec"]["containers"][0]["securityContext"]
    assert context["seccompProfile"] == {"type": "Localhost",
                                         "localhostProfile": f"runner-ext/{engine}.json"}
    assert context["appArmorProfile"] == {"type": "Localhost",
                                          "localhostProfile": f"runner-ext-{engine}"}
    (tmp_path / name).write_text(text)
    assert run(["check", "pod", str(tmp_path / name), "--level", "baseline"]) == 0
    assert "0 violate the baseline level" in capsys.readouterr().out


@pytest.mark.parametrize("engine", ENGINES)
def test_runner_config_uses_the_shipped_profiles(engine: Engine) -> None:
    config = parse_config({
        "kubernetes": {**SHIPPED, "user_namespaces": True},
        "runner": {"gitlab_url": "https://gitlab.example.com",
                   "ci_registry": "registry.example.com"}})
    rendered = render_runner(config, engine)
    assert rendered.level is Level.baseline
    kube = tomllib.loads(rendered.files["config.toml"])["runners"][0]["kubernetes"]
    context = kube["build_container_security_context"]
    assert context["seccomp_profile"] == {"type": "Localhost",
                                          "localhost_profile": f"runner-ext/{engine}.json"}
    assert context["app_armor_profile"] == {"type": "Localhost",
                                            "localhost_profile": f"runner-ext-{engine}"}
    (patch,) = kube["pod_spec"]
    assert json.loads(patch["patch"]) == [{"op": "add", "path": "/hostUsers", "value": False}]


def test_refusal_points_at_the_shipped_profiles(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    assert run(["render", "pod", "--engine", "buildah", "--context", CONTEXT, "-d", IMAGE,
                "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "runner-ext render profiles" in err
    assert f"kubernetes.seccomp_localhost_profile = '{SECCOMP_SETTING}'" in err
