"""docs/exit-codes.md, runner_ext/errors.py and the CLI's help agree on the exit codes."""

from __future__ import annotations

import re

from conftest import REPO

from runner_ext import errors
from runner_ext.cli.main import app, main
from runner_ext.errors import ExitCode

DOC = (REPO / "docs" / "exit-codes.md").read_text(encoding="utf-8")


def _doc_codes() -> dict[int, tuple[str, str]]:
    """code → (name, meaning) from the first table of the doc."""
    table = DOC.split("## ")[0]
    rows = re.findall(r"^\| (\d+) \| (\w+) \| (.+?) \|$", table, flags=re.M)
    return {int(code): (name, meaning) for code, name, meaning in rows}


def test_doc_table_lists_exactly_the_exit_codes_of_errors_py() -> None:
    assert {code: name for code, (name, _) in _doc_codes().items()} == {
        member.value: member.name for member in ExitCode}


def test_errors_module_docstring_points_at_the_doc_and_agrees_with_it() -> None:
    assert "docs/exit-codes.md" in (errors.__doc__ or "")
    rows = re.findall(r"^\| (\d+)\s+\| (.+?)\s*\|$", errors.__doc__ or "", flags=re.M)
    in_module = {int(code): meaning for code, meaning in rows}
    assert set(in_module) == set(_doc_codes())
    for code, meaning in in_module.items():
        assert _doc_codes()[code][1].startswith(meaning.split(";")[0].split(" (")[0]), code


def test_every_command_is_in_the_which_command_table() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    usage = DOC.split("## Which command uses which")[1]
    assert len(names) >= 8
    for name in names:
        assert f"| `{name}" in usage, name


def test_main_callback_states_the_same_codes() -> None:
    stated = (main.__doc__ or "").split("Exit codes:")[1]
    assert [int(c) for c in re.findall(r"\b(\d+) ", stated)] == sorted(_doc_codes())
