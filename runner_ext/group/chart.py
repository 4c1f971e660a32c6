"""The job-history report as a PNG chart: median build time before and after, per project.

Drawn with matplotlib's Agg backend (no display needed). Each project gets two bars, the
median before and after the migration, with a tick at each side's p90.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.group.history import ProjectHistory

_BEFORE, _AFTER = "#b0413e", "#2e7d5b"
# More bars than this are unreadable: the projects with the most runs are drawn.
MAX_PROJECTS = 40


def write_chart(histories: Sequence[ProjectHistory], path: Path) -> Path:
    """Write the chart to ``path`` (PNG) and return it; at most :data:`MAX_PROJECTS`
    projects are drawn, those with the most runs."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with_runs = [h for h in histories if h.before.n or h.after.n]
    busiest = sorted(with_runs, key=lambda h: -(h.before.n + h.after.n))[:MAX_PROJECTS]
    shown = [h for h in with_runs if h in busiest]
    width = max(6.0, 1.2 * len(shown) + 2)
    figure = Figure(figsize=(width, 4.5), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(shown)))
    for offset, side, colour, label in ((-0.2, "before", _BEFORE, "before migration"),
                                        (0.2, "after", _AFTER, "after migration")):
        summaries = [getattr(h, side) for h in shown]
        xs = [p + offset for p in positions]
        axes.bar(xs, [(s.median or 0) / 60 for s in summaries], width=0.4, color=colour,
                 label=label)
        axes.scatter([x for x, s in zip(xs, summaries, strict=True) if s.p90 is not None],
                     [(s.p90 or 0) / 60 for s in summaries if s.p90 is not None],
                     marker="_", s=300, color="black", label="p90" if offset > 0 else None)
    crowded = len(shown) > 8
    axes.set_xticks(positions, [_label(h) for h in shown], rotation=30 if crowded else 0,
                    ha="right" if crowded else "center", fontsize=8)
    top = max([s.p90 or s.median or 0 for h in shown for s in (h.before, h.after)] + [1])
    axes.set_ylim(0, top / 60 * 1.3)
    axes.set_ylabel("build job duration, minutes (bar: median, tick: p90)")
    title = "Build times before and after the runner-ext migration"
    if len(shown) < len(with_runs):
        title += f" ({len(shown)} of {len(with_runs)} projects, those with the most runs)"
    axes.set_title(title, fontsize=10)
    axes.legend(loc="upper center", ncols=3, fontsize=8, frameon=False)
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise RunnerExtError(Category.USAGE, Problem(
            f"cannot write the chart ({exc.strerror})", file=str(path), key="--chart",
            hint="name a PNG file in a folder you can write")) from None
    return path


def _label(history: ProjectHistory) -> str:
    ratio = history.ratio
    return f"{history.project}\n{ratio:.2f}x" if ratio is not None else \
        f"{history.project}\n(not enough data)"
