"""The client's real address behind nginx (and a CDN), trusted only from configured proxy addresses.

Why not werkzeug's ``ProxyFix(x_for=N)``: it trusts the N-th address from the right whoever sent
the request. With ``TRUSTED_PROXIES=2`` (the old CDN recipe) and the server reachable directly, a
client's own ``X-Forwarded-For: 6.6.6.6`` became its address and dodged every per-address limit.

Here the header is read only when the connection comes from a configured proxy (``TRUSTED_PROXIES``,
addresses or networks). The entries are walked from the right, skipping those that are themselves
trusted proxies, and the first one that is not is the client (nginx's ``real_ip_recursive``). The
nginx of ``deploy/`` resolves a CDN's header itself (``set_real_ip_from``, from ``CDN_ADDRESSES``) and
passes exactly one address, so the service needs to trust only nginx. ``X-Forwarded-Proto`` and
``X-Forwarded-Host`` are likewise taken only from a trusted proxy.
"""

from __future__ import annotations

import ipaddress


def _ip(value: str):
    value = value.strip().strip("[]")
    if value.count(":") == 1 and "." in value:  # "1.2.3.4:5678"
        value = value.rsplit(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(addr, networks) -> bool:
    if addr is None:
        return False
    if getattr(addr, "ipv4_mapped", None):
        addr = addr.ipv4_mapped
    return any(addr in net for net in networks)


def client_address(peer: str, forwarded_for: str, networks) -> str:
    """The client's address for a connection from ``peer`` carrying ``X-Forwarded-For: forwarded_for``."""
    if not networks or not _trusted(_ip(peer), networks):
        return peer
    entries = [e.strip() for e in (forwarded_for or "").split(",") if e.strip()]
    client = peer
    while entries:
        candidate = entries.pop()
        addr = _ip(candidate)
        if addr is None:
            return client  # garbage in the header: stop at the last address we could trust
        client = str(addr)
        if not (_trusted(addr, networks) and entries):
            return client
    return client


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR, the scheme and the host from a trusted proxy's headers only."""

    def __init__(self, app, networks):
        self.app = app
        self.networks = tuple(networks)

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        if self.networks and _trusted(_ip(peer), self.networks):
            environ["wagesafe.proxy_peer"] = peer
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR", ""), self.networks)
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[-1].strip()
            if host:
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)
