"""All settings, read from environment variables in one place, with safe defaults.

The defaults run the embedded demo (``make run``): SQLite under ``var/``, the local mail
catcher on 127.0.0.1:8025, SMS written to files. Production must set the few values that
``wagesafe config check`` names; everything else has a default that is safe to keep.
Each setting is documented in manual/configuration.md's table (a test checks that).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and meaning (manual/configuration.md's table is made from these)."""

    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("WAGESAFE_ENV", "development", "`development` or `production`; production refuses unsafe settings"),
    Setting("WAGESAFE_DATA_DIR", "data", "the registry directory that editors keep"),
    Setting("WAGESAFE_SITE_DIR", "site", "where the static site (and the posters) are built"),
    Setting("WAGESAFE_VAR_DIR", "var", "runtime state: the database, uploads, mail and SMS outboxes of the demo"),
    Setting("WAGESAFE_DOCS_DIR", "", "the portal's Markdown pages (default: `docs/` beside `mkdocs.yml`); the desk "
            "writes policy updates into its `updates/posts/`"),
    Setting("CONTENT_GIT_COMMIT", "0", "`1`: the desk commits each content change it writes (`data/`, "
            "`docs/updates/posts/`) to the git work tree holding the file, with the editor as author"),
    Setting("WAGESAFE_DATABASE", "", "SQLite database file (default `<VAR_DIR>/wagesafe.db`)"),
    Setting("WAGESAFE_UPLOAD_DIR", "", "evidence uploads, outside the web root (default `<VAR_DIR>/uploads`)"),
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:8000", "the public address printed on posters; https in production"),
    Setting("SECRET_KEY", DEFAULT_SECRET_KEY, "signs sessions and CSRF tokens; a long random value in production"),
    Setting("WAGESAFE_DEBUG", "0", "Flask debug mode; never in production"),
    Setting("SMTP_HOST", "127.0.0.1", "mail server for officers' notices"),
    Setting("SMTP_PORT", "8025", "mail server port (8025 is the demo's mail catcher)"),
    Setting("SMTP_USER", "", "SMTP user name, if the server needs one"),
    Setting("SMTP_PASSWORD", "", "SMTP password"),
    Setting("SMTP_STARTTLS", "0", "use STARTTLS on the SMTP connection"),
    Setting("SMTP_TIMEOUT", "10", "seconds before an SMTP attempt is given up and retried later"),
    Setting("MAIL_FROM", "WageSafe <noreply@wagesafe.localhost>", "sender of notices"),
    Setting("SMS_PROVIDER", "file", "`file` (writes SMS to `<VAR_DIR>/sms/`), `aliyun`, or `none`"),
    Setting("ALIYUN_SMS_ACCESS_KEY_ID", "", "Aliyun SMS access key id"),
    Setting("ALIYUN_SMS_ACCESS_KEY_SECRET", "", "Aliyun SMS access key secret"),
    Setting("ALIYUN_SMS_SIGN_NAME", "", "Aliyun SMS signature (签名)"),
    Setting("ALIYUN_SMS_TEMPLATE_CODE", "", "Aliyun SMS template code for a new-case notice"),
    Setting("ALIYUN_SMS_TEMPLATE_TRANSFER", "", "Aliyun SMS template code for a transfer notice to the receiving officer"),
    Setting("ALIYUN_SMS_TEMPLATE_RECEIPT", "", "Aliyun SMS template code for the worker's receipt SMS (`${receipt}`, `${link}`)"),
    Setting("ALIYUN_SMS_TEMPLATE_ACKNOWLEDGED", "", "Aliyun SMS template code for \"an officer took your case\" to the worker (`${receipt}`, `${place}`, `${link}`)"),
    Setting("ALIYUN_SMS_TEMPLATE_WORKER_TRANSFER", "", "Aliyun SMS template code for \"your case was passed to ...\" to the worker (`${receipt}`, `${place}`, `${link}`)"),
    Setting("ALIYUN_SMS_TEMPLATE_OUTCOME", "", "Aliyun SMS template code for the outcome SMS to the worker (`${receipt}`, `${outcome}`, `${link}`)"),
    Setting("ALIYUN_SMS_TEMPLATE_SENT_TO_COUNTY", "", "Aliyun SMS template code for \"已转送\" to the worker once the other county has the case (`${receipt}`, `${place}`: the county with their receipt number, `${link}`)"),
    Setting("ALIYUN_SMS_TEMPLATE_OUTCOME_ELSEWHERE", "", "Aliyun SMS template code for the outcome SMS when the other county the case was sent to closed it (`${receipt}`, `${place}`, `${outcome}`, `${link}`; its page takes the worker's answer, which tells the county desk but cannot reopen a case the other county closed)"),
    Setting("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/", "Aliyun SMS API endpoint"),
    Setting("URGENT_WORKERS", "10", "a complaint for this many workers or more is urgent and goes to the county desk too"),
    Setting("URGENT_AMOUNT_YUAN", "200000", "a complaint for this amount or more is urgent"),
    Setting("ACK_HOURS", "24", "hours before an unacknowledged case is escalated to the county desk"),
    Setting("RESOLVE_DAYS", "30", "days before an unresolved case gets a reminder; escalated after as many again"),
    Setting("MAX_UPLOAD_MB", "10", "largest evidence file accepted, in MB"),
    Setting("MAX_UPLOADS", "5", "evidence files per complaint"),
    Setting("RATE_LIMIT_IP_PER_10_MINUTES", "60",
            "valid complaints accepted per client address in any 10 minutes (high and short: a site's Wi-Fi, a "
            "carrier's CGNAT or a CDN puts many workers behind one address); past it the county desk is alerted"),
    Setting("RATE_LIMIT_DEVICE_PER_HOUR", "10", "valid complaints accepted per browser session and per device "
            "cookie in any hour"),
    Setting("RATE_LIMIT_MOBILE_PER_DAY", "5", "complaints per mobile number in 24 hours before the county desk is "
            "alerted (never refused: a typed number proves nothing)"),
    Setting("SURGE_ALERT_PER_10_MINUTES", "100", "complaints county-wide in 10 minutes above which the county desk "
            "is alerted (nothing is refused); 0 turns the alert off"),
    Setting("SESSION_HOURS", "8", "hours an officer stays signed in at most (absolute timeout)"),
    Setting("SESSION_IDLE_MINUTES", "60", "minutes without a request after which an officer's session ends "
            "(idle timeout)"),
    Setting("NOTICE_MAX_ATTEMPTS", "40", "delivery attempts before a notice is marked dead (backoff capped at "
            "1 h: 40 attempts ride out about 34 hours of outage); the county desk is then told by the other channel"),
    Setting("WORKER_POLL_SECONDS", "2", "how often the notice worker looks for work"),
    Setting("MAP_TILE_URL", "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
            "map tile URL template for the legal-aid map (WGS-84 tiles; empty for no tiles)"),
    Setting("MAP_TILE_KEY", "", "tile service key (天地图 needs one); without it the map shows points without tiles"),
    Setting("MAP_TILE_DATUM", "WGS-84", "datum of the tiles: WGS-84, GCJ-02 (Amap, Tencent) or BD-09"),
    Setting("MAP_APPROVAL_NO", "", "the tile service's map approval number (审图号), shown beside the map"),
    Setting("SMS_CONSENT_DEFAULT", "0", "`1`: the form's \"send me SMS updates\" box starts ticked (only if the county decided so); `0`: the worker ticks it"),
    Setting("REOPEN_DAYS", "30", "days after an outcome during which a worker's \"not paid\" or \"not satisfied\" reopens the case"),
    Setting("TRUSTED_PROXIES", "", "addresses or networks of the reverse proxies in front of the service (the "
            "nginx of `deploy/`: `127.0.0.1,::1`); X-Forwarded-For/Proto are trusted only from them; empty when "
            "nothing is in front (a bare number is read as loopback only)"),
    Setting("CDN_ADDRESSES", "", "networks of a CDN or load balancer in front of nginx (comma-separated CIDRs); "
            "rendered as nginx `set_real_ip_from`, so nginx and the service see the worker's own address"),
    Setting("OCSP_RESOLVER", "", "DNS resolver(s) nginx asks for OCSP stapling, rendered into the nginx site "
            "(space- or comma-separated addresses); empty: this machine's own, read from /etc/resolv.conf when "
            "rendering; `off`: none (`config check` warns when there is none)"),
    Setting("HSTS_INCLUDE_SUBDOMAINS", "0", "`1` adds `includeSubDomains` to the HSTS header nginx sends (only when "
            "every subdomain of the site's domain is served over https)"),
    Setting("DESK_ALLOW_NETWORKS", "", "networks allowed to reach `/desk/` (comma-separated CIDRs, e.g. the county's "
            "government network), rendered into nginx; empty: the desk is reachable from anywhere"),
    Setting("OFFICER_NOTICE_PERSONAL", "0", "`1` puts the worker's name, mobile and description into officers' "
            "emails; by default notices carry only case number, township, project, urgency, counts and the link"),
    Setting("TIMEZONE", "Asia/Shanghai", "the county's time zone (IANA name): every time a person reads is shown in it; storage stays UTC"),
    Setting("PERSONAL_DATA_RETENTION_DAYS", "0",
            "days after a case is resolved or closed until the worker's name, mobile, description, callback "
            "time, the other party's name, officers' free-text notes, the case's sent notices and its evidence "
            "files are deleted (dates, place, figures, status and routing stay for the statistics); "
            "`0` keeps them (PIPL art. 19, 47: set the county's archive period)"),
    # Open311 (issue 18): partners' requests, transfers to other counties, the provincial platform.
    Setting("PARTNERS_FILE", "", "the partner counties file (default: `<DATA_DIR>/partners.yaml`); `make run` and "
            "`make run-county-b` point it at one written from the ports they run on"),
    Setting("OPEN311_RATE_LIMIT_PER_HOUR", "120", "requests one partner API key may POST per hour to `/open311/v2/`"),
    Setting("OPEN311_EVIDENCE_LINK_HOURS", "24",
            "hours a signed evidence link sent with a transfer to another county stays valid (from the moment "
            "the request is sent; the receiving county fetches each file at once, and a link opens only once)"),
    Setting("PROVINCIAL_OPEN311_URL", "",
            "the provincial platform's Open311 endpoint; with a key set, every new case and status change is "
            "reported there (empty: off)"),
    Setting("PROVINCIAL_OPEN311_KEY", "", "the API key the provincial platform issued to this county"),
    Setting("PROVINCIAL_JURISDICTION_ID", "", "our `jurisdiction_id` at the provincial platform (default: the county code)"),
    Setting("PROVINCIAL_QR_URL", "", "the province's unified wage-complaint address, printed as a second, smaller QR code on every poster (empty: none)"),
    Setting("PROVINCIAL_QR_LABEL", "全省统一欠薪维权二维码", "the words under the provincial QR code"),
    # The desk as the county's one ledger (i17).
    Setting("TEAM_NOTICES", "1", "`1`: a project's 网格员 and 行业监管员 (一项目一专班 columns) get an SMS about a new "
            "complaint on it; `0` turns it off"),
    Setting("CALL_REPORT_HOURS", "24", "hours a department called to a case (吹哨) has to report (报到) before it is "
            "escalated to the county desk"),
    Setting("NEXT_LEVEL_NAME", "", "the level above the county desk (e.g. the city's labour-inspection detachment): "
            "where a case the county desk itself holds is escalated"),
    Setting("NEXT_LEVEL_EMAIL", "", "email of that next level (empty: the county desk's own escalations stay on its desk)"),
    Setting("NEXT_LEVEL_MOBILE", "", "mobile of that next level, for the SMS of an escalation"),
    Setting("METRICS_ALLOW_NETWORKS", "127.0.0.1/32,::1/128", "networks allowed to read `/metrics` (comma-separated "
            "CIDRs: the Prometheus server's); rendered into nginx as well; others get 403"),
    Setting("PROMETHEUS_MULTIPROC_DIR", "", "where gunicorn's processes keep their request counts and timings for "
            "`/metrics` (empty: `wagesafe serve` uses `<VAR_DIR>/prometheus`, emptied at each start)"),
    Setting("READY_HEARTBEAT_SECONDS", "300", "`/readyz` fails when the notice worker's last heartbeat is older "
            "than this, or a notice due to be sent has waited longer"),
    Setting("READY_DISK_FREE_PERCENT", "5", "`/readyz` fails when less than this share of the disk under "
            "`WAGESAFE_VAR_DIR` is free"),
    Setting("LOG_FORMAT", "text", "`text` (one line per event) or `json` (one JSON object per line) for the "
            "service, the worker and the commands; logs carry case numbers, never a worker's name, mobile or words"),
)


