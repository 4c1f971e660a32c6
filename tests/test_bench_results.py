"""The committed seed-table results: each Markdown file is its JSON rendered, and the summary's
install split adds up run by run."""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO

BENCH = REPO / "bench"
RESULTS = sorted((BENCH / "results").glob("seed_table*.json"))


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Import a script under bench/ (not a package; its scripts import each other by name)."""
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module


def test_results_are_committed() -> None:
    """The tests below run over what is committed; none of them may vanish unseen."""
    assert len(RESULTS) >= 5, [path.name for path in RESULTS]
    assert len(_with_install_split()) >= 8  # the two --runs 3 tables the README quotes


@pytest.mark.parametrize("result", RESULTS, ids=lambda path: path.stem)
def test_each_markdown_table_is_its_json_rendered(
        result: Path, bench: Callable[[str], ModuleType]) -> None:
    """The README quotes the Markdown; the numbers in it must be the JSON's, as rendered now."""
    table = bench("bench_table")
    rendered = table.render_markdown(json.loads(result.read_text()))
    assert rendered.strip() == result.with_suffix(".md").read_text().strip()


def _with_install_split() -> list[Any]:
    found = []
    for path in RESULTS:
        for name, result in json.loads(path.read_text())["results"].items():
            if all("step_output" in run["uncached"] for run in result["runs"]):
                found.append(pytest.param(name, result, id=f"{path.stem}: {name}"))
    return found


@pytest.mark.parametrize("name,result", _with_install_split())
def test_the_install_split_adds_up_in_each_run(
        name: str, result: dict[str, Any], bench: Callable[[str], ModuleType]) -> None:
    """Over one run, the command's part and the commit after it make the whole install step,
    and the command's part is a real share of it (npm and pip print before the commit)."""
    seed = bench("seed_table")
    for run in result["runs"]:
        one = seed.summarise([run], result["longest_step"], result["warm_longest_step"])
        for measure in ("uncached", "first_cached"):
            step = one[f"{measure}_longest_step"]["median"]
            own = one[f"{measure}_install_output"]["median"]
            after = one[f"{measure}_install_after"]["median"]
            assert own + after == pytest.approx(step), name
            assert 0 < own < step and after > 0, (name, measure, own, step)
    assert seed.summarise(result["runs"], result["longest_step"],
                          result["warm_longest_step"]) == result["summary"]


def test_without_its_own_step_each_dockerfile_loses_that_line_only(
        tmp_path: Path, bench: Callable[[str], ModuleType]) -> None:
    """`--without-own-step` measures the Node.js project apart from its compile: both
    Dockerfiles lose `RUN npm run build` and nothing else, and the migrated one is still what
    runner-ext's fixer makes of the as-written one."""
    from runner_ext.lab.builds import fixed_dockerfile

    seed = bench("seed_table")
    project = next(p for p in seed.PROJECTS if p.name == "node-service")
    root = tmp_path / project.name
    shutil.copytree(BENCH / "projects" / project.name, root)
    before = {name: (root / name).read_text() for name in seed.VARIANTS.values()}
    seed.drop_source_step(root, project)
    for name, text in before.items():
        lines = text.splitlines(keepends=True)
        assert lines.count("RUN npm run build\n") == 1, name
        lines.remove("RUN npm run build\n")
        assert (root / name).read_text() == "".join(lines), name
    assert fixed_dockerfile(root) == (root / "Dockerfile.migrated").read_text()


def test_without_its_own_step_refuses_what_it_cannot_take_out(
        tmp_path: Path, bench: Callable[[str], ModuleType]) -> None:
    """A project with no such step, or a fixture whose step moved, stops the run."""
    seed = bench("seed_table")
    python, node = seed.PROJECTS
    with pytest.raises(seed.BenchFailed, match="python-service has no step of its own"):
        seed.drop_source_step(tmp_path, python)
    root = tmp_path / node.name
    shutil.copytree(BENCH / "projects" / node.name, root)
    seed.drop_source_step(root, node)
    with pytest.raises(seed.BenchFailed, match="'RUN npm run build' is not there once"):
        seed.drop_source_step(root, node)
