"""Small projects whose migration used to be silent, wrong or misleading: each job ends
migrated with the right values, or left with a true and specific reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner_ext.config import load_config
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project
from runner_ext.migrate.report.result import JobOutcome

DOCKERFILE = "FROM busybox:1.36.1\nCOPY app.txt /app.txt\n"


def migrate(root: Path, ci: str, files: dict[str, str] | None = None) -> MigrationResult:
    """Migrate a project made of ``ci`` as .gitlab-ci.yml, a Dockerfile and ``files``."""
    for name, text in {"Dockerfile": DOCKERFILE, "app.txt": "hi\n", ".dockerignore": ".git\n",
                       **(files or {}), ".gitlab-ci.yml": ci}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    # The declarative analysis: what it says of each job (the shim would move some of them).
    return migrate_project(LocalSource(root), config=load_config(None), strategy="declarative")


def job(result: MigrationResult, name: str) -> JobOutcome:
    """One job's outcome."""
    [found] = [j for j in result.jobs if j.name == name]
    return found


def build_job(script: str, variables: str = "", extra: str = "") -> str:
    """A dind build job ``build`` with the given script lines (YAML list items)."""
    return (f"{variables}build:\n  image: docker:27\n  services: [docker:27-dind]\n{extra}"
            f"  script:\n{script}")


# --- C: the cache repository --------------------------------------------------------------

@pytest.mark.parametrize(("image", "cache"), [
    ("$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA", "$CI_REGISTRY_IMAGE/cache"),
    ("$CI_REGISTRY_IMAGE/api:$CI_COMMIT_SHA", "$IMAGE_REPO/cache"),
    ("$CI_REGISTRY_IMAGE/a/b:$CI_COMMIT_SHA", "$CI_REGISTRY_IMAGE/cache"),
])
def test_cache_repo_is_a_repository_within_gitlab_depth(tmp_path: Path, image: str,
                                                        cache: str) -> None:
    repo = image.rsplit(":", 1)[0]
    ci = build_job("    - docker build -t $IMAGE .\n    - docker push $IMAGE\n",
                   f"variables:\n  IMAGE: {image}\n  IMAGE_REPO: {repo}\n\n")
    result = migrate(tmp_path, ci)
    outcome = job(result, "build")
    assert outcome.status == "migrated", outcome.reason
    shown = cache.replace("$IMAGE_REPO", repo)
    assert f"layer cache in {shown}" in outcome.changes[0]
    assert ":$CI_COMMIT_SHA/" not in result.changes[".gitlab-ci.yml"]


# --- D: DOCKER_* variables go only when nothing kept uses them -----------------------------

BUILD = "    - docker build -t $CI_REGISTRY_IMAGE:1 .\n    - docker push $CI_REGISTRY_IMAGE:1\n"


@pytest.mark.parametrize(("ci", "kept", "removed"), [
    (build_job(BUILD, extra="  variables:\n    DOCKER_HOST: tcp://docker:2375\n"
               "    DOCKER_DRIVER: overlay2\n    DOCKER_TLS_CERTDIR: ''\n"
               "  environment:\n    name: $DOCKER_DRIVER\n"),
     ["DOCKER_DRIVER: overlay2"], ["DOCKER_HOST", "DOCKER_TLS_CERTDIR"]),
    (build_job(BUILD, extra="  variables:\n    DOCKER_HOST: tcp://docker:2375\n"
               "    ENDPOINT: $DOCKER_HOST/v1\n"),
     ["DOCKER_HOST: tcp://docker:2375"], []),
    (build_job(BUILD, extra="  variables: &docker_env\n    DOCKER_HOST: tcp://docker:2375\n")
     + "\nprobe:\n  image: docker:27\n  variables: *docker_env\n  script: [docker info]\n",
     ["DOCKER_HOST: tcp://docker:2375"], []),
    (build_job(BUILD, extra="  variables:\n    DOCKER_HOST: tcp://docker:2375\n")
     + "\nprobe:\n  extends: build\n  script: [docker info]\n",
     ["DOCKER_HOST: tcp://docker:2375"], []),
])
def test_docker_variables_stay_while_something_kept_uses_them(
        tmp_path: Path, ci: str, kept: list[str], removed: list[str]) -> None:
    result = migrate(tmp_path, ci)
    assert job(result, "build").status == "migrated", job(result, "build").reason
    new = result.changes[".gitlab-ci.yml"]
    for line in kept:
        assert line in new
    for name in removed:
        assert name not in new


# --- E: paths from variables; one job never aborts the run ---------------------------------

