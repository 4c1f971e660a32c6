"""The migration report, in Markdown (merge request description) and plain text (terminal).

Everything in the Markdown that comes from the project (job names, paths, commands, reasons,
notes) goes through :func:`runner_ext.markdown.escape`: in a merge request, a line starting with
``/merge`` would be a GitLab quick action.
"""

from __future__ import annotations

from runner_ext.markdown import escape as md
from runner_ext.migrate.report.result import DockerfileOutcome, JobOutcome, MigrationResult
from runner_ext.migrate.rules import plaintext_password
from runner_ext.rules.base import Finding

_STATUS = {"migrated": "migrated", "left": "left as is", "already-daemonless":
           "already daemonless"}


def _label(job: JobOutcome) -> str:
    """``migrated (shim)``, ``left as is``…: the status, with a migrated job's strategy."""
    return f"{_STATUS[job.status]} ({job.strategy})" if job.strategy else _STATUS[job.status]


def _headline(result: MigrationResult) -> str:
    counts = result.counts()
    parts = [f"{counts['migrated']} job{'s' if counts['migrated'] != 1 else ''} migrated",
             f"{counts['left']} left as is"]
    if counts["already-daemonless"]:
        parts.append(f"{counts['already-daemonless']} already daemonless")
    if counts["dockerfiles_changed"]:
        n = counts["dockerfiles_changed"]
        parts.append(f"{n} Dockerfile{'s' if n != 1 else ''} fixed")
    return ", ".join(parts)


# Findings a migration cannot make go away (a committed password stays in the history).
_NOT_RESOLVED = frozenset({plaintext_password.ID})


def _rule_ids(findings: tuple[Finding, ...]) -> str:
    return ", ".join(dict.fromkeys(f.rule_id for f in findings
                                   if f.rule_id not in _NOT_RESOLVED))


def _finding_line(finding: Finding) -> str:
    return f"{finding.rule_id} {finding.severity.value}: {finding.message}"


def _dockerfile_findings(outcome: DockerfileOutcome) -> list[tuple[Finding, str]]:
    """Each finding with its text after the severity: line, message, whether it was fixed."""
    lines = []
    for finding in outcome.findings:
        where = f"line {finding.line}: " if finding.line else ""
        fixed = " (fixed)" if finding.fix is not None and finding.fix.description in \
            outcome.applied_fixes else ""
        lines.append((finding, f"{where}{finding.message}{fixed}"))
    return lines


def render_markdown(result: MigrationResult) -> str:
    """The report as Markdown: summary table, then details per job and Dockerfile."""
    out = ["## runner-ext migration", "",
           f"Moves image builds to daemonless **{md(result.engine)}** builds on the Kubernetes "
           f"runner, with a registry layer cache ({md(result.include_mode)} include). "
           f"{_headline(result)}.", ""]
    if result.jobs:
        out += ["| job | where | result |", "|---|---|---|"]
        out += [f"| {md(j.name)} | {md(j.location())} | {_label(j)} |"
                for j in result.jobs]
        out.append("")
    out += _md_jobs(result.jobs)
    out += _md_dockerfiles(result.dockerfiles)
    if result.notes:
        out += ["### Notes", "", *[f"- {md(n)}" for n in result.notes], ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _md_jobs(jobs: list[JobOutcome]) -> list[str]:
    out: list[str] = []
    for job in jobs:
        out += [f"### {md(job.name)} — {_label(job)}", ""]
        if job.status == "migrated":
            out += [f"- {md(c)}" for c in job.changes]
            out += [f"- [ ] **check:** {md(a)}" for a in job.attention]
        else:
            out.append(f"- **why:** {md(job.reason)}")
            if job.suggestion:
                out.append(f"- **what to do:** {md(job.suggestion)}")
        if job.findings and job.status == "migrated":
            out += [f"- resolves {_rule_ids(job.findings)}"]
        elif job.findings:
            out += ["", "<details><summary>findings</summary>", ""]
            out += [f"- `{f.rule_id}` {f.severity.value}: {md(f.message)}" for f in job.findings]
            out += ["", "</details>"]
        out.append("")
    return out


def _md_dockerfiles(dockerfiles: list[DockerfileOutcome]) -> list[str]:
    out: list[str] = []
    for outcome in dockerfiles:
        state = "fixed" if outcome.changed else "unchanged"
        out += [f"### Dockerfile: {md(outcome.path)} — {state}", ""]
        out += [f"- fix applied: {md(d)}" for d in outcome.applied_fixes]
        out += [f"- `{f.rule_id}` {f.severity.value}: {md(text)}"
                for f, text in _dockerfile_findings(outcome)]
        if not outcome.findings:
            out.append("- no findings")
        out.append("")
    return out


def render_text(result: MigrationResult) -> str:
    """The report for a terminal: one block per job and Dockerfile."""
    out = [f"runner-ext migration ({result.engine}, {result.include_mode} include): "
           f"{_headline(result)}", ""]
    for job in result.jobs:
        status = _STATUS[job.status].upper() + (f" ({job.strategy})" if job.strategy else "")
        out.append(f"{status:<18} {job.name}  ({job.location()})")
        if job.status == "migrated":
            out += [f"    - {c}" for c in job.changes]
            out += [f"    ! check: {a}" for a in job.attention]
        else:
            out.append(f"    why: {job.reason}")
            if job.suggestion:
                out.append(f"    what to do: {job.suggestion}")
        if job.status == "migrated":
            out += [f"    resolves: {_rule_ids(job.findings)}"] if job.findings else []
        else:
            out += [f"    {_finding_line(f)}" for f in job.findings]
        out.append("")
    for outcome in result.dockerfiles:
        state = "FIXED" if outcome.changed else "CHECKED"
        out.append(f"{state:<18} {outcome.path}  (built by {', '.join(outcome.jobs)})")
        out += [f"    + {d}" for d in outcome.applied_fixes]
        out += [f"    {f.rule_id} {f.severity.value}: {text}"
                for f, text in _dockerfile_findings(outcome)]
        out.append("")
    out += [f"note: {n}" for n in result.notes]
    return "\n".join(out).rstrip("\n") + "\n"
