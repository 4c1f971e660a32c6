"""The ``migrate-group`` summary for a terminal: one row per project, then the counts."""

from __future__ import annotations

from runner_ext.group.migrate import GroupMigrationResult, ProjectOutcome

_WORDS = {"opened": "opened", "updated": "updated", "would-open": "would open",
          "skipped": "skipped", "failed": "FAILED"}


def detail(row: ProjectOutcome) -> str:
    """What happened, in a few words: the merge request, the files, or the reason."""
    parts = []
    if row.status in ("opened", "updated") and row.mr_url:
        parts.append(row.mr_url)
    if row.files:
        jobs = f"{row.migrated_jobs} job(s) migrated; " if row.migrated_jobs else ""
        parts.append(f"{jobs}changes {', '.join(row.files)}")
    if row.reason:
        parts.append(row.reason)
    return "; ".join(parts)


def render_text(result: GroupMigrationResult) -> str:
    """The summary table and the counts."""
    width = max([len("project"), *(len(r.project) for r in result.rows)])
    head = "plan (--dry-run: nothing written)" if result.dry_run else "summary"
    lines = [f"migrate-group {result.group}: {head}", "",
             f"{'project':<{width}}  {'result':<10}  detail"]
    lines += [f"{r.project:<{width}}  {_WORDS[r.status]:<10}  {detail(r)}" for r in result.rows]
    counts = result.counts()
    said = ", ".join(f"{_WORDS[k]} {v}" for k, v in counts.items() if v)
    lines += ["", f"{len(result.rows)} of {result.projects_in_group} project(s) selected: "
              f"{said or 'nothing to do'}"]
    return "\n".join(lines) + "\n"
