"""``/readyz`` and ``/metrics``: thin views over ``readiness``, ``metrics`` and ``instruments``."""

from __future__ import annotations

import ipaddress

from flask import request

from wagesafe.config import proxy_networks

from formsvc.storage.store import utcnow
from formsvc.web.context import get_config, get_db

from . import instruments, readiness
from .blueprint import bp

PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/readyz")
def readyz():
    """200 ``ready`` when the installation can do its work; else 503 with one plain line per reason."""
    found = readiness.problems(get_db(), get_config(), utcnow())
    if not found:
        return "ready\n", 200, PLAIN
    return "not ready 未就绪:\n" + "".join(f"- {p.line()}\n" for p in found), 503, PLAIN


def metrics_allowed(address: str | None, networks: str) -> bool:
    """Is the client (after trusted proxies) in ``METRICS_ALLOW_NETWORKS``?"""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    try:
        allowed = proxy_networks(networks)
    except ValueError:  # a mistyped setting opens nothing (`wagesafe config check` names it)
        return False
    return any(ip in net for net in allowed)


@bp.route("/metrics")
def metrics():
    """The Prometheus text format, for the networks in ``METRICS_ALLOW_NETWORKS`` only."""
    config = get_config()
    if not metrics_allowed(request.remote_addr, config.metrics_allow_networks):
        return ("只向 METRICS_ALLOW_NETWORKS 中的网络提供 / metrics are served only to the networks in "
                "METRICS_ALLOW_NETWORKS\n"), 403, PLAIN
    if not instruments.AVAILABLE:
        return "prometheus_client is not installed: run `make install` / 未安装 prometheus_client\n", 503, PLAIN
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    from .metrics import StateCollector

    registry = CollectorRegistry(auto_describe=False)
    instruments.add_to(registry)
    registry.register(StateCollector(get_db(), config, utcnow()))
    return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"}
