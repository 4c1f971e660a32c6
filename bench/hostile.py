"""Hostile inputs against the real commands: time, peak memory, exit code, files written.

Each input is built in its own temporary folder and given to the real CLI in a fresh Python
process (this checkout's code), which is watched with ``wait4`` for its CPU time and peak
resident memory. The child runs under an address-space cap and a watchdog, so a regression
fails this bench instead of taking the machine down.

    python3 bench/hostile.py [--quick]

Prints one Markdown table and exits 1 when an input takes 2 s of CPU or more, needs 300 MB
or more, exits with anything but 2 (a located refusal) or writes a file. ``--quick`` (what
CI runs) is the same set: every input is refused in well under a second.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIGRATE = ("-c", "from runner_ext.cli.migrate import entry; entry()")
RUNNER_EXT = ("-c", "from runner_ext.cli.main import entry; entry()")
MAX_SECONDS = 2.0
MAX_RSS_MB = 300.0
WATCHDOG_SECONDS = 60.0
ADDRESS_SPACE_CAP = 4 * 1024**3
BUILD_JOB = ("build:\n  tags: [shell]\n  script:\n"
             "    - docker build -t $CI_REGISTRY_IMAGE .\n"
             "    - docker push $CI_REGISTRY_IMAGE\n")
GOOD_DOCKERFILE = "FROM busybox:1.36.1\n"


@dataclass(frozen=True)
class Case:
    """One hostile input: the files it is made of and the command that reads them."""

    name: str
    files: Callable[[], dict[str, bytes]]
    command: tuple[str, ...]
    target: str = "."


@dataclass(frozen=True)
class Outcome:
    """What one run cost and said."""

    case: Case
    size: int
    wall: float
    cpu: float
    rss_mb: float
    code: int
    first_line: str
    written: int

    def problems(self) -> list[str]:
        """Why this outcome fails the bench (empty when it passes)."""
        found = []
        if self.cpu >= MAX_SECONDS:
            found.append(f"took {self.cpu:.2f} s of CPU (limit {MAX_SECONDS} s)")
        if self.rss_mb >= MAX_RSS_MB:
            found.append(f"peak RSS {self.rss_mb:.0f} MB (limit {MAX_RSS_MB:.0f} MB)")
        if self.code != 2:
            found.append(f"exit code {self.code}, not 2")
        if self.written:
            found.append(f"wrote {self.written} file(s)")
        return found


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Nine anchors, each a list of nine aliases of the one before: 9**9 nodes expanded."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels)]
    return "\n".join(lines) + f"\nbuild:\n  script: *a{levels - 1}\n"


def _ci(text: str, **more: str) -> Callable[[], dict[str, bytes]]:
    return lambda: {".gitlab-ci.yml": text.encode(), **{k: v.encode() for k, v in more.items()}}


def _with_dockerfile(dockerfile: Callable[[], bytes]) -> Callable[[], dict[str, bytes]]:
    return lambda: {".gitlab-ci.yml": BUILD_JOB.encode(), "Dockerfile": dockerfile()}


def _huge_ci() -> dict[str, bytes]:
    return {".gitlab-ci.yml": b"a: [" + b"x, " * (50 * 1024 * 1024 // 3) + b"x]\n"}


def _self_list() -> dict[str, bytes]:
    return {"list.yaml": b"&all\napiVersion: v1\nkind: List\nitems: [*all, *all]\n"}


CASES = (
    Case("alias bomb (9 anchors x 9 aliases)", _ci(alias_bomb()), MIGRATE),
    Case("10,000 nested [", _ci("a: " + "[" * 10_000 + "]" * 10_000 + "\n"), MIGRATE),
    Case("include loop a.yml -> b.yml -> a.yml",
         _ci("include: a.yml\n" + BUILD_JOB, **{"a.yml": "include: b.yml\n",
                                                "b.yml": "include: a.yml\n"}), MIGRATE),
    Case("50 MB CI file", _huge_ci, MIGRATE),
    Case("non-UTF-8 CI file", lambda: {".gitlab-ci.yml": b"build:\n  script: [caf\xe9]\n"},
         MIGRATE),
    Case("100,000-line Dockerfile",
         _with_dockerfile(lambda: (GOOD_DOCKERFILE + "RUN true\n" * 100_000).encode()), MIGRATE),
    Case("20,000 stages", _with_dockerfile(lambda: "".join(
        f"FROM b:1 AS s{i}\nCOPY --from=s{i} / /\n" for i in range(20_000)).encode()), MIGRATE),
    Case("non-UTF-8 Dockerfile",
         _with_dockerfile(lambda: GOOD_DOCKERFILE.encode() + b"LABEL a=\xff\n"), MIGRATE),
    Case("self-referencing kind: List", _self_list, (*RUNNER_EXT, "check", "pod"),
         "list.yaml"),
    Case("alias bomb manifest", lambda: {"bomb.yaml": alias_bomb().encode()},
         (*RUNNER_EXT, "check", "pod"), "bomb.yaml"),
)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def _watch(pid: int, done: threading.Event) -> None:
    if not done.wait(WATCHDOG_SECONDS):
        os.kill(pid, signal.SIGKILL)


def run_case(case: Case, root: Path) -> Outcome:
    """Build the case's files in ``root``, run its command there, and measure it."""
    files = case.files()
    for name, data in files.items():
        (root / name).write_bytes(data)
    before = _snapshot(root)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    with open(root.parent / f"{root.name}.err", "w+b") as err:
        child = subprocess.Popen(
            [sys.executable, *case.command, case.target], cwd=root, env=env,
            stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_cap_memory)
        done = threading.Event()
        threading.Thread(target=_watch, args=(child.pid, done), daemon=True).start()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode("utf-8", "replace")
    after = _snapshot(root)
    written = sum(1 for path, stamp in after.items() if before.get(path) != stamp)
    return Outcome(case, sum(len(d) for d in files.values()), time.monotonic() - started,
                   usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                   child.returncode, _first_line(message), written)


def _first_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ": error: " in line]
    return (errors or lines or [""])[0]


def table(outcomes: list[Outcome]) -> str:
    """The results as one Markdown table."""
    rows = ["| input | bytes | seconds (wall) | seconds (CPU) | peak RSS (MB) | exit | "
            "first line of the error | files written |",
            "|---|---:|---:|---:|---:|---:|---|---:|"]
    for o in outcomes:
        shown = o.first_line.replace("|", "\\|")
        shown = shown if len(shown) <= 160 else shown[:159] + "…"
        rows.append(f"| {o.case.name} | {o.size:,} | {o.wall:.2f} | {o.cpu:.2f} | "
                    f"{o.rss_mb:.0f} | {o.code} | `{shown}` | {o.written} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run every case and print the table; 1 when any case breaks a bound."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="CI mode (the same inputs: each is refused in well under 1 s)")
    parser.parse_args(argv)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="runner-ext-hostile-") as tmp:
        for number, case in enumerate(CASES):
            root = Path(tmp) / f"case{number}"
            root.mkdir()
            outcomes.append(run_case(case, root))
    print(table(outcomes))
    failures = [f"{o.case.name}: {p}" for o in outcomes for p in o.problems()]
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
