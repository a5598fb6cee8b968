"""Render ``deploy/nginx/wagesafe.conf.template`` into an nginx site file.

Why a renderer instead of a hand-edited file: two numbers in the nginx site must agree with
the service's own settings — the upload body limit (MAX_UPLOAD_MB × MAX_UPLOADS + 1 MB, the
same sum as Flask's ``MAX_CONTENT_LENGTH``) and the per-address flood limit (far looser than
RATE_LIMIT_IP_PER_10_MINUTES, so the service stays the real rule) — and the networks of
CDN_ADDRESSES (``set_real_ip_from``), DESK_ALLOW_NETWORKS (``allow`` on ``/desk/``) and METRICS_ALLOW_NETWORKS (``allow``
on ``/metrics``). Computing them from ``Config``
when rendering means a county that changes a limit re-renders and cannot forget nginx.
The test suite renders the same template for its live nginx, so what is tested is what ships.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from .config import ROOT, Config

DEPLOY_NGINX = ROOT / "deploy" / "nginx"
TEMPLATE = "wagesafe.conf.template"

# Pages served by the form service: scripts and styles only from our own origin (no inline
# script unless the service adds a hash), never framed, forms only posted back to us.
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
           "base-uri 'self'; object-src 'none'")
# The officers' desk gets the same (its styles are a file, static/desk.css).
# The static portal: mkdocs-material needs a few inline scripts, so only framing, plugins and
# <base> are restricted there.
STATIC_CSP = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"


def body_limit_bytes(config: Config) -> int:
    """The largest request body the service accepts: the same sum as ``create_app``'s MAX_CONTENT_LENGTH."""
    return int((config.max_upload_mb * config.max_uploads + 1) * 1024 * 1024)


FLOOD_PER_MINUTE = 300   # POSTs per address a minute nginx lets through: ten crews of 30 at once
SIGNIN_PER_MINUTE = 60   # sign-in posts per address a minute (a county office shares one address too)


def flood_rate(config: Config) -> tuple[int, int]:
    """``(rate per minute, burst)`` of nginx's per-address buckets (issue 25): far above any crew.

    nginx cannot tell a worker from a flood (any client can make up a cookie), so it only cuts off
    volumes no crew behind one address could send: at least ``FLOOD_PER_MINUTE`` a minute, and never
    less than twice the service's own per-address allowance (RATE_LIMIT_IP_PER_10_MINUTES), all of
    it at once. The service's limits, per device, are the real rule.
    """
    rate = max(FLOOD_PER_MINUTE, 2 * max(1, config.rate_limit_ip_per_10_minutes))
    return rate, rate


def system_resolvers(resolv_conf: Path = Path("/etc/resolv.conf")) -> list[str]:
    """The ``nameserver`` addresses of ``resolv.conf`` as nginx's ``resolver`` takes them (IPv6 in
    brackets; link-local addresses with a zone left out: nginx cannot use them)."""
    import ipaddress

    found = []
    try:
        lines = resolv_conf.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            try:
                address = ipaddress.ip_address(parts[1])
            except ValueError:
                continue
            if getattr(address, "scope_id", None):
                continue  # link-local with a zone (fe80::1%eth0): nginx cannot use it
            found.append(f"[{address}]" if address.version == 6 else str(address))
    return found


def ocsp_resolver(config: Config, resolv_conf: Path = Path("/etc/resolv.conf")) -> str:
    """What nginx asks for OCSP stapling: OCSP_RESOLVER if set (``off`` for none), else this
    machine's own resolvers read from ``resolv.conf`` now (Debian 12 runs no 127.0.0.53 stub);
    "" when there is none (``config check`` warns)."""
    chosen = config.ocsp_resolver.strip()
    if chosen.lower() in ("off", "none"):
        return ""
    if chosen:
        return " ".join(chosen.replace(",", " ").split())
    return " ".join(system_resolvers(resolv_conf))


def hsts_value(config: Config) -> str:
    """The Strict-Transport-Security header: a year, and ``includeSubDomains`` only when the county
    says every subdomain is served over https (HSTS_INCLUDE_SUBDOMAINS)."""
    return "max-age=31536000" + ("; includeSubDomains" if config.hsts_include_subdomains else "")


