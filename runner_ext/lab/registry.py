"""A CNCF distribution registry (Debian ``docker-registry``) on 127.0.0.1 with htpasswd auth.

Plain HTTP by default; with :func:`make_ca` the registry serves TLS with a certificate from a
throw-away CA, as an organisation's internal registry would.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from runner_ext.lab.tools import require_tool

MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


@dataclass(frozen=True)
class Tls:
    """A CA certificate and a server certificate for 127.0.0.1 signed by it."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_ca(folder: Path) -> Tls:
    """A self-signed CA and a server certificate for IP 127.0.0.1 (openssl, 2 days)."""
    openssl = require_tool("openssl")
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / "ca.crt", folder / "ca.key"
    cert, key, csr = folder / "server.crt", folder / "server.key", folder / "server.csr"
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "extendedKeyUsage=serverAuth\n")
    for argv in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
         "-days", "2", "-subj", "/CN=runner-ext test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
    ):
        subprocess.run([openssl, *map(str, argv)], check=True, capture_output=True)
    return Tls(ca, cert, key)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _htpasswd(path: Path, user: str, password: str) -> None:
    """bcrypt entry; the password goes through stdin (-i), not argv."""
    done = subprocess.run([require_tool("htpasswd"), "-iBn", user], input=password,
                          capture_output=True, text=True, check=True)
    path.write_text(done.stdout.strip() + "\n")


@dataclass
class Registry:
    """A running registry and a client for its HTTP API (``/v2/``)."""

    host: str
    user: str
    password: str
    tls: Tls | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.http.auth = (self.user, self.password)
        # No proxies or CA bundles from the environment: they would override the test CA.
        self.http.trust_env = False

    @property
    def base(self) -> str:
        """``http(s)://host:port``."""
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def get(self, path: str, **headers: str) -> requests.Response:
        """GET ``/v2/<path>`` with the registry credentials."""
        verify = str(self.tls.ca_file) if self.tls else True
        return self.http.get(f"{self.base}/v2/{path}", headers=headers, timeout=30,
                             verify=verify)

    def manifest(self, name: str, reference: str) -> tuple[str, dict[str, Any]]:
        """The manifest of ``name:reference`` and its ``Docker-Content-Digest``."""
        done = self.get(f"{name}/manifests/{reference}", Accept=MANIFEST_TYPES)
        done.raise_for_status()
        return done.headers["Docker-Content-Digest"], done.json()

    def has_manifest(self, name: str, reference: str) -> bool:
        """True when the tag (or digest) exists."""
        return self.get(f"{name}/manifests/{reference}", Accept=MANIFEST_TYPES).ok

    def tags(self, name: str) -> list[str]:
        """The tags of a repository ([] when it does not exist)."""
        done = self.get(f"{name}/tags/list")
        if done.status_code == 404:
            return []
        done.raise_for_status()
        return list(done.json().get("tags") or [])

    def blob(self, name: str, digest: str) -> bytes:
        """A blob's bytes (layers are gzip-compressed tars)."""
        done = self.get(f"{name}/blobs/{digest}")
        done.raise_for_status()
        return done.content

    def layers(self, name: str, reference: str) -> list[str]:
        """Layer digests of an image, base first."""
        return [layer["digest"] for layer in self.manifest(name, reference)[1]["layers"]]

    def docker_config(self) -> dict[str, Any]:
        """A docker ``config.json`` for this registry (used by the tests' own pushes)."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return {"auths": {self.host: {"auth": token}}}


def _config(root: Path, port: int, tls: Tls | None) -> dict[str, Any]:
    http: dict[str, Any] = {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)}
    if tls:
        http["tls"] = {"certificate": str(tls.cert_file), "key": str(tls.key_file)}
    return {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")},
                    "delete": {"enabled": True}},
        "http": http,
        "auth": {"htpasswd": {"realm": "runner-ext-test", "path": str(root / "htpasswd")}},
    }


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-20:])


def _wait_ready(registry: Registry, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited:\n{_tail(log)}")
        try:
            if registry.get("").status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"docker-registry did not answer within 30 s:\n{_tail(log)}")


@contextmanager
def running_registry(root: Path, *, user: str, password: str,
                     tls: Tls | None = None) -> Iterator[Registry]:
    """Start ``docker-registry serve`` with htpasswd auth (and TLS); stop it afterwards."""
    tool = require_tool("docker-registry")
    root.mkdir(parents=True, exist_ok=True)
    _htpasswd(root / "htpasswd", user, password)
    port = free_port()
    # JSON is YAML, so the config needs no YAML writer.
    (root / "config.yml").write_text(json.dumps(_config(root, port, tls), indent=2))
    log = root / "registry.log"
    with log.open("wb") as out:
        process = subprocess.Popen([tool, "serve", str(root / "config.yml")], stdout=out,
                                   stderr=subprocess.STDOUT)
    registry = Registry(f"127.0.0.1:{port}", user, password, tls)
    try:
        _wait_ready(registry, process, log)
        yield registry
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
