"""The Dockerfile rule catalog: registered, documented, with failing and passing examples."""

from __future__ import annotations

import json
import pkgutil
import re

import pytest
from test_dockerfile_golden import CASES, GOLDEN

import runner_ext.dockerfile.rules as rules_package
from runner_ext.dockerfile import RULES

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
def test_rule_has_a_failing_and_a_passing_golden_example(rule: object) -> None:
    name = rule.NAME  # type: ignore[attr-defined]
    assert name in CASES and f"{name}-ok" in CASES

    def rules_in(case: str) -> set[str]:
        return {f["rule"] for f in json.loads((GOLDEN / case / "findings.json").read_text())}

    assert rule.ID in rules_in(name)  # type: ignore[attr-defined]
    assert rule.ID not in rules_in(f"{name}-ok")  # type: ignore[attr-defined]


