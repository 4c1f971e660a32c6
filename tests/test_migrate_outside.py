"""Nothing is read from or written to outside the project root: ``../`` paths, absolute paths
and symbolic links leading out are refused with a located error (or, for a job's files, the
job is left with a located reason); a link inside the project is written through, never
replaced by a regular file. All with real symbolic links in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_migrate_outcomes import BUILD, DOCKERFILE, build_job

from runner_ext.config import load_config
from runner_ext.errors import RunnerExtError
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.rewrite.write import write_changes

OUTSIDE_CANARY = "OUTSIDE-CANARY-4d1e"
NEEDS_FIX = "FROM node:20\nCOPY . .\nRUN npm ci\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A project folder and a sibling folder outside it."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "app.txt").write_text("hi\n")
    (project / "package.json").write_text("{}\n")
    return project, outside


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _tree(root: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(root)): (os.readlink(p) if p.is_symlink() else p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_symlink() or p.is_file()}


def test_a_dockerfile_linked_out_of_the_project_is_not_read(layout: tuple[Path, Path]) -> None:
    project, outside = layout
    _write(outside, {"Dockerfile": f"FROM busybox:1.36.1\n# {OUTSIDE_CANARY}\nCOPY . .\n"})
    _write(project, {".gitlab-ci.yml": build_job(BUILD)})
    (project / "Dockerfile").symlink_to(outside / "Dockerfile")
    before = _tree(project), _tree(outside)
    result = migrate_project(LocalSource(project), config=load_config(None))
    [build] = result.jobs
    assert build.status == "left"
    assert build.reason.startswith(".gitlab-ci.yml:1: ") and "Dockerfile" in build.reason
    assert OUTSIDE_CANARY not in result.to_text() + result.diff() + str(result.changes)
    write_changes(project, result.changes)
    assert (_tree(project), _tree(outside)) == before


def test_a_ci_file_linked_out_of_the_project_is_a_located_error(
        layout: tuple[Path, Path]) -> None:
    project, outside = layout
    _write(outside, {"ci.yml": build_job(BUILD)})
    _write(project, {"Dockerfile": DOCKERFILE})
    (project / ".gitlab-ci.yml").symlink_to(outside / "ci.yml")
    with pytest.raises(RunnerExtError) as error:
        migrate_project(LocalSource(project), config=load_config(None))
    assert str(error.value).startswith(".gitlab-ci.yml: the file is a symbolic link that "
                                       "leads out of the project")


@pytest.mark.parametrize("include", ["../outside/jobs.yml", "/../outside/jobs.yml",
                                     "a/../../x.yml"])
def test_a_local_include_out_of_the_project_is_a_located_error(
        layout: tuple[Path, Path], include: str) -> None:
    project, outside = layout
    _write(outside, {"jobs.yml": build_job(BUILD)})
    _write(project, {".gitlab-ci.yml": f"stages: [build]\ninclude:\n  - local: {include}\n",
                     "Dockerfile": DOCKERFILE})
    before = _tree(outside)
    with pytest.raises(RunnerExtError) as error:
        migrate_project(LocalSource(project), config=load_config(None))
    assert str(error.value).startswith(".gitlab-ci.yml:2: include: a local include leaves "
                                       "the project")
    assert _tree(outside) == before


def test_a_makefile_linked_out_of_the_project_is_not_followed(
        layout: tuple[Path, Path]) -> None:
    project, outside = layout
    _write(outside, {"Makefile": "image:\n\tdocker build -t x .\n",
                     "build.sh": "docker build -t x .\n"})
    script = "    - make image\n    - sh ../outside/build.sh\n"
    _write(project, {".gitlab-ci.yml": build_job(script), "Dockerfile": DOCKERFILE})
    (project / "Makefile").symlink_to(outside / "Makefile")
    [build] = migrate_project(LocalSource(project), config=load_config(None)).jobs
    assert build.status == "left"
    assert "runs 'make image', in which runner-ext finds no image build" in build.reason


def test_a_link_inside_the_project_is_written_through(layout: tuple[Path, Path]) -> None:
    project, _ = layout
    _write(project, {".gitlab-ci.yml": build_job(BUILD), "docker/app.Dockerfile": NEEDS_FIX})
    (project / "Dockerfile").symlink_to("docker/app.Dockerfile")
    result = migrate_project(LocalSource(project), config=load_config(None))
    assert result.jobs[0].status == "migrated", result.jobs[0].reason
    assert "Dockerfile" in result.changes
    write_changes(project, result.changes)
    assert os.readlink(project / "Dockerfile") == "docker/app.Dockerfile"
    assert (project / "docker/app.Dockerfile").read_text() == result.changes["Dockerfile"]


@pytest.mark.parametrize("name", ["../outside/x.yml", "/tmp/x.yml", "link/x.yml", "out.yml"])
def test_the_writer_refuses_to_leave_the_project(layout: tuple[Path, Path], name: str) -> None:
    project, outside = layout
    (project / "link").symlink_to(outside)
    (outside / "out.yml").write_text("old\n")
    (project / "out.yml").symlink_to(outside / "out.yml")
    before = _tree(outside), _tree(project)
    with pytest.raises(RunnerExtError) as error:
        write_changes(project, {"ok.yml": "new\n", name: "new\n"})
    assert str(error.value).startswith(f"{name}: the file to write ")
    assert (_tree(outside), _tree(project)) == before
