"""Scan a group of many projects behind the fake GitLab with a delay on every answer.

The fake runs in a child process (so it takes none of the scanner's CPU or memory) and holds
``--projects`` projects under nested subgroups, shaped by :mod:`runner_ext.lab.group_fixture`,
all including one shared template project. Every answer waits ``--latency`` seconds first, as
a distant GitLab would. The scan is the real one (python-gitlab, the worker pool, the state
file, the four output files).

    python3 bench/scan.py [--quick] [--projects 1000] [--latency 0.05] [--workers 16]

Prints projects/s, API calls per project and the scanner's peak RSS, and exits 1 when a
project got the wrong class or (full run only) the scan is slower than 100 projects/s or
needs more than 200 MB. ``--quick`` (what CI runs) scans 100 projects and checks the classes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from runner_ext.gitlab.auth import Credentials
from runner_ext.group.outputs import write_outputs
from runner_ext.group.scan import DEFAULT_WORKERS, ScanRequest, scan_group
from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.lab.group_fixture import populate

TOKEN = "glpat-bench-not-a-secret"
MIN_PROJECTS_PER_SECOND = 100.0
MAX_RSS_MB = 200.0


def _serve(projects: int, latency: float, pipe: Connection) -> None:
    fake = FakeGitLab(token=TOKEN)
    expected = populate(fake, projects)
    fake.latency = latency
    with serve(fake):
        pipe.send((fake.url, expected))
        pipe.recv()  # the scan is over
        shared = len(fake.calls("GET", "templates%2Fci/repository/files/"))
        pipe.send((len(fake.requests), shared))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 projects; check classes only")
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args()
    projects = 100 if args.quick else args.projects

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_serve, args=(projects, args.latency, theirs), daemon=True)
    child.start()
    url, expected = ours.recv()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = scan_group(ScanRequest(Credentials(url=url, token=TOKEN), "acme",
                                        Path(tmp) / "state.jsonl", workers=args.workers))
        elapsed = time.monotonic() - started
        write_outputs(result, Path(tmp) / "out")
    ours.send("done")
    requests, shared = ours.recv()
    child.join(5)

    rate = len(result.rows) / elapsed
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_mb = usage.ru_maxrss / 1024
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000 / len(result.rows)
    wrong = {r.path: (r.kind, expected[r.path]) for r in result.rows
             if expected.get(r.path) != r.kind}
    print(f"projects: {len(result.rows)} in {elapsed:.2f} s at {args.latency * 1000:.0f} ms "
          f"latency, {args.workers} workers")
    print(f"projects/s: {rate:.1f}")
    print(f"API calls: {requests} ({requests / len(result.rows):.2f} per project; the shared "
          f"template file fetched {shared} time(s))")
    print(f"peak RSS of the scanner: {rss_mb:.1f} MB; its CPU time: {cpu_ms:.1f} ms per "
          "project (start-up included)")
    print("classes: " + ", ".join(f"{k} {n}" for k, n in result.counts().items() if n))
    failed = [f"wrong class: {p}: got {got}, expected {want}" for p, (got, want) in
              sorted(wrong.items())]
    if len(result.rows) != projects:
        failed.append(f"scanned {len(result.rows)} projects, expected {projects}")
    if not args.quick and rate < MIN_PROJECTS_PER_SECOND:
        failed.append(f"slower than {MIN_PROJECTS_PER_SECOND:.0f} projects/s")
    if not args.quick and rss_mb > MAX_RSS_MB:
        failed.append(f"peak RSS above {MAX_RSS_MB:.0f} MB")
    for line in failed:
        print(f"FAIL: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
