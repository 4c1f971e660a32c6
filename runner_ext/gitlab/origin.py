"""The token goes to the configured GitLab only: one origin (scheme, host, port), no plain HTTP.

requests follows redirects to any host and strips only ``Authorization`` on the way;
python-gitlab follows a pagination ``Link: <...>; rel="next"`` to any host (it merely warns).
Both would carry ``PRIVATE-TOKEN`` along. :func:`guard` is a response hook that stops either
before the next request is made, and :func:`check_transport` refuses ``http://`` unless asked.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from runner_ext.errors import Category, Problem, RunnerExtError

log = logging.getLogger(__name__)

Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


class ForeignUrl(Exception):
    """GitLab's answer pointed the client at another origin; nothing was sent there."""

    def __init__(self, kind: str, refused: str, configured: str) -> None:
        super().__init__(f"{kind} to {refused}")
        self.kind = kind
        self.refused = refused
        self.configured = configured


def origin(url: str) -> Origin:
    """``(scheme, host, port)`` of ``url``, lower-cased, with the scheme's default port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def show(where: Origin) -> str:
    """An origin as ``scheme://host:port`` (IPv6 hosts in brackets)."""
    scheme, host, port = where
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def guard(configured_url: str) -> Callable[..., None]:
    """A requests response hook raising :class:`ForeignUrl` for a redirect or next-page link
    that leaves ``configured_url``'s origin. It runs before requests follows the redirect and
    before python-gitlab reads the link, so the token is never sent there."""
    home = origin(configured_url)

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        targets = [("a redirect", response.headers.get("Location"))] if response.is_redirect \
            else []
        targets.append(("a next-page link", response.links.get("next", {}).get("url")))
        for kind, target in targets:
            where = origin(urljoin(response.url, target)) if target else home
            if where != home:
                response.close()
                raise ForeignUrl(kind, show(where), show(home))

    return hook


def is_loopback(url: str) -> bool:
    """True for ``localhost`` and literal loopback addresses (127.0.0.0/8, ::1)."""
    host = origin(url)[1]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str, *, allow_insecure: bool) -> None:
    """Refuse a plain ``http://`` GitLab URL, which would send the token unencrypted.

    Allowed with a warning when ``allow_insecure`` is given, or when the host is a loopback
    address (the token does not leave the machine).
    """
    if origin(url)[0] != "http":
        return
    if allow_insecure or is_loopback(url):
        why = "--allow-insecure" if allow_insecure else "a loopback address"
        log.warning("%s is plain HTTP: the GitLab token is sent unencrypted (allowed: %s)",
                    url, why)
        return
    raise RunnerExtError(Category.USAGE, Problem(
        "plain http:// would send the GitLab token unencrypted", key="--gitlab-url", value=url,
        hint="use the server's https:// address; pass --allow-insecure only for a server "
             "reached over a network you trust"))
