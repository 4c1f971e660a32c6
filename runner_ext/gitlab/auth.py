"""Where the GitLab token comes from: the caller, ``GITLAB_TOKEN``, or a python-gitlab config file.

A token read from a config section is only used for the server that section names, so a
token configured for one GitLab is never sent to another.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from gitlab import config as gitlab_config

from runner_ext.errors import Category, Problem, RunnerExtError

TOKEN_VARIABLE = "GITLAB_TOKEN"
DEFAULT_TIMEOUT = 60.0

_NO_TOKEN_HINT = (
    "create a personal, group or project access token with the 'api' scope "
    "('read_api' is enough for --dry-run), then `export GITLAB_TOKEN=...` or put it in a "
    "python-gitlab config section (private_token = ...) and pass --gitlab-config-section"
)


@dataclass(frozen=True)
class Credentials:
    """How to reach and authenticate to one GitLab server. The token never shows in repr."""

    url: str
    token: str = field(repr=False)
    kind: Literal["private", "oauth"] = "private"
    source: str = TOKEN_VARIABLE
    ssl_verify: bool | str = True
    timeout: float = DEFAULT_TIMEOUT
    allow_insecure: bool = False


def resolve_credentials(url: str, token: str | None, section: str | None = None,
                        environ: Mapping[str, str] | None = None, *,
                        allow_insecure: bool = False) -> Credentials:
    """The token given, a named config section, ``GITLAB_TOKEN``, then the default section.

    ``allow_insecure`` lets :func:`runner_ext.gitlab.client.connect` use a plain ``http://`` URL.
    """
    url = _check_url(url)
    env = os.environ if environ is None else environ
    if token:
        found = Credentials(url=url, token=token, source="the caller")
    elif section is None and env.get(TOKEN_VARIABLE):
        found = Credentials(url=url, token=env[TOKEN_VARIABLE])
    else:
        found = _from_config_file(url, section)
    return dataclasses.replace(found, allow_insecure=allow_insecure)


def same_server(a: str, b: str) -> bool:
    """True when two base URLs name the same GitLab (scheme, host, port and path prefix)."""
    left, right = urlsplit(a), urlsplit(b)
    return (left.scheme.lower(), left.netloc.lower(), left.path.rstrip("/")) == (
        right.scheme.lower(), right.netloc.lower(), right.path.rstrip("/"))


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RunnerExtError(Category.USAGE, Problem(
            "not a GitLab base URL", key="--gitlab-url", value=url,
            hint="give the server's address, e.g. https://gitlab.example.com"))
    if parts.username or parts.password:
        raise RunnerExtError(Category.USAGE, Problem(
            "credentials in the URL are not accepted", key="--gitlab-url",
            hint="pass the token with GITLAB_TOKEN instead"))
    return url.rstrip("/")


def _from_config_file(url: str, section: str | None) -> Credentials:
    where = f"python-gitlab config section {section!r}" if section else \
        "python-gitlab config (default section)"
    try:
        parsed = gitlab_config.GitlabConfigParser(gitlab_id=section)
    except gitlab_config.ConfigError as exc:
        raise RunnerExtError(Category.CONFIG, Problem(
            f"no GitLab token: {TOKEN_VARIABLE} is not set and the {where} cannot be used "
            f"({exc})", hint=_NO_TOKEN_HINT)) from None
    token = parsed.private_token or parsed.oauth_token
    if not token or not parsed.url:
        raise RunnerExtError(Category.CONFIG, Problem(
            f"no GitLab token: {TOKEN_VARIABLE} is not set and the {where} has none",
            hint=_NO_TOKEN_HINT))
    if not same_server(parsed.url, url):
        raise RunnerExtError(Category.CONFIG, Problem(
            f"the {where} is for {parsed.url}, not {url}; its token is not sent elsewhere",
            hint="pass --gitlab-config-section naming the section for this server, "
                 f"or set {TOKEN_VARIABLE}"))
    return Credentials(
        url=url, token=token, kind="private" if parsed.private_token else "oauth",
        source=f"the {where}", ssl_verify=parsed.ssl_verify, timeout=float(parsed.timeout))
