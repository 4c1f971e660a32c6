"""Markdown table and bar chart for bench/seed_table.py's JSON results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runner_ext.lab.job_builds import PATHS

# The Kaniko article's own figures (mm:ss), quoted as published, for side-by-side reading.
ARTICLE = (
    ("Dotnet core", "3:10", "14:25", "3:40", "0:27"),
    ("NodeJS", "11:45", "45:20", "13:10", "2:10"),
)
COLUMNS = (("uncached", "uncached"), ("first_cached", "first build with cache"),
           ("warm", "warm rebuild, 1 file changed"),
           ("deps_changed", "rebuild, dependency changed"),
           ("floor", "floor: push changed layers + manifest"))


def clock(seconds: float) -> str:
    """``m:ss.s``."""
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def cell(stat: dict[str, float], runs: int) -> str:
    """Median, with min-max when there was more than one run."""
    text = clock(stat["median"])
    return text if runs == 1 else f"{text} ({clock(stat['min'])}-{clock(stat['max'])})"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _ours(data: dict[str, Any]) -> list[str]:
    runs = data["runs"]
    lines = [_row("project / Dockerfile", *(title for _, title in COLUMNS)),
             _row(*["---"] * (len(COLUMNS) + 1))]
    for name, result in data["results"].items():
        summary = result["summary"]
        lines.append(_row(name, *(cell(summary[key], runs) for key, _ in COLUMNS)))
    return lines


def _breakdown(data: dict[str, Any]) -> list[str]:
    warmer = data.get("warm_images", False)
    split = all("warm_longest_step" in r["summary"] for r in data["results"].values())
    build, push = commands(data)
    titles = ["warm rebuild", f"{build} (with cache pulls and cache pushes)",
              *(["… of it, its longest step", "… pushes to the registry cache"] if split
                else []), push,
              "pull of the cached image into an empty storage",
              "written to the build's own storage, MB", "changed layers, MB", "floor",
              "the project's own step after `COPY . .`, alone",
              *(["the warmer's pull of the previous image (before the build)"] if warmer else [])]
    lines = [_row("project / Dockerfile", *titles), _row(*["---"] * (len(titles) + 1))]
    # A project without such a step shows "none"; results from before it was timed, no value;
    # a run that took the step out of the Dockerfiles, "left out".
    no_step = ("left out" if data.get("without_own_step") else
               "none" if any("source_step" in r["summary"] for r in data["results"].values())
               else "not measured")
    for name, result in data["results"].items():
        s = result["summary"]
        stored = s.get("warm_stored_mb")
        lines.append(_row(name, clock(s["warm"]["median"]), clock(s["warm_build_step"]["median"]),
                          *([clock(s["warm_longest_step"]["median"]),
                             clock(s["warm_cache_push"]["median"])] if split else []),
                          clock(s["warm_push_step"]["median"]),
                          clock(s["pull_previous"]["median"]),
                          f"{stored['median']:.1f}" if stored else "not measured",
                          f"{s['changed_mb']['median']:.1f}", clock(s["floor"]["median"]),
                          clock(s["source_step"]["median"]) if "source_step" in s else no_step,
                          *([clock(s["warmer_pull"]["median"])] if warmer else [])))
    if split:
        lines += ["", "The warm rebuild's longest step (timed from its STEP line to the next, "
                  "its cache push left out):", "",
                  *(f"- {name}: `{result['warm_longest_step']}`"
                    for name, result in data["results"].items())]
    return lines


def _median_table(data: dict[str, Any], titles: list[str], keys: list[str]) -> list[str]:
    """A table of the summaries' medians under ``keys``, a row per project and Dockerfile;
    [] when a result lacks one of them (results from before it was measured)."""
    lines = [_row("project / Dockerfile", *titles), _row(*["---"] * (len(titles) + 1))]
    for name, result in data["results"].items():
        summary = result["summary"]
        if any(key not in summary for key in keys):
            return []
        lines.append(_row(name, *(clock(summary[key]["median"]) for key in keys)))
    return lines


def _first_cached(data: dict[str, Any]) -> list[str]:
    """The uncached build and the first cached one, each split into ``buildah build`` (the
    cached one's pushes to the registry cache apart) and ``buildah push``."""
    build, push = commands(data)
    lines = _median_table(
        data, ["uncached", build, "… of it, the longest step", push, "first build with cache",
               build, "… of it, the same step", "… pushes to the registry cache", push],
        ["uncached", "uncached_build_step", "uncached_longest_step", "uncached_push_step",
         "first_cached", "first_cached_build_step", "first_cached_longest_step",
         "first_cached_cache_push", "first_cached_push_step"])
    if not lines:
        return []
    steps = [f"- {name}: `{result['longest_step']}`" for name, result in data["results"].items()]
    return ["Where the first cached build's time goes, against the uncached one (medians). "
            f"Its layers go to the registry cache during {build}, so its final push "
            "finds them there; the longest step is the dependency install, timed from its "
            "STEP line to the next (its cache push left out):", "", *lines, "", *steps, ""]


def _install(data: dict[str, Any]) -> list[str]:
    """The dependency install of the uncached and first cached builds, split at the last line
    its command printed: the command itself, then Buildah committing the layer."""
    lines = _median_table(
        data, ["uncached: the install step", "… to its command's last line of output",
               "… after it (the layer's commit)", "first build with cache: the same step",
               "… to its command's last line of output", "… after it (the layer's commit)"],
        ["uncached_longest_step", "uncached_install_output", "uncached_install_after",
         "first_cached_longest_step", "first_cached_install_output",
         "first_cached_install_after"])
    if not lines:
        return []
    return ["The same install step, split at the last line its command printed (pip and npm "
            "print their summary as they end; medians, each column on its own, so the parts "
            "need not add up to the step): before it, the command installing; after it, Buildah "
            "committing the step's layer into the build's storage (the cache push left out):",
            "", *lines, ""]


def _ratio(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%"


def _targets(data: dict[str, Any]) -> list[str]:
    results = data["results"]
    # The project's own step after `COPY . .` must run again in any warm rebuild: alone, it
    # is the least "warm / uncached" can be for that project on the machine that ran it.
    own = any("source_step" in result["summary"] for result in results.values())
    titles = ["first cached / uncached (target ≤ 115%)", "warm / uncached (target ≤ 10%)",
              *(["… the project's own step alone / uncached"] if own else []),
              "warm / floor (target ≤ 2x)"]
    lines = [_row("project / Dockerfile", *titles), _row(*["---"] * (len(titles) + 1))]
    for name, result in results.items():
        s = {key: value["median"] for key, value in result["summary"].items()}
        bound = _ratio(s["source_step"], s["uncached"]) if "source_step" in s else "none"
        lines.append(_row(name, _ratio(s["first_cached"], s["uncached"]),
                          _ratio(s["warm"], s["uncached"]), *([bound] if own else []),
                          f"{s['warm'] / s['floor']:.1f}x"))
    lines.append("")
    for project in sorted({name.split(" / ")[0] for name in results}):
        written = results.get(f"{project} / as written")
        migrated = results.get(f"{project} / migrated")
        if written and migrated:
            ratio = _ratio(migrated["summary"]["warm"]["median"],
                           written["summary"]["warm"]["median"])
            lines.append(f"- {project}: warm rebuild, migrated / as written = {ratio} "
                         "(target ≤ 25%)")
    return lines


def _store(data: dict[str, Any]) -> str:
    return ((", base image from the warmer's image store (mounted read-only)"
             if data.get("image_store") else "")
            + (" and, for the two rebuilds, the first build's image too"
               if data.get("warm_images") else "")
            + (f", build storage in {data['storage_dir']}" if data.get("storage_dir") else "")
            + (", the project's own step after `COPY . .` left out of both Dockerfiles"
               if data.get("without_own_step") else ""))


def _machine(data: dict[str, Any]) -> str:
    load = data.get("load_average")
    if not load:
        return ""
    return (f" Machine: {data['cpus']} cores, 1-minute load average {load['start']:.1f} at "
            f"the start and {load['end']:.1f} at the end.")


def commands(data: dict[str, Any]) -> tuple[str, str]:
    """The build and push commands the run's builds were split into, as table headers."""
    if data.get("path") == "shim":
        return "`docker build` (podman)", "`docker push` (podman)"
    return "`buildah build`", "`buildah push`"


def engine(data: dict[str, Any]) -> str:
    """Which engine built, and how it was run (results before --path ran the bare plan)."""
    path = data.get("path", "plan")
    return ("podman (Buildah's build library)" if path == "shim" else "Buildah") + \
        f", {PATHS[path]}"


def render_markdown(data: dict[str, Any]) -> str:
    """Our table, the ratios, where the warm rebuild's time goes, and the article's table."""
    runs = data["runs"]
    how = "median of " + str(runs) + " runs (min-max)" if runs > 1 else "one run"
    parts = [
        f"{engine(data)}; {data['storage_driver']} storage, local registry layer cache, a fresh "
        f"storage per build{_store(data)}; {how}; m:ss.s.{_machine(data)}", "",
        *_ours(data), "",
        "Ratios (medians):", "",
        *_targets(data), "", *_first_cached(data), *_install(data),
        "Where the warm rebuild's time goes (medians):", "",
        *_breakdown(data), "",
        "The Kaniko article's figures (mm:ss; its runners, its projects), for comparison:", "",
        _row("project", "docker build", "Kaniko without caching", "Kaniko, first time caching",
             "Kaniko, second time with caching"), _row(*["---"] * 5),
        *(_row(*row) for row in ARTICLE), "",
    ]
    return "\n".join(parts)


def render_png(data: dict[str, Any], path: Path) -> None:
    """Grouped bars: one group per project and Dockerfile, one bar per measure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(data["results"])
    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(COLUMNS)
    for index, (key, title) in enumerate(COLUMNS):
        values = [data["results"][n]["summary"][key]["median"] for n in names]
        positions = [i + index * width for i in range(len(names))]
        ax.bar(positions, values, width, label=title)
    ax.set_xticks([i + width * (len(COLUMNS) - 1) / 2 for i in range(len(names))], names)
    ax.set_ylabel("seconds (median)")
    ax.set_title(f"{'shim (podman)' if data.get('path') == 'shim' else 'Buildah'}"
                 f" + registry layer cache, {data['storage_driver']} storage"
                 f"{', image store' if data.get('image_store') else ''}"
                 f"{' with the previous image' if data.get('warm_images') else ''}"
                 f"{', own step left out' if data.get('without_own_step') else ''}, "
                 f"runs: {data['runs']}")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One document from runs of different projects (same runs and storage driver)."""
    first = documents[0]
    same = ("runs", "path", "storage_driver", "image_store", "warm_images", "storage_dir",
            "without_own_step")
    for other in documents[1:]:
        if [other.get(k) for k in same] != [first.get(k) for k in same]:
            raise SystemExit("bench_table: the results differ in --runs, --path, --storage-driver, "
                             "--image-store, --warm-images, --storage-dir or --without-own-step")
    results = {name: result for doc in documents for name, result in doc["results"].items()}
    return {**first, "results": results,
            "seconds_total": sum(doc["seconds_total"] for doc in documents)}


def write_outputs(data: dict[str, Any], out: Path, stem: str) -> str:
    """Write ``stem``.json, .md and .png under ``out``; returns the Markdown tables."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(data, indent=2) + "\n")
    markdown = render_markdown(data)
    (out / f"{stem}.md").write_text(markdown)
    render_png(data, out / f"{stem}.png")
    return markdown


def main() -> int:
    """``bench_table.py A.json B.json [--stem NAME]``: one table, JSON and chart from several."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--stem", default="seed_table", help="file name without suffix")
    args = parser.parse_args()
    data = merge([json.loads(path.read_text()) for path in args.results])
    print(write_outputs(data, args.out, args.stem))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
