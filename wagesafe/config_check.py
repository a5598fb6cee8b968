"""Is this configuration safe to run in production? One plain line per problem.

Why a separate check instead of refusing bad values in ``Config.from_env``: the demo runs on
defaults that are deliberately unsafe for a server (a known secret key, a local mail catcher,
SMS written to files). The same values must therefore be accepted in development and refused
in production, and the operator must see *every* problem at once, each with the fix, rather
than a traceback for the first one. ``wagesafe config check`` prints this list; the service
(``formsvc.create_app``) and ``wagesafe serve`` refuse to start in production while it is not
empty.

Each line says which setting is wrong, why it matters, and what to set instead.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

from .registry.partners import is_loopback_host
from .config import DEFAULT_SECRET_KEY, SMS_TEMPLATE_SETTINGS, Config

MIN_SECRET_KEY_LENGTH = 32


class UnsafeConfigError(RuntimeError):
    """Raised by the service when it is asked to start in production with unsafe settings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(report(problems))


def report(found: list[str]) -> str:
    """The text both ``wagesafe config check`` and the refusing service print."""
    head = f"the production configuration is unsafe ({len(found)} problem{'s' if len(found) != 1 else ''}):"
    return "\n".join([head, *(f"  - {line}" for line in found)])


def problems(config: Config, environ: dict | None = None) -> list[str]:
    """Every setting that is unsafe for a production server, one line each (empty when safe).

    The check is about a *server*: it is meant to be run with the production environment file
    loaded, and it also names ``WAGESAFE_ENV`` itself when that is not ``production``.

    :param environ: where the partner counties' keys are looked for (default: the process environment).
    """
    placeholders = _placeholders(config)
    found: list[str] = []
    found += _env_and_debug(config)
    found += _secret_key(config)
    found += _public_base_url(config)
    found += _mail(config)
    found += _sms(config)
    found += _paths(config)
    found += _limits(config)
    found += _map(config)
    found += _provincial(config)
    found += _partners(config, environ)
    # A setting still at CHANGE-ME is named once, as that, not again as "too short" and the like.
    unfilled = {line.split()[0] for line in placeholders}
    return placeholders + [line for line in found if line.split()[0] not in unfilled]


def _provincial(config: Config) -> list[str]:
    """The provincial Open311 platform (issue 18): both settings or neither, and https."""
    out = []
    url, key = config.provincial_open311_url, config.provincial_open311_key
    if url and not url.startswith("https://"):
        out.append("PROVINCIAL_OPEN311_URL must start with https://: every new case is sent there")
    if bool(url) != bool(key):
        out.append("PROVINCIAL_OPEN311_KEY and PROVINCIAL_OPEN311_URL go together: set both to report to the "
                   "province, or neither")
    return out


def _partners(config: Config, environ: dict | None) -> list[str]:
    """Partner counties (issue 24): ``partners.yaml`` valid, each over https, each one's key set.

    Plain http would carry a transferred worker's name, mobile and story, and our API key, in clear."""
    import os

    from .registry.partners import FILE_NAME, check_partners, partners_source

    partners, found = check_partners(partners_source(config), production=True)
    out = [f"{FILE_NAME}: {line}" if not line.startswith(FILE_NAME) else line for line in found]
    env = os.environ if environ is None else environ
    for county in partners.counties.values():
        if not env.get(county.key_setting, "").strip():
            out.append(f"{county.key_setting} is empty: the API key {county.name_zh} ({county.code}) issued to us; "
                       f"transfers there would fail. 请设置 {county.key_setting}（对方县发给本县的 Open311 密钥）")
    return out


PLACEHOLDER = "CHANGE-ME"


def _placeholders(config: Config) -> list[str]:
    """Values still as ``deploy/wagesafe.env.example`` left them."""
    from .config import SETTINGS

    names = {s.name.lower(): s.name for s in SETTINGS}
    return [f"{names.get(f.name, f.name.upper())} still has the example value {PLACEHOLDER}: replace it in the "
            "environment file" for f in fields(config)
            if isinstance(getattr(config, f.name), str) and PLACEHOLDER in getattr(config, f.name)]


