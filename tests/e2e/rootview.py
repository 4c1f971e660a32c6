"""Run a command where an extra top-level directory (e.g. ``/kaniko``) exists, privately.

Kaniko's plan calls ``/kaniko/executor`` by absolute path, so a fake cannot be put first on
PATH. Instead the command runs in a private mount namespace whose root is a tmpfs holding
bind mounts of every top-level entry of the real ``/`` plus the extra directory; nothing
on the machine changes and the mounts vanish with the process.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import in_ci, require_tool

# $1 new root (an empty folder), $2 source folder, $3 where it appears, $4 "--", then argv.
_SCRIPT = r"""
set -e
root=$1 src=$2 dst=$3; shift 4
mount -t tmpfs -o mode=755 runner-ext-rootview "$root"
for entry in /* /.[!.]*; do
  [ -e "$entry" ] || [ -L "$entry" ] || continue
  name=${entry#/}
  if [ -L "$entry" ]; then cp -P "$entry" "$root/$name"
  elif [ -d "$entry" ]; then mkdir "$root/$name"; mount --rbind "$entry" "$root/$name"
  else : > "$root/$name"; mount --bind "$entry" "$root/$name"
  fi
done
mkdir -p "$root$dst"
mount --bind "$src" "$root$dst"
exec chroot "$root" /bin/sh -c 'cd "$1" && shift && exec "$@"' rootview "$PWD" "$@"
"""


def with_directory(target: str, source: Path, scratch: Path) -> list[str]:
    """An argv prefix running the rest where ``target`` shows the folder ``source``."""
    scratch.mkdir(parents=True, exist_ok=True)
    unshare = require_tool("unshare")
    require_tool("chroot")
    user_ns = [] if os.geteuid() == 0 else ["--map-root-user"]
    prefix = [unshare, "--mount", "--propagation", "private", "--fork", *user_ns,
              "sh", "-c", _SCRIPT, "rootview", str(scratch), str(source), target, "--"]
    probe = subprocess.run([*prefix, "test", "-d", target], capture_output=True, text=True,
                           check=False)
    if probe.returncode != 0:
        reason = f"cannot make a private mount namespace here: {probe.stderr.strip()}"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return prefix
