"""Real Debian base images for Python and Node.js, made with ``mmdebstrap`` (no Docker Hub).

The root filesystem comes from Debian's own packages (``deb.debian.org``) and is cached as a
tarball under ``~/.cache/runner-ext-lab`` (``RUNNER_EXT_LAB_CACHE``), keyed by everything that
goes into it, so only the first run pays for the bootstrap. :func:`push_debian_base` turns the
tarball into an image and pushes it to the local registry, once per run, through the same
planner-made Buildah build the benchmarks measure.

The machine's CA bundle replaces the image's, so ``pip`` and ``npm`` inside a build trust what
this machine trusts (an organisation's TLS-inspecting proxy included). Proxy settings are not
baked in: Buildah passes the host's ``HTTP(S)_PROXY``/``NO_PROXY`` to ``RUN`` steps by itself
(``--http-proxy``, on by default) without writing them into a layer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from runner_ext.lab.builds import build
from runner_ext.lab.registry import Registry
from runner_ext.lab.tools import require_tool

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Documentation and translations are the bulk of a minbase install and no build needs them.
_EXCLUDES = ("path-exclude=/usr/share/doc/*", "path-exclude=/usr/share/man/*",
             "path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias")


@dataclass(frozen=True)
class Base:
    """One base image: its Debian packages and the Dockerfile lines on top of the rootfs."""

    name: str
    packages: tuple[str, ...]
    dockerfile_tail: str
    # Shell run inside the finished rootfs (mmdebstrap's customize hook, "$1" is the root).
    customize: str = ""

    def key(self, ca_bundle: bytes) -> str:
        """A short hash of everything the rootfs is made from."""
        text = "\n".join([SUITE, MIRROR, *self.packages, *_EXCLUDES, self.customize])
        return hashlib.sha256(text.encode() + ca_bundle).hexdigest()[:16]


# Like the official python:3.11 image: pip installs into the system Python (no PEP 668 marker).
PYTHON = Base(
    "python", ("python3", "python3-pip", "python3-venv", "python-is-python3", "ca-certificates"),
    'ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1\nCMD ["python3"]\n',
    customize='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED',
)
NODE = Base(
    "node", ("nodejs", "npm", "ca-certificates"),
    # Debian's node reads its bundled roots; this makes it read the image's bundle too.
    'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\nCMD ["node"]\n',
)


def cache_dir() -> Path:
    """Where root filesystem tarballs are kept between runs."""
    default = Path.home() / ".cache" / "runner-ext-lab"
    return Path(os.environ.get("RUNNER_EXT_LAB_CACHE", default))


def rootfs_tarball(base: Base, *, ca_bundle: Path = HOST_CA_BUNDLE) -> Path:
    """The cached rootfs tarball of ``base``; bootstrapped with mmdebstrap when missing."""
    bundle = ca_bundle.read_bytes()
    target = cache_dir() / f"{base.name}-{SUITE}-{base.key(bundle)}.tar"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial.tar")
    hooks = [f'cp "{ca_bundle}" "$1/etc/ssl/certs/ca-certificates.crt"']
    if base.customize:
        hooks.append(base.customize)
    argv = [require_tool("mmdebstrap"), "--variant=minbase", "--quiet",
            f"--include={','.join(base.packages)}",
            *(f"--dpkgopt={option}" for option in _EXCLUDES),
            *(f"--customize-hook={hook}" for hook in hooks),
            SUITE, str(partial), MIRROR]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"mmdebstrap {base.name} failed ({done.returncode}): {tail}")
    partial.rename(target)
    return target


def base_context(base: Base, folder: Path) -> Path:
    """A build context holding the rootfs tarball and a ``FROM scratch`` Dockerfile."""
    folder.mkdir(parents=True, exist_ok=True)
    tarball = rootfs_tarball(base)
    link = folder / "rootfs.tar"
    link.unlink(missing_ok=True)
    try:
        os.link(tarball, link)
    except OSError:
        shutil.copy(tarball, link)
    (folder / "Dockerfile").write_text("FROM scratch\nADD rootfs.tar /\n" + base.dockerfile_tail)
    return folder


def push_debian_base(registry: Registry, base: Base, work: Path,
                     storage_driver: str = "vfs") -> str:
    """Build ``base`` from its cached rootfs and push it; the pushed reference."""
    context = base_context(base, work / f"{base.name}-context")
    reference = f"{registry.host}/base/{base.name}:{SUITE}"
    build(registry, work / f"{base.name}-build", context=context,
          dockerfile=context / "Dockerfile", destination=reference, cache=False,
          storage_driver=storage_driver)
    return reference
