"""The Dockerfile rule catalog: registered, documented, with failing and passing examples."""

from __future__ import annotations

import json
import pkgutil
import re

import pytest
from conftest import REPO
from test_dockerfile_golden import CASES, GOLDEN

import runner_ext.dockerfile.rules as rules_package
from runner_ext.dockerfile import RULES
from runner_ext.dockerfile.docs import SECTIONS, rules_markdown
from runner_ext.rules.base import Severity

RULE_IDS = [rule.ID for rule in RULES]


def test_every_rule_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(rules_package.__path__)
               if not m.name.startswith("_")}
    assert modules == {rule.__name__.rsplit(".", 1)[-1] for rule in RULES}  # type: ignore[attr-defined]


def test_ids_are_stable_and_unique() -> None:
    assert len(set(RULE_IDS)) == len(RULE_IDS)
    assert all(re.fullmatch(r"RXD1\d\d", rule_id) for rule_id in RULE_IDS)
    assert len({rule.NAME for rule in RULES}) == len(RULES)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.NAME) for rule in RULES)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_rule_is_documented_with_every_section(rule: object) -> None:
    doc = rule.__doc__ or ""
    positions = [doc.find(section) for section in SECTIONS]
    assert -1 not in positions, f"{rule}: docstring lacks one of {SECTIONS}"
    assert positions == sorted(positions)
    assert isinstance(rule.SEVERITY, Severity)  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_rule_has_a_failing_and_a_passing_golden_example(rule: object) -> None:
    name = rule.NAME  # type: ignore[attr-defined]
    assert name in CASES and f"{name}-ok" in CASES

    def rules_in(case: str) -> set[str]:
        return {f["rule"] for f in json.loads((GOLDEN / case / "findings.json").read_text())}

    assert rule.ID in rules_in(name)  # type: ignore[attr-defined]
    assert rule.ID not in rules_in(f"{name}-ok")  # type: ignore[attr-defined]


def test_rules_doc_is_current() -> None:
    doc = (REPO / "docs" / "rules-dockerfile.md").read_text(encoding="utf-8")
    assert doc == rules_markdown(), (
        'docs/rules-dockerfile.md is stale; run python -c "from runner_ext.dockerfile.docs '
        'import write; write()"')
    for rule_id in RULE_IDS:
        assert f"## {rule_id} " in doc