def networks(value: str) -> list[str]:
    """A setting's comma-separated networks, normalised (``ValueError`` for anything else)."""
    import ipaddress

    return [str(ipaddress.ip_network(part, strict=False)) for part in (value or "").replace(",", " ").split()]


def _v6_listen(listen: str, given: str | None) -> str:
    """IPv6 beside IPv4: ``[::]:<port>`` when the IPv4 listen is a bare port; otherwise only if given."""
    if given is not None:
        return given
    return f"[::]:{listen}" if listen.strip().isdigit() else ""


@dataclass(frozen=True)
class NginxSite:
    """Where things are on the server; the defaults are the paths the Deploy steps of manual/operator.md use."""

    server_name: str
    site_root: Path
    upstream: str = "127.0.0.1:8000"
    ssl_certificate: str = ""
    ssl_certificate_key: str = ""
    http_listen: str = "80"
    https_listen: str = "443"
    http_listen6: str | None = None   # default: [::]:<port> when the IPv4 listen is a bare port
    https_listen6: str | None = None
    resolver: str | None = None       # for OCSP stapling; None: OCSP_RESOLVER or the system's; "" leaves it out
    log_dir: str = "/var/log/nginx"
    acme_root: str = "/var/www/letsencrypt"
    errors_root: Path = DEPLOY_NGINX


def default_server_name(config: Config) -> str:
    return urlsplit(config.public_base_url).hostname or "localhost"


def render(config: Config, site: NginxSite) -> str:
    """The nginx site file text for ``config`` and ``site``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(DEPLOY_NGINX)), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             autoescape=False)
    rate, burst = flood_rate(config)
    resolver = ocsp_resolver(config) if site.resolver is None else site.resolver
    https_port = site.https_listen.rsplit(":", 1)[-1].split()[0]
    cert = site.ssl_certificate or f"/etc/letsencrypt/live/{site.server_name}/fullchain.pem"
    key = site.ssl_certificate_key or f"/etc/letsencrypt/live/{site.server_name}/privkey.pem"
    return env.get_template(TEMPLATE).render(
        server_name=site.server_name, site_root=str(Path(site.site_root).resolve()), upstream=site.upstream,
        ssl_certificate=cert, ssl_certificate_key=key, http_listen=site.http_listen,
        https_listen=site.https_listen, https_port_suffix="" if https_port == "443" else f":{https_port}",
        log_dir=site.log_dir, acme_root=site.acme_root, errors_root=str(Path(site.errors_root).resolve()),
        body_limit_bytes=body_limit_bytes(config), rate_limit_ip_per_10_minutes=config.rate_limit_ip_per_10_minutes,
        flood_rate=rate, flood_burst=burst, signin_rate=SIGNIN_PER_MINUTE, hsts=hsts_value(config),
        app_csp=APP_CSP, static_csp=STATIC_CSP,
        http_listen6=_v6_listen(site.http_listen, site.http_listen6),
        https_listen6=_v6_listen(site.https_listen, site.https_listen6), resolver=resolver,
        cdn_addresses=networks(config.cdn_addresses), desk_allow=networks(config.desk_allow_networks),
        metrics_allow=networks(config.metrics_allow_networks),
    )


LOCAL_MAIN = """\
daemon off;
worker_processes {workers};
pid {prefix}/nginx.pid;
{user}
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {site_conf};
}}
"""


def local_main_conf(prefix: Path, site_conf: Path, workers: str = "1", connections: int = 256) -> str:
    """An outer ``nginx.conf`` that runs the rendered site from a private prefix (tests, benches):
    everything nginx writes stays under ``prefix``, and as root its workers stay root instead of
    becoming ``nobody``, who could not read a temporary site directory."""
    import os

    user = "user root root;" if os.geteuid() == 0 else ""
    return LOCAL_MAIN.format(prefix=prefix, site_conf=site_conf, workers=workers, connections=connections, user=user)