# Each kind of SMS has its own Aliyun template (Aliyun sends only registered wordings): the
# notice's kind → the setting holding its template code. `wagesafe config check` wants them all.
SMS_TEMPLATE_SETTINGS: dict[str, str] = {
    "new_case": "ALIYUN_SMS_TEMPLATE_CODE",
    "transfer": "ALIYUN_SMS_TEMPLATE_TRANSFER",
    "worker_receipt": "ALIYUN_SMS_TEMPLATE_RECEIPT",
    "worker_acknowledged": "ALIYUN_SMS_TEMPLATE_ACKNOWLEDGED",
    "worker_transferred": "ALIYUN_SMS_TEMPLATE_WORKER_TRANSFER",
    "worker_outcome": "ALIYUN_SMS_TEMPLATE_OUTCOME",
    "worker_outcome_elsewhere": "ALIYUN_SMS_TEMPLATE_OUTCOME_ELSEWHERE",
    "worker_sent_to_county": "ALIYUN_SMS_TEMPLATE_SENT_TO_COUNTY",
}


@dataclass(frozen=True)
class Config:
    """Typed settings. Build with ``Config.from_env()``; tests pass overrides to it."""

    env: str
    data_dir: Path
    site_dir: Path
    var_dir: Path
    database: Path
    upload_dir: Path
    public_base_url: str
    secret_key: str
    debug: bool
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    smtp_timeout: float
    mail_from: str
    sms_provider: str
    aliyun_sms_access_key_id: str
    aliyun_sms_access_key_secret: str
    aliyun_sms_sign_name: str
    aliyun_sms_template_code: str
    aliyun_sms_endpoint: str
    urgent_workers: int
    urgent_amount_yuan: int
    ack_hours: float
    resolve_days: float
    max_upload_mb: float
    max_uploads: int
    rate_limit_ip_per_10_minutes: int
    rate_limit_mobile_per_day: int
    session_hours: float
    notice_max_attempts: int
    worker_poll_seconds: float
    map_tile_url: str
    map_tile_key: str
    map_tile_datum: str
    map_approval_no: str
    trusted_proxies: str = ""
    personal_data_retention_days: int = 0
    timezone: str = "Asia/Shanghai"
    aliyun_sms_template_transfer: str = ""
    aliyun_sms_template_receipt: str = ""
    aliyun_sms_template_acknowledged: str = ""
    aliyun_sms_template_worker_transfer: str = ""
    aliyun_sms_template_outcome: str = ""
    aliyun_sms_template_outcome_elsewhere: str = ""
    aliyun_sms_template_sent_to_county: str = ""
    sms_consent_default: bool = False
    reopen_days: int = 30
    open311_rate_limit_per_hour: int = 120
    partners_file: str = ""
    open311_evidence_link_hours: float = 24
    provincial_open311_url: str = ""
    provincial_open311_key: str = ""
    provincial_jurisdiction_id: str = ""
    provincial_qr_url: str = ""
    provincial_qr_label: str = "全省统一欠薪维权二维码"
    team_notices: bool = True
    call_report_hours: float = 24.0
    next_level_name: str = ""
    next_level_email: str = ""
    next_level_mobile: str = ""
    rate_limit_device_per_hour: int = 10
    surge_alert_per_10_minutes: int = 100
    session_idle_minutes: float = 60
    cdn_addresses: str = ""
    desk_allow_networks: str = ""
    officer_notice_personal: bool = False
    ocsp_resolver: str = ""
    hsts_include_subdomains: bool = False
    docs_dir: Path = ROOT / "docs"
    content_git_commit: bool = False
    metrics_allow_networks: str = "127.0.0.1/32,::1/128"
    prometheus_multiproc_dir: str = ""
    ready_heartbeat_seconds: float = 300
    ready_disk_free_percent: float = 5
    log_format: str = "text"
    extra: dict = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Config":
        """Read every setting from ``environ`` (default: the process environment), then apply overrides."""
        env = dict(os.environ if environ is None else environ)
        get = lambda s: env.get(s.name) or s.default  # noqa: E731
        raw = {s.name: get(s) for s in SETTINGS}

        def path(name: str) -> Path:
            p = Path(raw[name])
            return p if p.is_absolute() else (Path.cwd() / p)

        var_dir = path("WAGESAFE_VAR_DIR")
        values = dict(
            env=raw["WAGESAFE_ENV"].strip().lower(), data_dir=path("WAGESAFE_DATA_DIR"),
            site_dir=path("WAGESAFE_SITE_DIR"), var_dir=var_dir,
            database=path("WAGESAFE_DATABASE") if raw["WAGESAFE_DATABASE"] else var_dir / "wagesafe.db",
            upload_dir=path("WAGESAFE_UPLOAD_DIR") if raw["WAGESAFE_UPLOAD_DIR"] else var_dir / "uploads",
            public_base_url=raw["PUBLIC_BASE_URL"].rstrip("/"), secret_key=raw["SECRET_KEY"],
            debug=_bool(raw["WAGESAFE_DEBUG"]), smtp_host=raw["SMTP_HOST"], smtp_port=int(raw["SMTP_PORT"]),
            smtp_user=raw["SMTP_USER"], smtp_password=raw["SMTP_PASSWORD"], smtp_starttls=_bool(raw["SMTP_STARTTLS"]),
            smtp_timeout=float(raw["SMTP_TIMEOUT"]), mail_from=raw["MAIL_FROM"],
            sms_provider=raw["SMS_PROVIDER"].strip().lower(),
            aliyun_sms_access_key_id=raw["ALIYUN_SMS_ACCESS_KEY_ID"],
            aliyun_sms_access_key_secret=raw["ALIYUN_SMS_ACCESS_KEY_SECRET"],
            aliyun_sms_sign_name=raw["ALIYUN_SMS_SIGN_NAME"], aliyun_sms_template_code=raw["ALIYUN_SMS_TEMPLATE_CODE"],
            aliyun_sms_endpoint=raw["ALIYUN_SMS_ENDPOINT"],
            urgent_workers=int(raw["URGENT_WORKERS"]), urgent_amount_yuan=int(raw["URGENT_AMOUNT_YUAN"]),
            ack_hours=float(raw["ACK_HOURS"]), resolve_days=float(raw["RESOLVE_DAYS"]),
            max_upload_mb=float(raw["MAX_UPLOAD_MB"]), max_uploads=int(raw["MAX_UPLOADS"]),
            rate_limit_ip_per_10_minutes=_per_10_minutes(env, raw),
            rate_limit_mobile_per_day=int(raw["RATE_LIMIT_MOBILE_PER_DAY"]),
            session_hours=float(raw["SESSION_HOURS"]), notice_max_attempts=int(raw["NOTICE_MAX_ATTEMPTS"]),
            worker_poll_seconds=float(raw["WORKER_POLL_SECONDS"]), map_tile_url=raw["MAP_TILE_URL"],
            map_tile_key=raw["MAP_TILE_KEY"], map_tile_datum=raw["MAP_TILE_DATUM"].upper(),
            map_approval_no=raw["MAP_APPROVAL_NO"], trusted_proxies=raw["TRUSTED_PROXIES"].strip(),
            personal_data_retention_days=int(raw["PERSONAL_DATA_RETENTION_DAYS"]),
            timezone=_zone_name(raw["TIMEZONE"]),
            aliyun_sms_template_transfer=raw["ALIYUN_SMS_TEMPLATE_TRANSFER"],
            aliyun_sms_template_receipt=raw["ALIYUN_SMS_TEMPLATE_RECEIPT"],
            aliyun_sms_template_acknowledged=raw["ALIYUN_SMS_TEMPLATE_ACKNOWLEDGED"],
            aliyun_sms_template_worker_transfer=raw["ALIYUN_SMS_TEMPLATE_WORKER_TRANSFER"],
            aliyun_sms_template_outcome=raw["ALIYUN_SMS_TEMPLATE_OUTCOME"],
            aliyun_sms_template_outcome_elsewhere=raw["ALIYUN_SMS_TEMPLATE_OUTCOME_ELSEWHERE"],
            aliyun_sms_template_sent_to_county=raw["ALIYUN_SMS_TEMPLATE_SENT_TO_COUNTY"],
            sms_consent_default=_bool(raw["SMS_CONSENT_DEFAULT"]), reopen_days=int(raw["REOPEN_DAYS"]),
            open311_rate_limit_per_hour=int(raw["OPEN311_RATE_LIMIT_PER_HOUR"]),
            partners_file=str(path("PARTNERS_FILE")) if raw["PARTNERS_FILE"] else "",
            open311_evidence_link_hours=float(raw["OPEN311_EVIDENCE_LINK_HOURS"]),
            provincial_open311_url=raw["PROVINCIAL_OPEN311_URL"].rstrip("/"),
            provincial_open311_key=raw["PROVINCIAL_OPEN311_KEY"],
            provincial_jurisdiction_id=raw["PROVINCIAL_JURISDICTION_ID"],
            provincial_qr_url=raw["PROVINCIAL_QR_URL"], provincial_qr_label=raw["PROVINCIAL_QR_LABEL"],
            team_notices=_bool(raw["TEAM_NOTICES"]), call_report_hours=float(raw["CALL_REPORT_HOURS"]),
            next_level_name=raw["NEXT_LEVEL_NAME"].strip(), next_level_email=raw["NEXT_LEVEL_EMAIL"].strip(),
            next_level_mobile=raw["NEXT_LEVEL_MOBILE"].strip(),
            rate_limit_device_per_hour=int(raw["RATE_LIMIT_DEVICE_PER_HOUR"]),
            surge_alert_per_10_minutes=int(raw["SURGE_ALERT_PER_10_MINUTES"]),
            session_idle_minutes=float(raw["SESSION_IDLE_MINUTES"]), cdn_addresses=raw["CDN_ADDRESSES"].strip(),
            desk_allow_networks=raw["DESK_ALLOW_NETWORKS"].strip(),
            officer_notice_personal=_bool(raw["OFFICER_NOTICE_PERSONAL"]),
            ocsp_resolver=raw["OCSP_RESOLVER"].strip(), hsts_include_subdomains=_bool(raw["HSTS_INCLUDE_SUBDOMAINS"]),
            docs_dir=path("WAGESAFE_DOCS_DIR") if raw["WAGESAFE_DOCS_DIR"] else ROOT / "docs",
            content_git_commit=_bool(raw["CONTENT_GIT_COMMIT"]),
            metrics_allow_networks=raw["METRICS_ALLOW_NETWORKS"].strip(),
            prometheus_multiproc_dir=raw["PROMETHEUS_MULTIPROC_DIR"].strip(),
            ready_heartbeat_seconds=float(raw["READY_HEARTBEAT_SECONDS"]),
            ready_disk_free_percent=float(raw["READY_DISK_FREE_PERCENT"]),
            log_format=_log_format(raw["LOG_FORMAT"]),
        )
        values.update(overrides)
        return cls(**values)

    def sms_template_codes(self) -> dict[str, str]:
        """Notice kind → Aliyun template code: Aliyun sends only registered templates, one per kind."""
        return {kind: getattr(self, setting.lower())
                for kind, setting in SMS_TEMPLATE_SETTINGS.items()}

    @property
    def trusted_proxy_networks(self) -> tuple:
        """``TRUSTED_PROXIES`` as networks. A bare number (the old meaning: how many proxies) is read
        as "nginx on this machine": loopback only, never "whatever the client wrote"."""
        return proxy_networks(self.trusted_proxies)

    def field_names(self) -> list[str]:
        return [f.name for f in fields(self)]


