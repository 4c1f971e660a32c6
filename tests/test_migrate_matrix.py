"""Build paths from ``parallel: matrix:`` variables (docs/migrate.md, parallel: matrix):
every instance's value is in the CI file, so each instance's Dockerfile is checked before the
job is rewritten, and the job keeps ``parallel:`` so that GitLab expands the template's
variables per instance.

The golden case ``parallel-matrix`` pins the rewrite and report (after the corpus project
acp3-cms); test_migrate_expansion.py expands it with gitlab-ci-local.
"""

from __future__ import annotations

from pathlib import Path

from runner_ext.config import load_config
from runner_ext.migrate import LocalSource, MigrationResult, migrate_project
from runner_ext.migrate.analyse.facts import matrix_instances
from runner_ext.migrate.corpus.reasons import reason_code

KANIKO = """\
build:
  image:
    name: gcr.io/kaniko-project/executor:debug
    entrypoint: [""]
  script:
    - /kaniko/executor --context "$CI_PROJECT_DIR" --dockerfile "./docker/${NAME}"
      --destination "$CI_REGISTRY_IMAGE:${TAG}"
  parallel:
    matrix:
"""
DOCKER = """\
build:
  image: docker:27
  services: [docker:27-dind]
  script:
    - docker build -t "$CI_REGISTRY_IMAGE/$FLAVOR" "images/$FLAVOR"
    - docker push "$CI_REGISTRY_IMAGE/$FLAVOR"
  parallel:
    matrix:
"""
FILES = {"docker/a.Dockerfile": "FROM busybox:1.36\n", "docker/b.Dockerfile": "FROM busybox:1.36\n",
         "images/one/Dockerfile": "FROM busybox:1.36\n", "images/one/x.txt": "x\n"}


def _migrate(tmp_path: Path, ci: str) -> MigrationResult:
    root = tmp_path / "project"
    for name, text in {**FILES, ".gitlab-ci.yml": ci}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return migrate_project(LocalSource(root), config=load_config(None))


def _build(result: MigrationResult) -> tuple[str, str]:
    job = next(j for j in result.jobs if j.name == "build")
    return job.status, job.reason


def test_each_instance_dockerfile_is_checked(tmp_path: Path) -> None:
    result = _migrate(tmp_path, KANIKO + "      - {NAME: a.Dockerfile, TAG: a}\n"
                                         "      - {NAME: b.Dockerfile, TAG: b}\n")
    assert _build(result)[0] == "migrated"
    assert sorted(d.path for d in result.dockerfiles) == ["docker/a.Dockerfile",
                                                          "docker/b.Dockerfile"]
    text = result.changes[".gitlab-ci.yml"]
    assert "dockerfile: docker/${NAME}" in text and "parallel:" in text


def test_an_instance_pointing_at_a_missing_dockerfile_is_named(tmp_path: Path) -> None:
    result = _migrate(tmp_path, KANIKO + "      - {NAME: a.Dockerfile, TAG: a}\n"
                                         "      - {NAME: c.Dockerfile, TAG: c}\n")
    status, reason = _build(result)
    assert status == "left"
    assert "docker/c.Dockerfile, is not in the project" in reason
    assert "parallel: matrix value of docker/${NAME}" in reason
    assert result.changes == {}


def test_an_instance_without_the_variable_is_refused(tmp_path: Path) -> None:
    result = _migrate(tmp_path, KANIKO + "      - {NAME: a.Dockerfile, TAG: a}\n"
                                         "      - {TAG: b}\n")
    status, reason = _build(result)
    assert status == "left" and "leaves $NAME unset" in reason
    assert reason_code(reason) == "runtime-value"


def test_an_instance_leaving_the_project_is_refused(tmp_path: Path) -> None:
    result = _migrate(tmp_path, KANIKO + "      - {NAME: ../../etc/Dockerfile, TAG: a}\n")
    status, reason = _build(result)
    assert status == "left" and "leaves the project" in reason and "../etc/Dockerfile" in reason


def test_a_variable_outside_the_matrix_still_refuses(tmp_path: Path) -> None:
    result = _migrate(tmp_path, KANIKO.replace("${NAME}", "${NAME}-$OTHER")
                      + "      - {NAME: a.Dockerfile, TAG: a}\n")
    status, reason = _build(result)
    assert status == "left" and "can't be resolved before the job runs" in reason


def test_docker_build_context_from_a_list_value(tmp_path: Path) -> None:
    result = _migrate(tmp_path, DOCKER + "      - FLAVOR: [one]\n")
    assert _build(result)[0] == "migrated"
    assert [d.path for d in result.dockerfiles] == ["images/one/Dockerfile"]
    missing = _migrate(tmp_path / "2", DOCKER + "      - FLAVOR: [one, two]\n")
    status, reason = _build(missing)
    assert status == "left" and "images/two/Dockerfile, is not in the project" in reason


def test_matrix_values_win_over_job_variables(tmp_path: Path) -> None:
    ci = KANIKO.replace("  parallel:", "  variables:\n    NAME: missing.Dockerfile\n  parallel:")
    result = _migrate(tmp_path, ci + "      - {NAME: a.Dockerfile, TAG: a}\n")
    assert _build(result)[0] == "migrated"


def test_matrix_instances_multiply_list_values() -> None:
    parallel = {"matrix": [{"A": ["1", "2"], "B": "x"}, {"A": "3"}]}
    assert matrix_instances(parallel) == [{"A": "1", "B": "x"}, {"A": "2", "B": "x"},
                                          {"A": "3"}]
    assert matrix_instances(5) == [] and matrix_instances({"matrix": "x"}) == []
