"""The migration report, in Markdown (merge request description) and plain text (terminal)."""

from __future__ import annotations

from runner_ext.migrate.result import DockerfileOutcome, JobOutcome, MigrationResult
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


def _rule_ids(findings: tuple[Finding, ...]) -> str:
    return ", ".join(dict.fromkeys(f.rule_id for f in findings))


def _finding_line(finding: Finding) -> str:
    return f"{finding.rule_id} {finding.severity.value}: {finding.message}"


def _dockerfile_findings(outcome: DockerfileOutcome) -> list[str]:
    lines = []
    for finding in outcome.findings:
        where = f"line {finding.line}: " if finding.line else ""
        fixed = " (fixed)" if finding.fix is not None and finding.fix.description in \
            outcome.applied_fixes else ""
        lines.append(f"{finding.rule_id} {finding.severity.value}: {where}{finding.message}"
                     f"{fixed}")
    return lines


def render_markdown(result: MigrationResult) -> str:
    """The report as Markdown: summary table, then details per job and Dockerfile."""
    out = ["## runner-ext migration", "",
           f"Moves image builds to daemonless **{result.engine}** builds on the Kubernetes "
           f"runner, with a registry layer cache ({result.include_mode} include). "
           f"{_headline(result)}.", ""]
    if result.jobs:
        out += ["| job | where | result |", "|---|---|---|"]
        out += [f"| `{j.name}` | `{j.location()}` | {_label(j)} |" for j in result.jobs]
        out.append("")
    out += _md_jobs(result.jobs)
    out += _md_dockerfiles(result.dockerfiles)
    if result.notes:
        out += ["### Notes", "", *[f"- {n}" for n in result.notes], ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _md_jobs(jobs: list[JobOutcome]) -> list[str]:
    out: list[str] = []
    for job in jobs:
        out += [f"### `{job.name}` — {_label(job)}", ""]
        if job.status == "migrated":
            out += [f"- {c}" for c in job.changes]
            out += [f"- [ ] **check:** {a}" for a in job.attention]
        else:
            out.append(f"- **why:** {job.reason}")
            if job.suggestion:
                out.append(f"- **what to do:** {job.suggestion}")
        if job.findings and job.status == "migrated":
            out += [f"- resolves {_rule_ids(job.findings)}"]
        elif job.findings:
            out += ["", "<details><summary>findings</summary>", ""]
            out += [f"- `{f.rule_id}` {f.severity.value}: {f.message}" for f in job.findings]
            out += ["", "</details>"]
        out.append("")
    return out


def _md_dockerfiles(dockerfiles: list[DockerfileOutcome]) -> list[str]:
    out: list[str] = []
    for outcome in dockerfiles:
        state = "fixed" if outcome.changed else "unchanged"
        out += [f"### Dockerfile `{outcome.path}` — {state}", ""]
        out += [f"- fix applied: {d}" for d in outcome.applied_fixes]
        out += [f"- `{line.split(' ', 1)[0]}` {line.split(' ', 1)[1]}"
                for line in _dockerfile_findings(outcome)]
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
        out += [f"    {line}" for line in _dockerfile_findings(outcome)]
        out.append("")
    out += [f"note: {n}" for n in result.notes]
    return "\n".join(out).rstrip("\n") + "\n"