def _log_format(value: str) -> str:
    value = value.strip().lower()
    if value not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT={value!r}: use text or json")
    return value


def _zone_name(name: str) -> str:
    """An IANA time zone name that this machine knows (the ``tzdata`` package ships them all)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TIMEZONE={name!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    return name.strip()


def _per_10_minutes(env: dict, raw: dict) -> int:
    """``RATE_LIMIT_IP_PER_10_MINUTES``; an old ``RATE_LIMIT_IP_PER_HOUR`` (no longer documented) still counts,
    as a sixth of it, so an environment file written before the change keeps its intent."""
    if not env.get("RATE_LIMIT_IP_PER_10_MINUTES") and env.get("RATE_LIMIT_IP_PER_HOUR"):
        per_hour = int(env["RATE_LIMIT_IP_PER_HOUR"])
        return per_hour if per_hour <= 0 else max(1, -(-per_hour // 6))
    return int(raw["RATE_LIMIT_IP_PER_10_MINUTES"])


LOOPBACK_PROXIES = "127.0.0.1/32,::1/128"


def proxy_networks(value: str) -> tuple:
    """Comma- or space-separated addresses/CIDRs → ``ipaddress`` networks (bad entries raise ValueError)."""
    import ipaddress

    value = (value or "").strip()
    if value.isdigit():
        value = LOOPBACK_PROXIES if int(value) > 0 else ""
    return tuple(ipaddress.ip_network(part, strict=False) for part in value.replace(",", " ").split())


# The demo's own address, remembered under VAR_DIR by `wagesafe demo` (issue 26): a later plain
# `wagesafe build` / `wagesafe posters` / `make build` in the same checkout must point the feed and
# the QR codes at the port the demo runs on, not at PUBLIC_BASE_URL's default.
DEMO_ADDRESS_FILE = "demo-base-url"


def remember_demo_address(config: "Config") -> None:
    """Write the demo's base URL where ``with_demo_address`` finds it."""
    config.var_dir.mkdir(parents=True, exist_ok=True)
    (config.var_dir / DEMO_ADDRESS_FILE).write_text(config.public_base_url + "\n", encoding="utf-8")


def with_demo_address(config: "Config", environ: dict[str, str] | None = None) -> "Config":
    """``config`` with the demo's remembered address when PUBLIC_BASE_URL is not set (never in production)."""
    import dataclasses

    env = os.environ if environ is None else environ
    if config.production or env.get("PUBLIC_BASE_URL"):
        return config
    try:
        remembered = (config.var_dir / DEMO_ADDRESS_FILE).read_text(encoding="utf-8").strip().rstrip("/")
    except OSError:
        return config
    if not remembered.startswith(("http://", "https://")):
        return config
    return dataclasses.replace(config, public_base_url=remembered)
