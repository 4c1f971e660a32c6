"""The Pod Security Standards checker against the upstream conformance fixtures.

``tests/fixtures/pod-security-admission/{baseline,restricted}/{pass,fail}/*.yaml`` come
from kubernetes/pod-security-admission (v1.37 test data, see the folder's README): every
``pass`` pod must have no finding at its level and every ``fail`` pod at least one, from the
check the fixture is named after (or the restricted check that replaces that baseline check).
"""

from __future__ import annotations

import json
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

import runner_ext.kube.pss as pss
from runner_ext.cli.main import run
from runner_ext.errors import RunnerExtError
from runner_ext.kube.pss import RULES, Level, check_pod, rules_for
from runner_ext.kube.pss.base import PodView
from runner_ext.kube.pss.load import load_pods, pods_from_text
from runner_ext.rules.docs import parse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pod-security-admission"


def _fixture_ids() -> list[str]:
    """Fixture paths relative to the fixture root."""
    return sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*/*.yaml"))


@pytest.mark.parametrize("fixture", _fixture_ids())
def test_agrees_with_the_upstream_fixture(fixture: str) -> None:
    path = FIXTURES / fixture
    level_name, outcome, _ = fixture.split("/")
    (pod,) = load_pods(path)
    findings = check_pod(pod, Level(level_name))
    if outcome == "pass":
        assert findings == []
        return
    assert findings, f"{fixture} should violate {level_name}"
    named = path.stem.rstrip("0123456789")
    expected = {r.ID for r in RULES if r.CHECK.lower() == named}
    expected |= {r.ID for r in RULES if set(r.OVERRIDES) & expected}
    assert expected & {f.rule_id for f in findings}, (named, findings)


def test_fixture_set_is_complete() -> None:
    counts = {f"{lvl}/{out}": len(list((FIXTURES / lvl / out).glob("*.yaml")))
              for lvl in ("baseline", "restricted") for out in ("pass", "fail")}
    assert sum(counts.values()) == 148, counts
    named = {p.stem.rstrip("0123456789") for p in FIXTURES.glob("*/fail/*.yaml")}
    assert named == {r.CHECK.lower() for r in RULES}


def test_every_check_module_is_registered() -> None:
    modules = {name for _, name, _ in pkgutil.iter_modules(pss.__path__)} - {"base", "load"}
    registered = {rule.__name__.rsplit(".", 1)[-1] for rule in RULES}
    assert modules == registered
    assert len({r.ID for r in RULES}) == len(RULES)
    assert all(re.fullmatch(r"PSS[12]\d\d", r.ID) for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_each_check_is_documented_with_examples_that_behave(rule: pss.PssRule) -> None:
    doc = parse(rule)  # each rule is a module: its docstring is its documentation
    assert rule.NAME and rule.CHECK and rule.SEVERITY.value == "error"
    for section, should_fail in (("Example", True), ("Instead", False)):
        spec = textwrap.indent(doc.code(section), "  ")
        (pod,) = pods_from_text(f"kind: Pod\nmetadata:\n  name: example\nspec:\n{spec}",
                                "example")
        found = list(rule.check(pod))
        assert bool(found) is should_fail, (section, found)


def test_restricted_replaces_the_baseline_checks_it_tightens() -> None:
    baseline = {r.ID for r in rules_for(Level.baseline)}
    restricted = {r.ID for r in rules_for(Level.restricted)}
    assert len(baseline) == 12 and rules_for(Level.privileged) == []
    assert baseline - restricted == {"PSS104", "PSS105", "PSS110", "PSS111"}
    assert len(restricted) == 15


def test_findings_locate_the_field_and_line() -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
            "  - name: a\n    image: a\n  ephemeralContainers:\n  - name: debug\n"
            "    image: busybox\n    securityContext:\n      privileged: true\n")
    (pod,) = pods_from_text(text, "p.yaml")
    (finding,) = check_pod(pod, Level.baseline)
    assert finding.rule_id == "PSS103" and finding.line == 13
    assert finding.details["field"] == "spec.ephemeralContainers[0].securityContext.privileged"


def test_pod_templates_of_workloads_and_lists_are_found() -> None:
    template = "template:\n  spec:\n    hostPID: true\n    containers: [{name: a, image: a}]"
    cron = ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: x\n"
            "  jobTemplate:\n    spec:\n" + textwrap.indent(template, "      ") + "\n")
    deploy = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
              + textwrap.indent(template, "  ") + "\n")
    listed = ("apiVersion: v1\nkind: List\nitems:\n- " + textwrap.indent(
        deploy, "  ").lstrip() + "---\nkind: ConfigMap\nmetadata: {name: m}\n")
    pods = pods_from_text(f"{cron}---\n{listed}", "many.yaml")
    assert [p.label for p in pods] == ["CronJob/c", "Deployment/d"]
    paths = [check_pod(p, Level.baseline)[0].details["field"] for p in pods]
    assert paths == ["spec.jobTemplate.spec.template.spec.hostPID",
                     "spec.template.spec.hostPID"]


def test_windows_pods_are_exempt_where_the_standard_says_so() -> None:
    spec = {"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": True},
            "containers": [{"name": "a", "image": "a"}]}
    pod = PodView("w", "Pod", "w", {}, spec)
    assert check_pod(pod, Level.restricted) == []
    spec["os"] = {"name": "linux"}
    assert {f.rule_id for f in check_pod(pod, Level.restricted)} == {
        "PSS202", "PSS205", "PSS206"}


def test_user_namespaces_relax_root_checks_but_not_restricted_proc_mount() -> None:
    spec = {"hostUsers": False,
            "securityContext": {"runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "image": "a", "securityContext": {
                "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                "procMount": "Unmasked"}}]}
    pod = PodView("u", "Pod", "u", {}, spec)
    assert check_pod(pod, Level.baseline) == []
    assert [f.rule_id for f in check_pod(pod, Level.restricted)] == ["PSS207"]
    spec["hostUsers"] = True
    assert {f.rule_id for f in check_pod(pod, Level.restricted)} == {
        "PSS203", "PSS204", "PSS207"}


def test_invalid_yaml_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nspec: [unclosed\n")
    with pytest.raises(RunnerExtError) as caught:
        load_pods(bad)
    assert caught.value.exit_code == 2 and caught.value.problems[0].line is not None


def test_check_pod_cli(capsys: pytest.CaptureFixture[str]) -> None:
    good = FIXTURES / "restricted/pass/base.yaml"
    bad = FIXTURES / "baseline/fail/hostports0.yaml"
    assert run(["check", "pod", str(good), "--level", "restricted"]) == 0
    assert "0 violate the restricted level" in capsys.readouterr().out
    assert run(["check", "pod", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:11: PSS106 hostPorts: Pod/hostports0: spec.containers[0].ports[0]" \
           ".hostPort" in out
    assert run(["check", "pod", str(bad), "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["violating"] == 1 and report["pods"][0]["meets"] == "privileged"
    assert report["pods"][0]["violations"][0]["rule"] == "PSS106"
    assert run(["check", "pod", str(good), "--level", "privileged"]) == 2