def test_a_dockerfile_path_from_ci_variables_is_resolved(tmp_path: Path) -> None:
    ci = build_job('    - docker build -f "${CI_PROJECT_DIR}/${DOCKERFILE}" -t $CI_REGISTRY_IMAGE:1'
                   ' "$CI_PROJECT_DIR/$CONTEXT"\n    - docker push $CI_REGISTRY_IMAGE:1\n',
                   "variables:\n  CONTEXT: app\n\n", extra="  variables:\n"
                   "    DOCKERFILE: docker/app.Dockerfile\n")
    result = migrate(tmp_path, ci, {"docker/app.Dockerfile": DOCKERFILE, "app/app.txt": "x\n"})
    outcome = job(result, "build")
    assert outcome.status == "migrated", outcome.reason
    assert outcome.dockerfile == "docker/app.Dockerfile"
    assert "context: $CI_PROJECT_DIR/app\n" in result.changes[".gitlab-ci.yml"]


def test_a_missing_dockerfile_leaves_only_its_job(tmp_path: Path) -> None:
    ci = (build_job(BUILD) + "\nother:\n  image: docker:27\n  services: [docker:27-dind]\n"
          "  script:\n    - docker build -f missing/Dockerfile -t $CI_REGISTRY_IMAGE/o:1 .\n"
          "    - docker push $CI_REGISTRY_IMAGE/o:1\n"
          "\nunknown:\n  image: docker:27\n  services: [docker:27-dind]\n"
          "  script:\n    - docker build -f $NOWHERE/Dockerfile -t $CI_REGISTRY_IMAGE/u:1 .\n"
          "    - docker push $CI_REGISTRY_IMAGE/u:1\n")
    result = migrate(tmp_path, ci)
    assert job(result, "build").status == "migrated"
    other = job(result, "other")
    assert other.status == "left"
    assert other.reason.startswith(".gitlab-ci.yml:8: ") and "missing/Dockerfile" in other.reason
    unknown = job(result, "unknown")
    assert unknown.status == "left" and "$NOWHERE/Dockerfile" in unknown.reason


# --- F: platforms from variables; Compose builds in every spelling -------------------------

def _platform_job(platform_vars: str) -> str:
    return build_job("    - docker build --platform $PLATFORM -t $CI_REGISTRY_IMAGE:1 .\n"
                     "    - docker push $CI_REGISTRY_IMAGE:1\n", platform_vars)


def test_a_platform_variable_is_expanded_before_the_engine_check(tmp_path: Path) -> None:
    arm = job(migrate(tmp_path, _platform_job("variables:\n  PLATFORM: linux/arm64\n\n")),
              "build")
    assert arm.status == "left" and "Kaniko can't build for linux/arm64" in arm.reason
    amd = job(migrate(tmp_path, _platform_job("variables:\n  PLATFORM: linux/amd64\n\n")),
              "build")
    assert amd.status == "migrated", amd.reason


def test_an_unknown_platform_variable_leaves_the_job_with_that_reason(tmp_path: Path) -> None:
    outcome = job(migrate(tmp_path, _platform_job("")), "build")
    assert outcome.status == "left"
    assert "$PLATFORM is not defined in the CI file" in outcome.reason


@pytest.mark.parametrize("line", [
    "docker-compose -f x.yml build", "docker compose -f x.yml build",
    "docker compose --file x.yml build app", "docker compose -p proj build",
    "docker-compose -p proj --file=x.yml build", "docker compose up --build -d",
    "docker-compose up --build",
])
def test_compose_builds_are_detected(line: str) -> None:
    from test_ci_rules import facts_of

    from runner_ext.migrate.rules import check_job

    (facts,) = facts_of(f"j:\n  script:\n    - {line}\n")
    assert [c.kind for c in facts.calls] == ["compose-build"]
    assert "RXC108" in {f.rule_id for f in check_job(facts)}


# --- G: every left job says truly why ------------------------------------------------------

MAKEFILE = "image:\n\tdocker build -t $(IMAGE) .\n\ntest:\n\t./run-tests\n"


@pytest.mark.parametrize(("script", "reason"), [
    ("    - docker buildx bake --push\n",
     "'docker buildx bake --push' builds the targets of a Buildx bake file"),
    ("    - make image\n", "'make image' builds an image out of sight (Makefile:2, target image)"),
    ("    - ./ci/build.sh\n", "'./ci/build.sh' builds an image out of sight (ci/build.sh:2)"),
    ("    - make test\n", "runs 'make test', in which runner-ext finds no image build"),
    ("    - sh ci/other.sh\n", "runs 'sh ci/other.sh', in which runner-ext finds no image"),
])
def test_left_jobs_say_truly_why(tmp_path: Path, script: str, reason: str) -> None:
    files = {"Makefile": MAKEFILE, "ci/build.sh": "set -e\ndocker buildx bake app\n",
             "ci/other.sh": "docker info\n"}
    outcome = job(migrate(tmp_path, build_job(script), files), "build")
    assert outcome.status == "left"
    assert reason in outcome.reason
    assert "not an image build" not in outcome.reason


