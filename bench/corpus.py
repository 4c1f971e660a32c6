"""The migration over the corpus of real CI files, in one table.

Runs ``migrate-project``'s local core (dry run, ``--strategy auto``, default org config) on
every project of ``tests/corpus`` (each on a temporary copy) and prints: projects, those that
build images, those migrated (declarative / shim), jobs migrated, jobs left by reason (with
example projects), crashes, and seconds per project.

    python3 bench/corpus.py                 # the table
    python3 bench/corpus.py --output json   # the same numbers for scripts
    python3 bench/corpus.py --quick         # the first 15 projects only
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from runner_ext.migrate.corpus import corpus_table, run_corpus

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


def _text(table: dict[str, Any]) -> str:
    m, jobs, s = table["migrated"], table["jobs"], table["seconds"]
    builders = table["building_images"]
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| projects | {table['projects']} |",
        f"| projects that build images | {builders} |",
        f"| … migrated, any job | {m['any']} ({m['any_percent']} %) |",
        f"| … with a declarative job | {m['declarative']} |",
        f"| … with a shim job | {m['shim']} |",
        f"| … every job they build with migrated | {m['fully']} |",
        f"| … already daemonless, nothing left | {m['already_daemonless']} |",
        f"| image jobs (classifier) | {jobs['image_jobs']} |",
        f"| jobs the migration looked at | {jobs['looked_at']} |",
        f"| jobs migrated declarative / shim | {jobs['declarative']} / {jobs['shim']} |",
        f"| jobs already daemonless | {jobs['already_daemonless']} |",
        f"| jobs left (with a reason) | {jobs['left']} |",
        f"| image jobs the migration did not report | {jobs['unseen']} |",
        f"| projects refused as bad input | {len(table['errors'])} |",
        f"| crashes | {len(table['crashes'])} |",
        f"| seconds per project, median / max | {s['median']} / {s['max']} |",
        "",
        "| left because | jobs | e.g. |",
        "|---|---|---|",
    ]
    lines += [f"| {code} | {row['jobs']} | {', '.join(row['examples'])} |"
              for code, row in table["left_by_reason"].items()]
    lines += [f"refused: {e}" for e in table["errors"]]
    lines += [f"CRASH: {c}" for c in table["crashes"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", choices=("text", "json"), default="text")
    parser.add_argument("--quick", action="store_true", help="only the first 15 projects")
    args = parser.parse_args(argv)
    table = corpus_table(run_corpus(CORPUS, limit=15 if args.quick else None))
    print(json.dumps(table, indent=2, sort_keys=True) if args.output == "json" else _text(table))
    return 1 if table["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
