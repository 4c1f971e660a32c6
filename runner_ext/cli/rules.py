"""``runner-ext rules``: the rule catalogs (CI and Dockerfile) and each rule's documentation."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from runner_ext.cli.common import OutputFormat, OutputOption, echo_json
from runner_ext.errors import Category, Problem, RunnerExtError


def catalog() -> list[dict[str, Any]]:
    """Every rule of every catalog: id, name, severity, summary and documentation."""
    from runner_ext.migrate.rules import RULES as CI_RULES

    rules: list[tuple[str, Any]] = [("ci", r) for r in CI_RULES]
    try:
        from runner_ext.dockerfile import RULES as DOCKERFILE_RULES
    except ImportError:  # pragma: no cover - both catalogs ship together
        DOCKERFILE_RULES = ()
    rules += [("dockerfile", r) for r in DOCKERFILE_RULES]
    entries = []
    for kind, rule in rules:
        doc = inspect.cleandoc(rule.__doc__ or "")
        summary = doc.splitlines()[0].split(": ", 1)[-1].replace("``", "`") if doc else ""
        entries.append({"id": rule.ID, "name": rule.NAME, "catalog": kind,
                        "severity": rule.SEVERITY.value,
                        "summary": summary[:1].upper() + summary[1:], "doc": doc})
    return entries


def rules_command(
    rule: Annotated[str | None, typer.Argument(
        help="A rule ID (e.g. RXC101) or name to show in full.", show_default=False)] = None,
    output: OutputOption = OutputFormat.text,
) -> int:
    """List the CI and Dockerfile rules, or show one rule's documentation."""
    entries = catalog()
    if rule is not None:
        entries = [e for e in entries if rule.upper() == e["id"] or rule == e["name"]]
        if not entries:
            raise RunnerExtError(Category.USAGE, Problem(
                "no such rule", value=rule, hint="run 'runner-ext rules' for the list"))
    if output is OutputFormat.json:
        echo_json(entries)
        return 0
    if rule is not None:
        typer.echo(entries[0]["doc"])
        return 0
    for kind in ("ci", "dockerfile"):
        typer.echo(f"{kind.upper()} rules" if kind == "ci" else "\nDockerfile rules")
        for e in (e for e in entries if e["catalog"] == kind):
            typer.echo(f"  {e['id']}  {e['severity']:<7}  {e['name']:<28} {e['summary']}")
    return 0
