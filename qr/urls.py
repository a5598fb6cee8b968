"""Check the public base URL before it is printed on thousands of posters.

A poster stays on a site fence for the life of the project, so a wrong address printed once
cannot be fixed by a redeploy: refuse anything that is not a plain ``scheme://host[:port]``,
and in production anything but https on a public host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from wagesafe.registry import project_url

from .errors import BaseUrlError

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def check_base_url(url: str, production: bool) -> str:
    """Return the base URL without a trailing slash, or raise ``BaseUrlError`` saying what is wrong.

    :param url: the configured ``PUBLIC_BASE_URL``.
    :param production: ``Config.production``; then only https on a non-loopback host is accepted.
    :raises BaseUrlError: a scheme other than http(s), no host, a path, query, fragment, user info
        or whitespace; http or a loopback host in production.
    """
    raw = (url or "").strip()
    if not raw:
        raise BaseUrlError("PUBLIC_BASE_URL is empty: set it to the address workers' phones will open, "
                           "e.g. https://wagesafe.example.gov.cn")
    if any(c.isspace() for c in raw):
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' contains a space")
    parts = urlsplit(raw.rstrip("/"))
    if parts.scheme not in ("http", "https"):
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' must start with https:// (or http:// for a local demo)")
    try:
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' has an invalid port") from None
    if not host:
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' has no host name")
    if parts.username or parts.password:
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' must not contain a user name or password")
    if parts.path or parts.query or parts.fragment:
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' must be only scheme and host (no path, '?' or '#'): "
                           f"the poster adds /r/<code> itself")
    if production and parts.scheme != "https":
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' must use https in production: workers type it into "
                           f"phones and report their wages through it")
    if production and host in LOOPBACK_HOSTS:
        raise BaseUrlError(f"PUBLIC_BASE_URL '{raw}' points at this machine; in production it must be the "
                           f"public address printed on posters")
    return f"{parts.scheme}://{parts.netloc.lower()}"  # host names are case-insensitive; print them small


def poster_url(base_url: str, code: str) -> str:
    """The URL a poster's QR encodes and prints: the registry's ``project_url`` (one rule for all parts)."""
    return project_url(base_url, code)
