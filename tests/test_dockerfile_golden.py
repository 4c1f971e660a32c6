"""Golden Dockerfile cases, and the tests that check them against their findings and fixes.

``tests/golden/dockerfile/<case>/`` holds the input ``Dockerfile``,
an optional ``context.json`` (engine, has_dockerignore, context files with their contents),
and the expected ``findings.json`` and ``expected.Dockerfile`` (only when a safe fix applies).

Regenerate with ``RUNNER_EXT_UPDATE_GOLDEN=1 pytest tests/test_dockerfile_golden.py`` and
review every changed file (``git diff tests/golden/dockerfile``) like code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from golden import check_golden, updating

from runner_ext.dockerfile import DockerfileReport, analyze_dockerfile, decode_dockerfile
from runner_ext.dockerfile.source import parse_dockerfile

GOLDEN = REPO / "tests" / "golden" / "dockerfile"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def case_input(name: str) -> tuple[str, dict[str, Any]]:
    """The case's Dockerfile text and the keyword arguments for ``analyze_dockerfile``."""
    folder = GOLDEN / name
    text = decode_dockerfile("Dockerfile", (folder / "Dockerfile").read_bytes())
    context_path = folder / "context.json"
    context = json.loads(context_path.read_text()) if context_path.exists() else {}
    kwargs: dict[str, Any] = {"engine": context.get("engine", "kaniko"),
                              "has_dockerignore": context.get("has_dockerignore")}
    files = context.get("files")
    if files is not None:
        contents = {**files, "Dockerfile": text}
        kwargs["context_files"] = sorted(contents)
        kwargs["read_file"] = contents.get
    return text, kwargs


def analyze_case(name: str, text: str | None = None) -> DockerfileReport:
    """Analyse the case's Dockerfile (or ``text`` with the case's context)."""
    original, kwargs = case_input(name)
    return analyze_dockerfile("Dockerfile", original if text is None else text, **kwargs)


def check_golden_bytes(path: Path, actual: str | None) -> None:
    """Like ``check_golden`` but byte-exact (CRLF kept); ``None`` means the file must not exist."""
    if updating():
        if actual is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(actual.encode("utf-8"))
        return
    if actual is None:
        assert not path.exists(), f"{path} exists but nothing was fixed"
        return
    assert path.exists(), f"missing golden file {path}; run with RUNNER_EXT_UPDATE_GOLDEN=1"
    assert path.read_bytes().decode("utf-8") == actual, (
        f"{path} differs; regenerate with RUNNER_EXT_UPDATE_GOLDEN=1")


@pytest.mark.parametrize("name", CASES)
def test_findings_and_fixed_text_match_golden(name: str) -> None:
    report = analyze_case(name)
    findings = json.dumps(report.to_dict()["findings"], indent=2, ensure_ascii=False) + "\n"
    check_golden(GOLDEN / name / "findings.json", findings)
    check_golden_bytes(GOLDEN / name / "expected.Dockerfile",
                       report.fixed_text if report.changed else None)


@pytest.mark.parametrize("name", CASES)
def test_fixing_the_fixed_text_changes_nothing(name: str) -> None:
    fixed = analyze_case(name).fixed_text
    again = analyze_case(name, fixed)
    assert again.fixed_text == fixed
    assert not [f for f in again.findings if f.fix is not None and f.fix.safe]


@pytest.mark.parametrize("name", [n for n in CASES if analyze_case(n).changed])
def test_a_fix_only_inserts_and_moves_whole_lines(name: str) -> None:
    report = analyze_case(name)
    parse_dockerfile("Dockerfile", report.fixed_text)
    for finding in report.findings:
        if finding.fix is None or not finding.fix.safe:
            continue
        inserted = "".join(s.replacement for s in finding.fix.splices if s.start == s.end)
        for splice in finding.fix.splices:
            removed = report.text[splice.start:splice.end]
            # nothing is rewritten in place: a removed span reappears verbatim (a moved RUN)
            assert splice.replacement == "" or splice.start == splice.end
            assert removed in inserted
            # edits start and end on line boundaries
            for offset in (splice.start, splice.end):
                assert offset == 0 or report.text[offset - 1] == "\n"
