"""Hand-written Kaniko jobs adopted onto the runner-ext template (docs/migrate.md, Hand-written
Kaniko jobs): every way of writing the executor's flags reads the same, each reason to leave a
job is given with its flag or registry named, credentials never reach the output, and
``--keep-daemonless`` leaves such jobs alone.

The golden cases ``kaniko-adopt`` and ``kaniko-refusals`` pin the rewrites and reports; the
push-set oracle in test_migrate_expansion.py runs them with a recording executor.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_migrate_support import PROJECTS

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.config import load_config
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project
from runner_ext.migrate.corpus.reasons import reason_code
from runner_ext.migrate.parse.cifiles import parse_ci_file
from runner_ext.migrate.rewrite.write import write_changes

IMAGE = "  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n"
DOCKERFILES = {"Dockerfile": "FROM busybox:1.36\nCOPY a.txt /a\n", "a.txt": "a\n",
               "sub/Dockerfile": "FROM busybox:1.36\nCOPY b.txt /b\n", "sub/b.txt": "b\n",
               "docker/ci.Dockerfile": "FROM busybox:1.36 AS ci\nCOPY . /src\n"}


def _project(tmp_path: Path, ci: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "project"
    for name, text in {**DOCKERFILES, **(files or {}), ".gitlab-ci.yml": ci}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _migrate(root: Path, **options: Any) -> MigrationResult:
    return migrate_project(LocalSource(root), config=load_config(None), **options)


def _inputs(result: MigrationResult, job: str) -> dict[str, Any]:
    """The component inputs the migrated ``job`` gets."""
    data = parse_ci_file(".gitlab-ci.yml", result.changes[".gitlab-ci.yml"].encode()).data
    for entry in data["include"]:
        if isinstance(entry, dict) and entry.get("inputs", {}).get("job_name") == job:
            return {k: v for k, v in entry["inputs"].items() if k != "job_name"}
    raise AssertionError(f"no include for {job}")


def _job(result: MigrationResult, name: str) -> Any:
    return next(j for j in result.jobs if j.name == name)


EXPECTED = {"dockerfile": "docker/ci.Dockerfile",
            "destinations": "$CI_REGISTRY_IMAGE:a\n$CI_REGISTRY_IMAGE:b",
            "build_args": "A=1\nB=$CI_COMMIT_SHA", "target": "ci", "labels": "x=y"}
# One build, written every way the corpus projects write it.
FORMS = {
    "equals": "    - /kaniko/executor --context=$CI_PROJECT_DIR "
              "--dockerfile=$CI_PROJECT_DIR/docker/ci.Dockerfile "
              "--destination=$CI_REGISTRY_IMAGE:a --destination=$CI_REGISTRY_IMAGE:b "
              "--build-arg=A=1 --build-arg=B=$CI_COMMIT_SHA "
              "--target=ci --label=x=y\n",
    "spaces-short": "    - /kaniko/executor -c . -f docker/ci.Dockerfile -d $CI_REGISTRY_IMAGE:a "
                    "-d $CI_REGISTRY_IMAGE:b --build-arg A=1 "
                    "--build-arg \"B=$CI_COMMIT_SHA\" "
                    "--target ci --label x=y\n",
    "continuations": "    - |\n      /kaniko/executor \\\n"
                     "        --context \"${CI_PROJECT_DIR}\" \\\n"
                     "        --dockerfile docker/ci.Dockerfile \\\n"
                     "        --destination \"$CI_REGISTRY_IMAGE:a\" \\\n"
                     "        --destination \"$CI_REGISTRY_IMAGE:b\" \\\n"
                     "        --build-arg A=1 --build-arg B=$CI_COMMIT_SHA \\\n"
                     "        --target ci --label x=y\n",
    "folded": "    - /kaniko/executor\n      --context dir://.\n"
              "      --dockerfile docker/ci.Dockerfile\n      --destination $CI_REGISTRY_IMAGE:a\n"
              "      --destination $CI_REGISTRY_IMAGE:b\n"
              "      --build-arg A=1\n      --build-arg B=$CI_COMMIT_SHA\n      --target ci\n"
              "      --label x=y\n",
    "variable": "    - /kaniko/executor $KANIKO_ARGS --destination $CI_REGISTRY_IMAGE:a "
                "--destination $CI_REGISTRY_IMAGE:b --build-arg A=1 "
                "--build-arg B=$CI_COMMIT_SHA\n",
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_way_of_writing_the_flags_reads_the_same(tmp_path: Path, form: str) -> None:
    variables = "  variables:\n    KANIKO_ARGS: --context . --dockerfile docker/ci.Dockerfile " \
                "--target ci --label x=y\n" if form == "variable" else ""
    ci = f"build:\n  stage: build\n{IMAGE}{variables}  script:\n{FORMS[form]}"
    result = _migrate(_project(tmp_path, ci))
    assert _job(result, "build").status == "migrated", _job(result, "build").reason
    assert {k: v.rstrip("\n") if isinstance(v, str) else v
            for k, v in _inputs(result, "build").items() if k != "cache_repo"} == EXPECTED


def test_anchor_and_extends_forms_read_the_same(tmp_path: Path) -> None:
    """mitup-telegram-bot merges the build with ``<<: *kaniko``; others extend a template."""
    script = FORMS["spaces-short"]
    ci = (f".kaniko: &kaniko\n{IMAGE}  script:\n{script}\n"
          "merged:\n  stage: build\n  <<: *kaniko\n\n"
          f".template:\n{IMAGE}  script:\n{script}\n"
          "extended:\n  stage: build\n  extends: .template\n")
    result = _migrate(_project(tmp_path, ci))
    assert _job(result, "merged").status == "migrated"
    assert _job(result, "extended").status == "migrated"
    assert {k: str(v).rstrip("\n") for k, v in _inputs(result, "merged").items()
            if k != "cache_repo"} == EXPECTED


def test_caching_flags_are_dropped_and_said_so(tmp_path: Path) -> None:
    ci = (f"build:\n  stage: build\n{IMAGE}  script:\n    - /kaniko/executor --context . "
          "--cache=true --cache-repo=$CI_REGISTRY_IMAGE/kcache --cache-ttl 24h "
          "--snapshot-mode=redo --use-new-run --single-snapshot --cleanup "
          "--compressed-caching=false --destination $CI_REGISTRY_IMAGE:1\n")
    job = _job(_migrate(_project(tmp_path, ci)), "build")
    assert job.status == "migrated"
    assert job.changes[0] == ("hand-written Kaniko build (gcr.io/kaniko-project/executor, "
                              "archived June 2025) moved onto the runner-ext template")
    assert job.changes[1] == ("dropped --cache, --cache-repo, --cache-ttl, --snapshot-mode, "
                              "--use-new-run, --single-snapshot, --cleanup, "
                              "--compressed-caching: the template owns caching (registry layer "
                              "cache, snapshot mode and run mode from the org config)")


def test_the_dockerfile_is_found_where_kaniko_finds_it(tmp_path: Path) -> None:
    """Kaniko reads ``--dockerfile`` from the working directory first, then from inside the
    context: a root Dockerfile wins over the context's, and a name only the context has is
    found there."""
    ci = (f"root-first:\n  stage: build\n{IMAGE}  script:\n    - /kaniko/executor --context sub "
          "--dockerfile Dockerfile --destination $CI_REGISTRY_IMAGE:1\n"
          f"in-context:\n  stage: build\n{IMAGE}  script:\n    - /kaniko/executor "
          "--context dir://sub --dockerfile sub.Dockerfile --destination $CI_REGISTRY_IMAGE:2\n")
    root = _project(tmp_path, ci, {"sub/sub.Dockerfile": "FROM busybox:1.36\n"})
    result = _migrate(root)
    assert _job(result, "root-first").dockerfile == "Dockerfile"
    assert _job(result, "in-context").dockerfile == "sub/sub.Dockerfile"
    assert _inputs(result, "in-context")["context"] == "$CI_PROJECT_DIR/sub"


REFUSALS = PROJECTS["case-kaniko-refusals"]
# Each job of the refusal case: its reason code, and what the reason must name.
LEFT = {
    "stdin-dockerfile": ("kaniko-flag", "/dev/stdin"),
    "git-context": ("kaniko-flag", "git://"),
    "no-context": ("kaniko-flag", "without --context"),
    "skip-tls": ("kaniko-flag", "--skip-tls-verify"),
    "insecure-registry": ("kaniko-flag", "--insecure-registry"),
    "digest-file": ("kaniko-flag", "--digest-file"),
    "name-with-digest": ("kaniko-flag", "--image-name-with-digest-file"),
    "tar-path": ("kaniko-flag", "--tar-path"),
    "reproducible": ("kaniko-flag", "--reproducible"),
    "unknown-flag": ("kaniko-flag", "registry.mirrors"),
    "context-sub-path": ("kaniko-flag", "--context-sub-path"),
    "dependency-proxy": ("kaniko-registry-auth", "$PROXY_DEPLOY_TOKEN"),
    "docker-hub": ("kaniko-registry-auth", "Docker Hub (https://index.docker.io/v1/)"),
    "ecr-creds-store": ("kaniko-registry-auth", "ecr-login (Amazon ECR)"),
    "other-credentials": ("kaniko-registry-auth", "$DEPLOY_PASSWORD"),
    "literal-credentials": ("kaniko-registry-auth", "registry.example.com"),
    "literal-own-registry": ("kaniko-registry-auth", "a literal value"),
    "ecr-destination": ("kaniko-registry-auth", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
    "custom-ca": ("kaniko-image-files", "/kaniko/"),
    "under-condition": ("shell-logic", "runs under shell logic"),
    "arm-platform": ("platform", "linux/arm64"),
}


def test_every_refusal_names_its_flag_or_registry() -> None:
    result = REFUSALS.migrate()
    # --no-push is a build check: it moves with push: false, like a Docker build check
    check = next(j for j in result.jobs if j.name == "no-push")
    assert check.status == "migrated" and check.strategy == "declarative"
    assert any("pushes nothing" in c for c in check.changes)
    assert set(result.changes) == {".gitlab-ci.yml"}
    assert {j.name for j in result.jobs} == set(LEFT) | {"no-push"}
    for job in result.jobs:
        if job.name == "no-push":
            continue
        code, named = LEFT[job.name]
        assert job.status == "left", job.name
        assert job.reason.startswith("hand-written Kaniko build (gcr.io/kaniko-project/executor,"
                                     " archived June 2025) stays as it is: "), job.name
        assert named in job.reason, (job.name, job.reason)
        assert reason_code(job.reason) == code, (job.name, job.reason)
        assert job.suggestion, job.name


CANARY = "canary-secret-7319"


def test_credentials_never_reach_the_output(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The config.json line is never quoted: neither a password written into the CI file
    nor its base64 form shows up in any output format."""
    encoded = base64.b64encode(f"canary-user:{CANARY}".encode()).decode()
    ci = ("variables:\n  HUB_PASSWORD: " + CANARY + "\n"
          f"hub:\n  stage: build\n{IMAGE}  script:\n"
          "    - echo \"{\\\"auths\\\":{\\\"https://index.docker.io/v1/\\\":{\\\"username\\\":"
          "\\\"me\\\",\\\"password\\\":\\\"$HUB_PASSWORD\\\"}}}\" > /kaniko/.docker/config.json\n"
          "    - /kaniko/executor --context . --destination $CI_REGISTRY_IMAGE:1\n"
          f"own:\n  stage: build\n{IMAGE}  script:\n"
          "    - echo '{\"auths\":{\"$CI_REGISTRY\":{\"auth\":\"" + encoded + "\"}}}' > "
          "/kaniko/.docker/config.json\n"
          "    - /kaniko/executor --context . --destination $CI_REGISTRY_IMAGE:2\n")
    root = _project(tmp_path, ci)
    for output in ("text", "json", "markdown"):
        assert run(["--dry-run", "--output", output, str(root)], prog="migrate-project",
                   command=migrate_cli.app) == 0
        out = capsys.readouterr().out
        assert "hand-written Kaniko build" in out
        assert CANARY not in out and encoded not in out and "canary-user" not in out


