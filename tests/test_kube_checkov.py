"""checkov, an independent policy scanner, on every manifest ``render pod``, ``render warmer``
and ``render profiles`` (its installer) produce: each finding is fixed, or accepted in
``runner_ext.kube.scanner_exceptions`` with the engine's reason, which ``docs/kubernetes.md``
shows in a table checked against that list.

checkov is installed in its own virtualenv by ``.ci/install`` (its pinned dependencies clash
with ours) and found on PATH.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, require_tool

from runner_ext.config import ENGINES, OrgConfig, parse_config
from runner_ext.kube.node_profiles import InstallerOptions, render_profiles
from runner_ext.kube.pod import PodRequest, Rendered, render_pod
from runner_ext.kube.pss import Level
from runner_ext.kube.scanner_exceptions import ACCEPTED
from runner_ext.kube.warmer import render_warmer
from runner_ext.render.environment import write_files

CONTEXT = "git://gitlab.example.com/group/app.git#refs/heads/main"
DESTINATION = "registry.example.com/group/app:1.0"
DIGEST = "sha256:" + "0123456789abcdef" * 4
LOCALHOST = {"seccomp_localhost_profile": "profiles/builder.json",
             "apparmor_localhost_profile": "builder"}


def _config(**kubernetes: object) -> OrgConfig:
    """Images pinned by digest, as docs/kubernetes.md recommends (CKV_K8S_43)."""
    defaults = OrgConfig()
    engines = {name: {"image": defaults.image_for(name).image, "digest": DIGEST,
                      "executor": defaults.image_for(name).executor} for name in ENGINES}
    return parse_config({
        "engines": engines, "warmer": {"images": ["busybox:1.36.1"]},
        "kubernetes": {"git_image": f"alpine/git:v2.47.2@{DIGEST}", **kubernetes}})


CASES: dict[str, tuple[str, Any]] = {
    "kaniko-pod": ("kaniko", lambda: render_pod(_config(), PodRequest("kaniko", CONTEXT, (
        DESTINATION,)))),
    "kaniko-job": ("kaniko", lambda: render_pod(_config(), PodRequest(
        "kaniko", CONTEXT, (DESTINATION,), kind="job"))),
    "buildkit-pod": ("buildkit", lambda: render_pod(_config(**LOCALHOST), PodRequest(
        "buildkit", CONTEXT, (DESTINATION,)))),
    "buildkit-job": ("buildkit", lambda: render_pod(_config(enforce="privileged"), PodRequest(
        "buildkit", CONTEXT, (DESTINATION,), kind="job"))),
    "buildah-pod": ("buildah", lambda: render_pod(_config(enforce="privileged"), PodRequest(
        "buildah", CONTEXT, (DESTINATION,)))),
    "buildah-job": ("buildah", lambda: render_pod(_config(**LOCALHOST), PodRequest(
        "buildah", CONTEXT, (DESTINATION,), kind="job"))),
    "warmer": ("warmer", lambda: render_warmer(
        _config(), {"Dockerfile": "FROM node:20-bookworm-slim\n"})),
    # Buildah's warmer runs with Buildah's build pod security: its subject is "buildah".
    "buildah-warmer": ("buildah", lambda: render_warmer(
        _config(**LOCALHOST), {"Dockerfile": "FROM node:20-bookworm-slim\n"}, "buildah")),
    "buildah-warmer-privileged": ("buildah", lambda: render_warmer(
        parse_config({**_config(enforce="privileged").model_dump(),
                      "registry": {"mirrors": ["mirror.gcr.io"]}}), {}, "buildah")),
    "node-profiles": ("node-profiles", lambda: _installer()),
}


def _installer() -> Rendered:
    """The Kubernetes objects of ``render profiles`` that no operator handles: the installer."""
    files = render_profiles(InstallerOptions(image=f"busybox:1.36.1@{DIGEST}"))
    return Rendered({path: text for path, text in files.items()
                     if path.startswith("installer/")}, Level.privileged)


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """(check id, subject) of every failed checkov check on the rendered manifests."""
    checkov = require_tool("checkov")
    root = tmp_path_factory.mktemp("manifests")
    for case, (_, make) in CASES.items():
        write_files(root / case, make().files)
    done = subprocess.run([checkov, "-d", str(root), "--framework", "kubernetes", "--quiet",
                           "--compact", "--output", "json", "--skip-download"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    found = set()
    for report in reports if isinstance(reports, list) else [reports]:
        assert report["summary"]["parsing_errors"] == 0
        assert report["summary"]["passed"] > 100  # checkov did look at the manifests
        for failed in report["results"]["failed_checks"]:
            case = Path(failed["file_path"]).parts[1]
            found.add((failed["check_id"], CASES[case][0]))
    return found


def test_every_checkov_finding_is_fixed_or_accepted_with_a_reason(
        findings: set[tuple[str, str]]) -> None:
    accepted = {(check, subject) for check, a in ACCEPTED.items() for subject in a.subjects}
    assert findings - accepted == set(), "fix these, or accept them with the engine's reason"
    assert accepted - findings == set(), "accepted but no longer found: drop them from the list"


def test_the_docs_table_is_the_accepted_list() -> None:
    docs = (REPO / "docs" / "kubernetes.md").read_text()
    rows = re.findall(r"^\| `(CKV2?_K8S_\d+)` \| ([^|]+) \| ([^|]+) \|$", docs, re.M)
    table = {check: (tuple(s.strip() for s in subjects.split(",")), reason.strip())
             for check, subjects, reason in rows}
    assert table == {check: (a.subjects, a.reason) for check, a in ACCEPTED.items()}
