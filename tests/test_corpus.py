"""The corpus of real CI files: every project migrates without a crash, as pinned.

``tests/corpus`` holds real ``.gitlab-ci.yml`` files of public projects (provenance and
licences in ``tests/corpus/PROVENANCE.md``). The migration runs on each, on a copy, and what
it makes of every project is pinned in ``tests/golden/corpus/summary.json``, one line per
project. After an intended change: ``RUNNER_EXT_UPDATE_GOLDEN=1 python3 -m pytest -q
tests/test_corpus.py``, then review ``git diff tests/golden/corpus tests/corpus``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from golden import check_golden

from runner_ext.cli import migrate as migrate_cli
from runner_ext.cli.main import run
from runner_ext.migrate.analyse.jobs import Pipeline
from runner_ext.migrate.corpus import (
    ProjectOutcome,
    corpus_projects,
    golden_summary,
    image_jobs,
    load_index,
    load_selections,
    provenance_markdown,
    provenance_problems,
    reason_code,
    run_corpus,
)
from runner_ext.migrate.parse.cifiles import parse_ci_file

CORPUS = Path(__file__).parent / "corpus"
GOLDEN = Path(__file__).parent / "golden" / "corpus" / "summary.json"


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def outcomes() -> list[ProjectOutcome]:
    before = _tree_digest(CORPUS)
    result = run_corpus(CORPUS)
    assert _tree_digest(CORPUS) == before, "the migration wrote into tests/corpus"
    return result


def test_corpus_has_at_least_sixty_projects() -> None:
    assert len(corpus_projects(CORPUS)) >= 60


def test_every_project_has_complete_provenance() -> None:
    assert provenance_problems(CORPUS) == []


def test_provenance_table_is_rendered_from_the_index() -> None:
    check_golden(CORPUS / "PROVENANCE.md",
                 provenance_markdown(load_index(CORPUS), load_selections(CORPUS)))


def test_no_project_crashes_the_migration(outcomes: list[ProjectOutcome]) -> None:
    crashes = [f"{o.slug}: {o.error}" for o in outcomes if o.status == "crash"]
    assert crashes == []


def test_every_outcome_matches_the_golden_summary(outcomes: list[ProjectOutcome]) -> None:
    assert len(outcomes) == len(corpus_projects(CORPUS))
    check_golden(GOLDEN, golden_summary(outcomes))


def test_corpus_covers_builders_and_non_builders(outcomes: list[ProjectOutcome]) -> None:
    ok = [o for o in outcomes if o.status == "ok"]
    assert sum(o.builds_images for o in ok) >= 20
    assert sum(not o.builds_images for o in ok) >= 15


def _jobs(text: str) -> list[str]:
    ci = parse_ci_file(".gitlab-ci.yml", text.encode())
    return image_jobs(Pipeline([ci]), lambda path: {"ci/build.sh": "docker build -t x .\n",
                                                    "ci/test.sh": "pytest\n"}.get(path))


@pytest.mark.parametrize(("script", "builds"), [
    ("docker build -t $CI_REGISTRY_IMAGE .", True),
    ("docker buildx build --push -t x .", True),
    ("docker --config /tmp/c push x", True),
    ("docker-compose -f ci.yml build", True),
    ("docker compose build api", True),
    ("/kaniko/executor --context . --destination x", True),
    ("buildah bud -t x .", True),
    ("skopeo copy docker://a docker://b", True),
    ("make docker-image", True),
    ("./ci/build.sh", True),
    ("./ci/test.sh", False),
    ("docker run --rm x pytest", False),
    ("docker pull x", False),
    ("# docker build -t x .", False),
    ("make test", False),
])
def test_the_classifier_sees_image_builds_by_any_means(script: str, builds: bool) -> None:
    text = f"job:\n  script:\n    - {script!r}\n.hidden:\n  script:\n    - docker build .\n"
    assert _jobs(text) == (["job"] if builds else [])


def test_a_job_extending_an_unread_docker_template_counts_as_a_build() -> None:
    text = ("build:\n  extends: .docker-build\ncontainer:\n  extends: .fdo.container-build@fedora\n"
            "test:\n  extends: .fdo.distribution-image@fedora\n")
    assert _jobs(text) == ["build", "container"]


@pytest.mark.parametrize(("reason", "code"), [
    ("not an image build; it starts a Docker-in-Docker service", "not-a-build"),
    ("'docker tag a b' tags an image this job does not build", "promote"),
    ("'apk add git' runs apk, which the shim executor image does not have", "shim-missing-tool"),
    ("'docker load -i a.tar' has no daemonless equivalent in the runner-ext template", "save-load"),
    ("'docker-compose build' builds with Docker Compose", "compose"),
    ("'docker build --network host .': docker build --network host has no runner-ext equivalent",
     "build-flag"),
    ("something nobody wrote a pattern for", "other"),
])
def test_reasons_get_stable_codes(reason: str, code: str) -> None:
    assert reason_code(reason) == code


def test_a_make_target_the_makefile_defines_is_judged_by_its_recipe() -> None:
    makefile = "lint-dockerfiles:\n\thadolint Dockerfile\nrelease: push\npush:\n\tdocker push x\n"
    text = ("lint:\n  script: [make lint-dockerfiles]\nrelease:\n  script: [make release]\n"
            "images:\n  script: [make helper-images]\n")
    ci = parse_ci_file(".gitlab-ci.yml", text.encode())
    found = image_jobs(Pipeline([ci]), lambda path: makefile if path == "Makefile" else None)
    # lint and release by their recipes; images by its name (the Makefile has no such target)
    assert found == ["release", "images"]


def _migrated_slugs() -> list[str]:
    summary = json.loads(GOLDEN.read_text())
    return sorted(slug for slug, entry in summary.items()
                  if entry.get("declarative") or entry.get("shim"))


@pytest.mark.parametrize("slug", _migrated_slugs())
def test_a_second_run_changes_nothing(slug: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Every corpus project the migration rewrites is written once, as ``migrate-project``
    does, and a second run (``--check``, then the files compared) finds nothing left to
    change."""
    copy = tmp_path / slug
    shutil.copytree(CORPUS / slug, copy, symlinks=True)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert run([str(copy)], prog="migrate-project", command=migrate_cli.app) == 0
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    changed = {p for p in before if after.get(p) != before[p]}
    assert changed, f"{slug}: the golden summary says it migrates, but nothing was written"
    capsys.readouterr()
    assert run(["--check", str(copy)], prog="migrate-project", command=migrate_cli.app) == 0, \
        capsys.readouterr().out
    again = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert again == after