def _env_and_debug(config: Config) -> list[str]:
    out = []
    if config.env != "production":
        out.append(f"WAGESAFE_ENV is {config.env!r}: a server must run with WAGESAFE_ENV=production, "
                   "which makes the service refuse unsafe settings like these")
    if config.debug:
        out.append("WAGESAFE_DEBUG is on: Flask's debug mode shows source code and settings to anyone who "
                   "triggers an error; set WAGESAFE_DEBUG=0")
    return out


def _secret_key(config: Config) -> list[str]:
    fix = ('set SECRET_KEY to a long random value, e.g. the output of '
           '`python3 -c "import secrets; print(secrets.token_urlsafe(48))"`')
    if config.secret_key == DEFAULT_SECRET_KEY:
        return [f"SECRET_KEY is the published demo key: anyone could forge officers' sessions; {fix}"]
    if len(config.secret_key) < MIN_SECRET_KEY_LENGTH:
        return [f"SECRET_KEY is only {len(config.secret_key)} characters (at least {MIN_SECRET_KEY_LENGTH} "
                f"needed) and could be guessed; {fix}"]
    return []


def _public_base_url(config: Config) -> list[str]:
    url = urlsplit(config.public_base_url)
    if url.scheme != "https":
        return [f"PUBLIC_BASE_URL is {config.public_base_url!r}: posters, QR codes and officers' sign-in links "
                "must use https, or workers' names and mobile numbers travel in clear; "
                "set PUBLIC_BASE_URL=https://<your domain>"]
    if not url.hostname or is_loopback_host(url.hostname):
        return [f"PUBLIC_BASE_URL is {config.public_base_url!r}: that address only works on this machine, so "
                "every QR code on a site would lead nowhere; set it to the public domain"]
    return []


def _mail(config: Config) -> list[str]:
    out = []
    host = config.smtp_host.strip()
    if not host:
        out.append("SMTP_HOST is empty: officers would never be told about a new complaint; set SMTP_HOST "
                   "(and SMTP_PORT, SMTP_USER, SMTP_PASSWORD) to the county's mail server")
    elif is_loopback_host(host) and config.smtp_port == 8025:
        out.append(f"SMTP_HOST/SMTP_PORT point to {host}:8025, the demo's mail catcher: officers' notices "
                   "would stay on this machine; set them to the county's mail server")
    if config.smtp_password and not config.smtp_starttls and host and not is_loopback_host(host) \
            and config.smtp_port != 465:
        out.append("SMTP_STARTTLS is off while SMTP_PASSWORD is set: the password and every notice would cross "
                   "the network in clear; set SMTP_STARTTLS=1")
    if "localhost" in config.mail_from.lower():
        out.append(f"MAIL_FROM is {config.mail_from!r}: mail servers reject or bin mail from a .localhost "
                   "address; set MAIL_FROM to an address of the county's domain")
    return out


def _sms(config: Config) -> list[str]:
    provider = config.sms_provider
    if provider == "aliyun":
        missing = [name for name, value in (
            ("ALIYUN_SMS_ACCESS_KEY_ID", config.aliyun_sms_access_key_id),
            ("ALIYUN_SMS_ACCESS_KEY_SECRET", config.aliyun_sms_access_key_secret),
            ("ALIYUN_SMS_SIGN_NAME", config.aliyun_sms_sign_name),
        ) if not value.strip()]
        # One template per kind (config.SMS_TEMPLATE_SETTINGS): a missing one means that kind of
        # SMS (a worker's receipt, an outcome ...) would die at Aliyun, never reaching the phone.
        missing += [name for kind, name in SMS_TEMPLATE_SETTINGS.items()
                    if not config.sms_template_codes()[kind].strip()]
        out = [f"{name} is empty while SMS_PROVIDER=aliyun: no SMS could be sent; copy it from the Aliyun "
               "SMS console (or set SMS_PROVIDER=none to send email only)" for name in missing]
        if urlsplit(config.aliyun_sms_endpoint).scheme != "https":
            out.append(f"ALIYUN_SMS_ENDPOINT is {config.aliyun_sms_endpoint!r}: the access key would travel in "
                       "clear; use the https endpoint")
        return out
    if provider == "file":
        return ["SMS_PROVIDER is file: text messages would be written to files on this server and no officer "
                "would receive one; set SMS_PROVIDER=aliyun with its credentials, or none to send email only"]
    if provider != "none":
        return [f"SMS_PROVIDER is {provider!r}, which is not known: set aliyun or none"]
    return []


