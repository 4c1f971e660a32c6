"""The org config: the example documents every key, and bad values are located and explained."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from pydantic import BaseModel

from runner_ext.cli.main import run
from runner_ext.config import OrgConfig, load_config
from runner_ext.errors import RunnerExtError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

EXAMPLE = REPO / "runner-ext.example.toml"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def _flatten(data: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict) and name != "node_selector":
            keys |= _flatten(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_example_documents_every_key() -> None:
    documented = _flatten(tomllib.loads(EXAMPLE.read_text()))
    assert _keys(OrgConfig) == documented


def test_example_equals_defaults() -> None:
    """The example shows the defaults, so reading it changes nothing."""
    assert load_config(EXAMPLE) == OrgConfig()


def _error(tmp_path: Path, text: str) -> RunnerExtError:
    path = tmp_path / "runner-ext.toml"
    path.write_text(text)
    with pytest.raises(RunnerExtError) as caught:
        load_config(path)
    return caught.value


def test_errors_name_line_key_value_and_allowed(tmp_path: Path) -> None:
    error = _error(tmp_path, "[build]\n# comment\nengine = 'podman'\n\n[cache]\nttl = 'forever'\n")
    first, second = error.problems
    assert (first.line, first.key, first.value) == (3, "build.engine", "'podman'")
    assert "kaniko" in (first.hint or "")
    assert (second.line, second.key) == (6, "cache.ttl") and "336h" in second.message
    assert error.exit_code == 2


def test_unknown_key_lists_allowed_keys(tmp_path: Path) -> None:
    problem = _error(tmp_path, "[kubernetes.resources]\ncpu = '1'\n").problems[0]
    assert problem.key == "kubernetes.resources.cpu" and problem.line == 2
    assert "cpu_limit" in (problem.hint or "")


def test_nested_list_item(tmp_path: Path) -> None:
    text = "[kubernetes]\ntolerations = [{ key = 'a', operator = 'Maybe' }]\n"
    problem = _error(tmp_path, text).problems[0]
    assert problem.key == "kubernetes.tolerations.0.operator" and "Exists" in (problem.hint or "")


def test_ca_file_needs_hosts(tmp_path: Path) -> None:
    assert "ca_hosts" in str(_error(tmp_path, "[registry]\nca_file = '/ca.pem'\n"))


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "check", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_check_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "check", "--config", str(EXAMPLE)]) == 0
    assert "ok" in capsys.readouterr().out
    assert run(["config", "show"]) == 0
    assert '"snapshot_mode": "redo"' in capsys.readouterr().out


def test_version_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert "runner-ext 0.1.0" in capsys.readouterr().out
    assert run(["render", "ci"]) == 2  # --out missing
    assert run(["no-such-command"]) == 2


def test_plan_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "-d", "r.example/g/app:1", "--engine", "kaniko", "--output", "json"]) == 0
    assert "--cache-repo=r.example/g/app/cache" in capsys.readouterr().out
    assert run(["plan", "-d", "r.example/g/app:1", "--build-arg", "API_TOKEN=canary-77"]) == 2
    err = capsys.readouterr().err
    assert "API_TOKEN" in err and "canary-77" not in err
