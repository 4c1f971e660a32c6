"""A stand-in for an engine binary (Kaniko's executor, buildctl-daemonless.sh, buildah).

It records what the real engine would receive: argv, the engine environment, the registry
auth file it would read (content and mode) and the other files in the engine's work
directory. It then writes a digest where the engine would, or fails as told by
``fail.json`` in the record folder: ``{"output": "...", "code": 1, "when": "push"}``
(``when``: fail only on a call whose argv contains that word).

Usage (through a wrapper from :func:`install`): ``fake_engine.py RECORD_DIR NAME ARGS...``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

ENGINE_ENV = ("DOCKER_CONFIG", "BUILDKITD_FLAGS", "REGISTRY_AUTH_FILE",
              "CONTAINERS_REGISTRIES_CONF")


def _auth_path() -> Path | None:
    if "REGISTRY_AUTH_FILE" in os.environ:
        return Path(os.environ["REGISTRY_AUTH_FILE"])
    if "DOCKER_CONFIG" in os.environ:
        return Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    return None


def _auth() -> dict[str, object] | None:
    path = _auth_path()
    if path is None or not path.is_file():
        return None
    return {"path": str(path), "mode": stat.S_IMODE(path.stat().st_mode),
            "content": json.loads(path.read_text())}


def _work_files(auth: Path | None) -> dict[str, str]:
    """Files next to the auth file (engine config, CA copies), except the auth itself."""
    if auth is None or not auth.parent.is_dir():
        return {}
    return {str(p): p.read_text(errors="replace") for p in sorted(auth.parent.rglob("*"))
            if p.is_file() and p != auth and not p.name.startswith(".")
            and p.name not in ("build.log", "step.log")}


def _value_after(args: list[str], flag: str) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
    return None


def _write_digest(args: list[str], digest: str) -> None:
    for flag in ("--digest-file", "--digestfile"):
        path = _value_after(args, flag)
        if path:
            Path(path).write_text(digest)
    metadata = _value_after(args, "--metadata-file")
    if metadata:
        Path(metadata).write_text(json.dumps(
            {"containerimage.digest": digest, "image.name": "recorded"}, indent=2))


def main(argv: list[str]) -> int:
    """Record one call; then fail as configured, or pretend to build and push."""
    record_dir, name, args = Path(argv[1]), argv[2], argv[3:]
    calls = len(list(record_dir.glob("call-*.json")))
    record = {
        "argv": [name, *args],
        "env": {k: os.environ[k] for k in ENGINE_ENV if k in os.environ},
        "auth": _auth(),
        "files": _work_files(_auth_path()),
        "cwd": os.getcwd(),
    }
    (record_dir / f"call-{calls:02d}.json").write_text(json.dumps(record, indent=2))
    fail_file = record_dir / "fail.json"
    if fail_file.exists():
        fail = json.loads(fail_file.read_text())
        if fail.get("when", name) in (name, *args):
            print(fail["output"], flush=True)
            return int(fail["code"])
    print(f"{name}: (fake) built and pushed", flush=True)
    _write_digest(args, "sha256:" + hashlib.sha256(json.dumps(argv[2:]).encode()).hexdigest())
    return 0


def install(bin_dir: Path, name: str, record_dir: Path) -> Path:
    """A wrapper ``bin_dir/<basename of name>`` that runs this fake, recording as ``name``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    record_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / Path(name).name
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" '
                       f'"{record_dir}" "{name}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def calls(record_dir: Path) -> list[dict[str, object]]:
    """Every recorded call, in order."""
    return [json.loads(p.read_text()) for p in sorted(record_dir.glob("call-*.json"))]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