def _paths(config: Config) -> list[str]:
    """Nothing private may be inside the web root: nginx serves every file there to anyone."""
    out = []
    site, var = _resolved(config.site_dir), _resolved(config.var_dir)
    var_exposed = _inside(var, site)
    for setting, path, what in (
        ("WAGESAFE_VAR_DIR", config.var_dir, "the database, uploads and backups"),
        ("WAGESAFE_UPLOAD_DIR", config.upload_dir, "workers' evidence (contracts, ID cards, chat screenshots)"),
        ("WAGESAFE_DATABASE", config.database, "every complaint with names and mobile numbers"),
    ):
        if setting != "WAGESAFE_VAR_DIR" and var_exposed and _inside(_resolved(path), var):
            continue  # already said: moving VAR_DIR moves this too
        if _inside(_resolved(path), site):
            out.append(f"{setting} is {path}, inside the web root WAGESAFE_SITE_DIR ({config.site_dir}): "
                       f"nginx would hand {what} to anyone who guesses the name; move it outside the site "
                       "directory, e.g. under /var/lib/wagesafe")
    for setting, path in (("WAGESAFE_UPLOAD_DIR", config.upload_dir), ("WAGESAFE_DATABASE", config.database)):
        if _inside(_resolved(path), _resolved(config.data_dir)):
            out.append(f"{setting} is {path}, inside the registry WAGESAFE_DATA_DIR ({config.data_dir}), "
                       "which editors publish with git: personal data could be committed; move it outside")
    return out


def _limits(config: Config) -> list[str]:
    out = []
    if config.max_upload_mb <= 0 or config.max_uploads < 0:
        out.append("MAX_UPLOAD_MB/MAX_UPLOADS are not positive numbers: set MAX_UPLOAD_MB=10, MAX_UPLOADS=5")
    elif config.max_upload_mb * config.max_uploads > 200:
        out.append(f"MAX_UPLOAD_MB × MAX_UPLOADS is {config.max_upload_mb * config.max_uploads:g} MB per "
                   "complaint: one visitor could fill the disk quickly; keep it at 200 MB or less")
    if config.rate_limit_ip_per_10_minutes <= 0 or config.rate_limit_mobile_per_day <= 0 \
            or config.rate_limit_device_per_hour <= 0:
        out.append("RATE_LIMIT_IP_PER_10_MINUTES/RATE_LIMIT_DEVICE_PER_HOUR/RATE_LIMIT_MOBILE_PER_DAY must be "
                   "positive: 0 or less would turn the limits off and let a script flood officers with fake "
                   "complaints")
    elif config.rate_limit_ip_per_10_minutes < 30:
        out.append(f"RATE_LIMIT_IP_PER_10_MINUTES is {config.rate_limit_ip_per_10_minutes}: a crew of 30 on one "
                   "site's Wi-Fi, or many phones behind a carrier's CGNAT, share one address and would be refused; "
                   "keep it at 30 or more (the per-device limit and the desk's alerts catch a flood)")
    out += _proxies(config)
    if config.personal_data_retention_days < 0:
        # 0 (keep) is a county's lawful choice while its archive rule is unsettled, so only a
        # value that means nothing is refused; see formsvc.duties.retention.
        out.append(f"PERSONAL_DATA_RETENTION_DAYS is {config.personal_data_retention_days}: a retention period "
                   "cannot be negative; set the county's period in days, or 0 to keep personal data")
    return out


CDN_HINT = ("behind a CDN or load balancer, list its networks in CDN_ADDRESSES and render the nginx site again "
            "(`wagesafe deploy render-nginx`): nginx then takes the worker's address from the CDN's "
            "X-Forwarded-For (set_real_ip_from) and passes exactly one address on, so TRUSTED_PROXIES stays "
            "nginx's own address")


