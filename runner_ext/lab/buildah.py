"""Buildah with a private storage root, and a base image made without internet.

Every :class:`Storage` is its own ``containers-storage`` (graph root and run root in a temp
folder), selected through ``CONTAINERS_STORAGE_CONF``, so tests never touch the machine's
image store and a fresh storage behaves like a fresh build pod: whatever it reuses must
come from the registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from runner_ext.lab.registry import Registry
from runner_ext.lab.tools import require_tool

BASE_DOCKERFILE = 'FROM scratch\nCOPY rootfs/ /\nCMD ["/bin/sh"]\n'


@dataclass(frozen=True)
class Storage:
    """A private containers-storage for Buildah (vfs by default, or overlay)."""

    root: Path
    driver: str = "vfs"

    @property
    def conf(self) -> Path:
        """The ``storage.conf`` naming this storage."""
        return self.root / "storage.conf"

    def create(self) -> Storage:
        """Write the storage.conf (graph root and run root under :attr:`root`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            "[storage]\n"
            f'driver = "{self.driver}"\n'
            f'runroot = "{self.root / "run"}"\n'
            f'graphroot = "{self.root / "graph"}"\n'
        )
        return self

    def env(self) -> dict[str, str]:
        """Environment variables selecting this storage."""
        return {"CONTAINERS_STORAGE_CONF": str(self.conf)}

    def remove(self) -> None:
        """Delete every image and layer of this storage."""
        shutil.rmtree(self.root, ignore_errors=True)


def _auth_file(registry: Registry, folder: Path) -> Path:
    path = folder / "auth.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(registry.docker_config(), handle)
    return path


def _tls_args(registry: Registry, folder: Path) -> list[str]:
    if registry.tls is None:
        return ["--tls-verify=false"]
    certs = folder / "certs"
    certs.mkdir(exist_ok=True)
    shutil.copy(registry.tls.ca_file, certs / "ca.crt")
    return ["--cert-dir", str(certs)]


def busybox_rootfs(folder: Path) -> Path:
    """``bin/busybox`` from Debian's busybox-static plus a symlink per applet."""
    busybox = require_tool("busybox")
    rootfs = folder / "rootfs"
    (rootfs / "bin").mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").mkdir(exist_ok=True)
    shutil.copy(busybox, rootfs / "bin" / "busybox")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        link = rootfs / "bin" / applet
        if applet != "busybox" and not link.exists():
            link.symlink_to("busybox")
    return rootfs


def push_base_image(registry: Registry, reference: str, folder: Path) -> str:
    """Build ``FROM scratch`` + busybox-static and push it as ``reference``; its digest."""
    buildah = require_tool("buildah")
    folder.mkdir(parents=True, exist_ok=True)
    busybox_rootfs(folder)
    (folder / "Dockerfile").write_text(BASE_DOCKERFILE)
    storage = Storage(folder / "storage").create()
    env = {**os.environ, **storage.env()}
    global_flags = [buildah, "--storage-driver", "vfs"]
    try:
        subprocess.run([*global_flags, "build", "--isolation", "chroot", "-t", reference,
                        str(folder)], env=env, check=True, capture_output=True)
        digest_file = folder / "digest"
        subprocess.run([*global_flags, "push", "--authfile", str(_auth_file(registry, folder)),
                        *_tls_args(registry, folder), "--digestfile", str(digest_file),
                        reference, f"docker://{reference}"],
                       env=env, check=True, capture_output=True)
        return digest_file.read_text().strip()
    finally:
        storage.remove()
        (folder / "auth.json").unlink(missing_ok=True)
