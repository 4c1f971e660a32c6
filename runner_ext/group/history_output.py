"""The job-history report as Markdown (one row per project) and as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runner_ext.group.history import ProjectHistory
from runner_ext.markdown import escape as md

HEADER = ("| project | build jobs | before: median | p90 | n | after: median | p90 | n "
          "| speed-up (median before / after) |")


def clock(seconds: float | None) -> str:
    """A duration as ``m:ss`` (``h:mm:ss`` from an hour), as the Kaniko article writes them;
    ``-`` for none."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def row(history: ProjectHistory) -> str:
    """One Markdown table row."""
    before, after = history.before, history.after
    cells = [md(history.project), md(", ".join(history.jobs)) or "-",
             clock(before.median), clock(before.p90), str(before.n),
             clock(after.median), clock(after.p90), str(after.n),
             f"{history.ratio:.2f}x" if history.ratio is not None else md(history.verdict())]
    return "| " + " | ".join(cells) + " |"


def to_markdown(histories: Sequence[ProjectHistory], *, since: str | None = None) -> str:
    """The report: a table of every project, then where each split came from."""
    scope = f" since {since}" if since else ""
    out = ["## Build times before and after the runner-ext migration", "",
           f"Successful build-job runs on each project's target branch{scope}, split at the "
           "merge of its migration merge request. Times are m:ss; p90 is the 90th "
           "percentile (nearest rank).", "", HEADER, "|---|---|---|---|---|---|---|---|---|"]
    out += [row(h) for h in histories]
    splits = [h for h in histories if h.migration is not None]
    if splits:
        out += ["", "Split at:", ""]
        out += [f"- {md(h.project)}: !{h.migration.iid} merged "
                f"{h.migration.merged_at.isoformat()} into {md(h.migration.target_branch)}"
                for h in splits if h.migration is not None]
    return "\n".join(out) + "\n"


def to_json(histories: Sequence[ProjectHistory], *, since: str | None = None) -> dict[str, Any]:
    """JSON-ready: every project's split and statistics, durations in seconds."""
    return {"since": since, "projects": [h.to_dict() for h in histories],
            "summary": {"projects": len(histories),
                        "with_ratio": sum(1 for h in histories if h.ratio is not None),
                        "errors": sum(1 for h in histories if h.error)}}