def _networks(name: str, value: str) -> tuple[list, list[str]]:
    from .config import proxy_networks

    try:
        return list(proxy_networks(value)), []
    except ValueError as e:
        return [], [f"{name} is {value!r}, which is not a list of addresses or networks ({e}); "
                    "write them comma-separated, e.g. 127.0.0.1,::1 or 10.8.0.0/16"]


def _proxies(config: Config) -> list[str]:
    """Who may say who the client is. Every per-address limit rests on this (issue 15)."""
    out = []
    raw = config.trusted_proxies.strip()
    nets, bad = _networks("TRUSTED_PROXIES", raw)
    out += bad
    if not raw or raw == "0":
        out.append("TRUSTED_PROXIES is empty: behind nginx every complaint would seem to come from 127.0.0.1, so "
                   "all workers would share one address's limit and https links would be built as http; "
                   "set TRUSTED_PROXIES=127.0.0.1,::1 (nginx on this machine), or nginx's address; " + CDN_HINT)
    elif raw.isdigit() and int(raw) > 1:
        out.append(f"TRUSTED_PROXIES is {raw}, a count of proxies: the service now trusts X-Forwarded-For only "
                   "from proxy addresses, never by counting hops (a client reaching the server directly could "
                   "write its own address into the header and dodge every per-address limit); set "
                   "TRUSTED_PROXIES=127.0.0.1,::1 and, " + CDN_HINT)
    for net in nets:
        if net.prefixlen == 0 or (net.version == 4 and net.prefixlen < 8) or (net.version == 6 and net.prefixlen < 16):
            out.append(f"TRUSTED_PROXIES contains {net}, which trusts (nearly) the whole internet to say who a "
                       "client is; list only nginx's own address, and " + CDN_HINT)
    for name, value in (("CDN_ADDRESSES", config.cdn_addresses), ("DESK_ALLOW_NETWORKS", config.desk_allow_networks)):
        out += _networks(name, value)[1]
    metrics_nets, bad = _networks("METRICS_ALLOW_NETWORKS", config.metrics_allow_networks)
    out += bad
    out += [f"METRICS_ALLOW_NETWORKS contains {net}, which opens /metrics to (nearly) the whole internet; list "
            "only the Prometheus server's address" for net in metrics_nets
            if net.prefixlen == 0 or (net.version == 4 and net.prefixlen < 8) or (net.version == 6 and net.prefixlen < 16)]
    return out


def warnings(config: Config) -> list[str]:
    """What is allowed but worth fixing (``config check`` prints these as ``warning:``, exit 0)."""
    from .nginx_conf import ocsp_resolver

    out = []
    if not ocsp_resolver(config):
        out.append("OCSP_RESOLVER: no DNS resolver for nginx's OCSP stapling (none set, none in /etc/resolv.conf, "
                   "or `off`): phones then ask the certificate authority themselves (slow on 3G, and the CA "
                   "learns who visits); set OCSP_RESOLVER to a resolver this server can reach and render the "
                   "nginx site again")
    return out


def explain_proxies(config: Config) -> list[str]:
    """Plain lines for `wagesafe config check` about where the client's address comes from (not problems)."""
    from .config import proxy_networks

    try:
        trusted = ", ".join(str(n) for n in proxy_networks(config.trusted_proxies)) or "nobody"
        cdn = ", ".join(str(n) for n in proxy_networks(config.cdn_addresses))
    except ValueError:
        return []
    lines = [f"the service trusts X-Forwarded-For/Proto only from: {trusted}"]
    if cdn:
        lines.append(f"nginx takes the client's address from X-Forwarded-For only when the connection comes from "
                     f"the CDN ({cdn}); re-render the nginx site after changing CDN_ADDRESSES")
    else:
        lines.append("no CDN configured: nginx uses the connecting address. If a CDN sits in front, every visitor "
                     "would share the CDN's few addresses and its edge could forward anything; " + CDN_HINT)
    return lines


def _map(config: Config) -> list[str]:
    if config.map_tile_url.startswith("http://"):
        return ["MAP_TILE_URL uses http: browsers block http tiles on an https page, so the map would be "
                "blank; use the https address of the tile service"]
    return []


def _resolved(path: Path) -> Path:
    return Path(path).expanduser().resolve(strict=False)


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)