def test_keep_daemonless_leaves_kaniko_jobs_alone(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ci = (f"build:\n  stage: build\n{IMAGE}  script:\n"
          "    - /kaniko/executor --context . --destination $CI_REGISTRY_IMAGE:1\n")
    root = _project(tmp_path, ci)
    outcomes = {}
    for flag in ([], ["--keep-daemonless"]):
        assert run([*flag, "--dry-run", "--output", "json", str(root)],
                   prog="migrate-project", command=migrate_cli.app) == 0
        report = json.loads(capsys.readouterr().out)
        outcomes[bool(flag)] = (report["jobs"][0]["status"], report["jobs"][0]["reason"],
                                bool(report["diff"]))
    assert outcomes[False] == ("migrated", "", True)
    assert outcomes[True] == ("already-daemonless", "already builds with kaniko", False)


def test_keep_daemonless_is_documented_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"], prog="migrate-project", command=migrate_cli.app) == 0
    assert "--keep-daemonless" in capsys.readouterr().out


def test_buildah_jobs_stay_already_daemonless(tmp_path: Path) -> None:
    """gnome-runtime-images builds with Buildah by hand: that is not adopted."""
    ci = ("base:\n  stage: build\n  image: quay.io/buildah/stable:latest\n  script:\n"
          "    - buildah login -u gitlab-ci-token -p ${CI_JOB_TOKEN} ${CI_REGISTRY}\n"
          "    - buildah bud -t $CI_REGISTRY_IMAGE:1 .\n    - buildah push $CI_REGISTRY_IMAGE:1\n")
    result = _migrate(_project(tmp_path, ci))
    assert result.changes == {}
    assert [(j.name, j.status, j.reason) for j in result.jobs] == [
        ("base", "already-daemonless", "already builds with buildah")]


def test_podman_jobs_stay_already_daemonless(tmp_path: Path) -> None:
    """A job that builds with podman by hand is daemonless already: reported, not adopted."""
    ci = ("podman-image:\n  stage: build\n  image: quay.io/podman/stable:v5\n  script:\n"
          "    - podman build -t $CI_REGISTRY_IMAGE:1 .\n    - podman push $CI_REGISTRY_IMAGE:1\n")
    result = _migrate(_project(tmp_path, ci))
    assert result.changes == {}
    assert [(j.name, j.status, j.reason) for j in result.jobs] == [
        ("podman-image", "already-daemonless", "already builds with podman")]


def test_migrating_a_corpus_kaniko_project_twice_changes_nothing(tmp_path: Path) -> None:
    """gitlab-auto-deploy-image (tests/corpus): its build moves once; the second run finds a
    runner-ext job and the same left job, and changes nothing."""
    root = tmp_path / "gitlab-auto-deploy-image"
    shutil.copytree(REPO / "tests" / "corpus" / "gitlab-auto-deploy-image", root)
    first = _migrate(root)
    assert {(j.name, j.status) for j in first.jobs} == {("build", "migrated"),
                                                        ("release-tag", "left")}
    write_changes(root, first.changes)
    again = _migrate(root)
    assert again.changes == {}
    assert {(j.name, j.status) for j in again.jobs} == {("build", "already-daemonless"),
                                                        ("release-tag", "left")}