def test_a_job_without_any_build_is_still_not_an_image_build(tmp_path: Path) -> None:
    outcome = job(migrate(tmp_path, build_job("    - docker info\n    - pytest -q\n")), "build")
    assert outcome.status == "left" and outcome.reason.startswith("not an image build")


def test_multi_platform_with_a_docker_context_is_not_blamed_on_the_context(
        tmp_path: Path) -> None:
    script = ("    - docker context create builder\n"
              "    - docker buildx create --use builder\n"
              "    - docker buildx build --platform linux/amd64,linux/arm64 "
              "-t $CI_REGISTRY_IMAGE:1 --push .\n")
    outcome = job(migrate(tmp_path, build_job(script)), "build")
    assert outcome.status == "migrated", outcome.reason
    assert any("linux/amd64,linux/arm64" in a for a in outcome.attention)


# --- P: promote-only jobs ------------------------------------------------------------------

PULL = "    - docker pull $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\n"


def test_promote_in_a_loop_copies_every_tag_at_run_time(tmp_path: Path) -> None:
    loop = ("    - for t in latest $CI_COMMIT_REF_SLUG; do docker tag "
            "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA $CI_REGISTRY_IMAGE:$t; "
            "docker push $CI_REGISTRY_IMAGE:$t; done\n")
    result = migrate(tmp_path, build_job(PULL + loop))
    outcome = job(result, "build")
    assert outcome.status == "migrated", outcome.reason
    assert outcome.changes[1].startswith("copies $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA to "
                                         "$CI_REGISTRY_IMAGE:$t with skopeo")
    text = result.changes[".gitlab-ci.yml"]
    assert "component: $CI_SERVER_FQDN/platform/runner-ext/promote@" in text
    assert 'RUNNER_EXT_PROMOTE_TO="$RUNNER_EXT_PROMOTE_TO "$CI_REGISTRY_IMAGE:$t' in text


def test_promote_from_another_registry_names_the_credentials(tmp_path: Path) -> None:
    source = "registry.example.com/base/app@sha256:" + "0123456789abcdef" * 4
    script = (f"    - docker pull {source}\n    - docker tag {source} $CI_REGISTRY_IMAGE/base:1\n"
              "    - docker push $CI_REGISTRY_IMAGE/base:1\n")
    outcome = job(migrate(tmp_path, build_job(script)), "build")
    assert outcome.status == "migrated", outcome.reason
    assert outcome.attention == (f"{source} is read from outside this project's registry: "
                                 "make sure RUNNER_EXT_REGISTRY_AUTH holds credentials for it "
                                 "if it is not public",)


def test_promote_to_a_computed_tag_computes_it_in_the_job(tmp_path: Path) -> None:
    script = ("    - VERSION=$(cat VERSION)\n" + PULL +
              "    - docker tag $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA $CI_REGISTRY_IMAGE:$VERSION\n"
              "    - docker push $CI_REGISTRY_IMAGE:$VERSION\n")
    result = migrate(tmp_path, build_job(script), {"VERSION": "1.2.3\n"})
    assert job(result, "build").status == "migrated"
    text = result.changes[".gitlab-ci.yml"]
    assert '- VERSION=$(cat VERSION)\n    - export RUNNER_EXT_PROMOTE_TO="$CI_REGISTRY_IMAGE:' \
           '$VERSION"' in text
    assert "to: " not in text  # the destination is not an input: it is known at run time


@pytest.mark.parametrize(("script", "reason"), [
    (PULL + "    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA || true\n",
     "may fail without failing the job"),
    ("    - docker tag $CI_REGISTRY_IMAGE:a $CI_REGISTRY_IMAGE:b\n"
     "    - docker push $CI_REGISTRY_IMAGE:b\n", "tags an image this job does not build"),
    (PULL + "    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\n", "back where it pulled it"),
])
def test_promotes_runner_ext_cannot_copy_are_left(tmp_path: Path, script: str,
                                                  reason: str) -> None:
    outcome = job(migrate(tmp_path, build_job(script)), "build")
    assert outcome.status == "left" and reason in outcome.reason
