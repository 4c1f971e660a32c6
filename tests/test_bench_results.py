"""The committed seed-table results: each Markdown file is its JSON rendered, and the summary's
install split adds up run by run."""

from __future__ import annotations

import importlib
import json
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
