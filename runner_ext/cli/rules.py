"""``runner-ext rules``: the rule catalogs (CI, Dockerfile, Pod Security) and their docs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from runner_ext.cli.common import OutputFormat, OutputOption, echo_json
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.rules.docs import Catalog, page, parse


def catalogs() -> list[Catalog]:
    """Every rule catalog, in the order the listing shows them."""
    from runner_ext.dockerfile.rules import CATALOG as DOCKERFILE
    from runner_ext.kube.pss import CATALOG as POD
    from runner_ext.migrate.rules import CATALOG as CI

    return [CI, DOCKERFILE, POD]


def catalog() -> list[dict[str, Any]]:
    """Every rule of every catalog: id, name, catalog, severity, summary and documentation."""
    entries = []
    for cat in catalogs():
        for rule in cat.rules:
            doc = parse(rule)
            entries.append({"id": rule.ID, "name": rule.NAME, "catalog": cat.key,
                            "severity": rule.SEVERITY.value, "summary": doc.summary,
                            "doc": f"{rule.ID} {rule.NAME}: {doc.summary}\n\n{doc.body}"})
    return entries


def _markdown(key: str) -> str:
    for cat in catalogs():
        if cat.key == key:
            return page(cat)
    keys = ", ".join(c.key for c in catalogs())
    raise RunnerExtError(Category.USAGE, Problem(
        "no such rule catalog", value=key, hint=f"use one of {keys}"))


def rules_command(
    rule: Annotated[str | None, typer.Argument(
        help="A rule ID (e.g. RXC101) or name to show in full.", show_default=False)] = None,
    markdown: Annotated[str | None, typer.Option(
        "--markdown", metavar="CATALOG", show_default=False,
        help="Print a catalog's reference page (ci, dockerfile or pod) as Markdown, as in "
             "docs/rules-CATALOG.md.")] = None,
    output: OutputOption = OutputFormat.text,
) -> int:
    """List the CI, Dockerfile and Pod Security rules, or show one rule's documentation."""
    if markdown is not None:
        typer.echo(_markdown(markdown), nl=False)
        return 0
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
    for index, cat in enumerate(catalogs()):
        typer.echo(("\n" if index else "") + cat.title)
        for e in (e for e in entries if e["catalog"] == cat.key):
            typer.echo(f"  {e['id']}  {e['severity']:<7}  {e['name']:<28} {e['summary']}")
    return 0
