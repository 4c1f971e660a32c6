"""A stand-in for ``buildah`` as the shim's ``docker run`` drives it (from, inspect, run, rm).

Each call is appended to ``RECORD_DIR/calls.jsonl`` (argv, and stdin when a run reads it).
``from`` prints a container name; ``inspect`` prints the image's entrypoint or command as
``FAKE_BUILDAH_ENTRYPOINT`` / ``FAKE_BUILDAH_CMD`` (words separated by ``|``) give them,
NUL-terminated like the wrapper's Go template; ``run`` exits with ``FAKE_BUILDAH_EXIT``.

Usage (through a wrapper from :func:`install`): ``fake_buildah.py RECORD_DIR ARGS...``.
"""

from __future__ import annotations

import json
import os
import select
import sys
from pathlib import Path


def _words(name: str) -> str:
    value = os.environ.get(name, "")
    return "".join(f"{w}\0" for w in value.split("|")) if value else ""


def _stdin() -> str | None:
    """What the run was given on stdin (None for /dev/null or nothing)."""
    readable, _, _ = select.select([sys.stdin], [], [], 0.5)
    return sys.stdin.read() or None if readable else None


def main(argv: list[str]) -> int:
    """Record one call and answer it."""
    record_dir, args = Path(argv[1]), argv[2:]
    rest = args[2:] if args[:1] == ["--storage-driver"] else args
    verb = rest[0] if rest else ""
    record: dict[str, object] = {"argv": ["buildah", *args]}
    if verb == "run":
        record["stdin"] = _stdin()
    with (record_dir / "calls.jsonl").open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    if verb == "from":
        print("fake-working-container")
    elif verb == "inspect":
        sys.stdout.write(_words("FAKE_BUILDAH_ENTRYPOINT" if "Entrypoint" in " ".join(args)
                                else "FAKE_BUILDAH_CMD"))
    elif verb == "run":
        return int(os.environ.get("FAKE_BUILDAH_EXIT", "0"))
    return 0


def install(bin_dir: Path, record_dir: Path) -> Path:
    """A ``bin_dir/buildah`` that runs this fake, recording under ``record_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    record_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / "buildah"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" '
                       f'"{record_dir}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def calls(record_dir: Path) -> list[dict[str, object]]:
    """Every recorded call, in order."""
    path = record_dir / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


if __name__ == "__main__":
    sys.exit(main(sys.argv))
