"""Every rule catalog documents its rules one way, and docs/rules-*.md are what they generate."""

from __future__ import annotations

import pytest
from conftest import REPO

from runner_ext.cli.main import run
from runner_ext.cli.rules import catalogs
from runner_ext.rules.docs import SECTIONS, missing_sections, parse

ALL = [(cat, rule) for cat in catalogs() for rule in cat.rules]


def test_every_catalog_has_its_page() -> None:
    assert [c.key for c in catalogs()] == ["ci", "dockerfile", "pod"]
    pages = sorted(p.name for p in (REPO / "docs").glob("rules-*.md"))
    assert pages == sorted(f"rules-{c.key}.md" for c in catalogs())


@pytest.mark.parametrize(("cat", "rule"), ALL, ids=[r.ID for _, r in ALL])
def test_rule_docstring_has_the_sections_in_order(cat: object, rule: object) -> None:
    assert missing_sections(rule, cat.required) == []  # type: ignore[attr-defined]
    doc = parse(rule)
    assert doc.summary.endswith("."), doc.summary
    assert set(doc.sections) <= set(SECTIONS), set(doc.sections) - set(SECTIONS)
    assert doc.code("Example"), "the Example section has no fenced block"
    assert "``" not in doc.body.replace("```", ""), "Markdown uses single backticks"


@pytest.mark.parametrize("key", ["ci", "dockerfile", "pod"])
def test_page_is_up_to_date(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules", "--markdown", key]) == 0
    printed = capsys.readouterr().out
    page = (REPO / "docs" / f"rules-{key}.md").read_text(encoding="utf-8")
    assert printed == page, (f"docs/rules-{key}.md is stale; regenerate it with "
                             f"runner-ext rules --markdown {key} > docs/rules-{key}.md")
    for cat in catalogs():
        if cat.key == key:
            assert all(f"\n## {rule.ID} {rule.NAME}\n" in page for rule in cat.rules)


def test_fix_kinds_come_from_the_fix_section() -> None:
    kinds = {rule.ID: parse(rule).fix_kind for cat in catalogs() if cat.has_fixes
             for rule in cat.rules}
    assert kinds["RXD102"] == "unsafe" or kinds["RXD102"] == "safe"
    assert set(kinds.values()) <= {"safe", "unsafe", "none"}
    assert "none" in kinds.values()


def test_unknown_catalog_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules", "--markdown", "helm"]) == 2
    assert "use one of ci, dockerfile, pod" in capsys.readouterr().err


def test_skeleton_fences_are_filled_in_wherever_a_docstring_is_read() -> None:
    from runner_ext.kube.pss import CATALOG as POD
    from runner_ext.kube.pss.base import EXAMPLE_CONTAINER

    for _, rule in ALL:
        assert "```pod" not in parse(rule).body, rule.ID
    for rule in POD.rules:
        for section in ("Example", "Instead"):
            spec = parse(rule).code(section)
            assert spec.count(EXAMPLE_CONTAINER) == 1, (rule.ID, section, spec)
            assert "\ncontainer:" not in f"\n{spec}", (rule.ID, section, spec)


def test_a_pod_fragment_gets_the_example_container_where_it_says() -> None:
    from runner_ext.kube.pss.base import example_pod

    assert example_pod("hostUsers: false\ncontainer:\n  securityContext:\n"
                       "    procMount: Unmasked\n") == (
        "hostUsers: false\ncontainers:\n- name: app\n  image: app\n  securityContext:\n"
        "    procMount: Unmasked\n")
    assert example_pod("hostPID: true\n") == (
        "hostPID: true\ncontainers:\n- name: app\n  image: app\n")
