"""Partner counties and the county's own Open311 services: ``<DATA_DIR>/partners.yaml`` (optional).

The seeds ask that a complaint "不属于本地管辖的，及时通过系统转送相关地区" (002) and for
"一点举报、全网联动" (004). A county lists here the counties it can transfer a case to: each
one's name, its Open311 GeoReport v2 endpoint, the ``jurisdiction_id`` it answers to, and the
NAME of the environment setting that holds the API key that county issued to us (the key itself
never sits in the registry, which editors keep in git).

It also lists extra Open311 services the county offers beside the two built-in ones (wage
arrears on a construction project, wage arrears elsewhere). Read separately from
``load_registry`` so a county without partners changes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml


FILE_NAME = "partners.yaml"
CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
SETTING_RE = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")


@dataclass(frozen=True)
class PartnerCounty:
    """A county we may transfer cases to, through its Open311 endpoint."""

    code: str
    name_zh: str
    name_en: str
    open311_url: str  # the base, e.g. https://wage.baishui.example.gov.cn/open311/v2
    jurisdiction_id: str
    key_setting: str  # name of the environment variable holding the key that county gave us
    status_url: str = ""  # where the worker follows the case there (their /status page)

    def api_key(self, environ: dict | None = None) -> str:
        return (os.environ if environ is None else environ).get(self.key_setting, "")


@dataclass(frozen=True)
class ExtraService:
    """A service the county configures beyond the built-in two (e.g. 劳务派遣欠薪)."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str = ""


@dataclass(frozen=True)
class Partners:
    counties: dict[str, PartnerCounty]
    services: tuple[ExtraService, ...] = ()


EMPTY = Partners(counties={}, services=())

COUNTY_FIELDS = {"code", "name_zh", "name_en", "open311_url", "jurisdiction_id", "key_setting", "status_url"}
SERVICE_FIELDS = {"code", "name_zh", "name_en", "description_zh"}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class PartnersError(ValueError):
    """``partners.yaml`` has problems; ``problems`` lists every one (Chinese first, then English),
    each naming the file and the entry, so an editor fixes the file in one pass."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        return "\n".join([*self.problems, f"{FILE_NAME}：共 {len(self.problems)} 个问题，协作县一个也不会用 "
                           f"({len(self.problems)} problem(s); no partner county is used until it is fixed)"])


def is_loopback_host(host: str) -> bool:
    """True when ``host`` (a name or an address, IPv6 with or without brackets) is this machine."""
    import ipaddress

    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is this machine (127.0.0.0/8, ::1, localhost): the demo and the tests."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return is_loopback_host(host)


def _text(entry: dict, key: str) -> str:
    value = entry.get(key, "")
    return "" if value is None else str(value).strip()


def _check_url(url: str, field: str, where: str, production: bool, problems: list[str]) -> None:
    """https, except plain http to this machine outside production (the demo's two counties)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        ok_host = bool(parts.hostname)
    except ValueError:
        parts, ok_host = None, False
    if parts is None or parts.scheme not in ("http", "https") or not ok_host:
        problems.append(f"{where}：{field} 不是网址，应为 https://… （{field} is not an https:// address: {url!r}）")
    elif parts.scheme == "http" and (production or not is_loopback_url(url)):
        problems.append(f"{where}：{field} 必须用 https://；http 会把投诉人的姓名、手机号和我们的密钥明文送出"
                        f"（只有开发环境中的本机地址可用 http） ({field} must use https: plain http would carry the "
                        f"worker's name, mobile and our API key in clear; http only to this machine in development)")


def check_partners(data_dir: str | Path, *, production: bool = False) -> tuple[Partners, list[str]]:
    """Read and check ``partners.yaml`` (``data_dir``: the registry directory, or the file itself, see
    :func:`partners_source`); return what is valid and every problem found.

    Checks: YAML that parses, the two lists' shapes, known field names, required fields, unique
    codes, the key setting named as an environment variable, https (plain http only to a loopback
    host, and only outside production). A file with any problem yields :data:`EMPTY`, so a typo
    never half-configures the partners (see :func:`load_partners`).
    """
    path = Path(data_dir)
    if path.suffix not in (".yaml", ".yml"):
        path = path / FILE_NAME
    label = path.name
    if not path.is_file():
        return EMPTY, []
    problems: list[str] = []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        line = f"第 {mark.line + 1} 行" if mark is not None else ""
        return EMPTY, [f"{label}{line}：不是有效的 YAML，请检查缩进和冒号 (not valid YAML: {str(e).splitlines()[0]})"]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return EMPTY, [f"{label}：顶层应是 partner_counties 和 open311 两项 (the top level must be a mapping "
                       "with partner_counties and open311)"]
    for key in doc:
        if key not in ("partner_counties", "open311"):
            problems.append(f"{label}：不认识的项 {key!r}，只能是 partner_counties 或 open311 (unknown key {key!r})")
    counties: dict[str, PartnerCounty] = {}
    entries = doc.get("partner_counties") or []
    if not isinstance(entries, list):
        problems.append(f"{label}：partner_counties 应是列表（每个协作县一项，以 “- code:” 开头） "
                        "(partner_counties must be a list)")
        entries = []
    settings_seen: dict[str, str] = {}
    for i, entry in enumerate(entries, 1):
        where = f"{label} partner_counties 第 {i} 项"
        if not isinstance(entry, dict):
            problems.append(f"{where}：应是 code、name_zh、open311_url、key_setting 等字段 (entry #{i} must be a mapping)")
            continue
        code = _text(entry, "code")
        if code:
            where += f"（{code}）"
        for key in entry:
            if key not in COUNTY_FIELDS:
                problems.append(f"{where}：不认识的字段 {key!r}，可用：{', '.join(sorted(COUNTY_FIELDS))} (unknown field {key!r})")
        missing = [k for k in ("code", "name_zh", "open311_url", "key_setting") if not _text(entry, k)]
        for k in missing:
            problems.append(f"{where}：缺少 {k} ({k} is missing)")
        if code and not CODE_RE.match(code):
            problems.append(f"{where}：code 只能用小写字母、数字、- 或 _，以字母开头 (code {code!r}: lower-case letters, "
                            "digits, - or _)")
        elif code in counties:
            problems.append(f"{where}：code {code} 重复，每个协作县的 code 必须不同 (code {code} is listed twice)")
        url = _text(entry, "open311_url").rstrip("/")
        if url:
            _check_url(url, "open311_url", where, production, problems)
        status_url = _text(entry, "status_url")
        if status_url:
            _check_url(status_url, "status_url", where, production, problems)
        setting = _text(entry, "key_setting")
        if setting and not SETTING_RE.match(setting):
            problems.append(f"{where}：key_setting 应是环境变量名（大写字母、数字、_，如 PARTNER_KEY_BAISHUI），"
                            f"不是密钥本身 (key_setting {setting[:12]!r}… must name an environment variable, not be the key)")
        elif setting in settings_seen:
            problems.append(f"{where}：key_setting {setting} 已用于 {settings_seen[setting]}，每个县的密钥应分开 "
                            f"(key_setting {setting} is already used by {settings_seen[setting]})")
        elif setting:
            settings_seen[setting] = code
        if not missing and not problems_for(where, problems):
            counties[code] = PartnerCounty(
                code=code, name_zh=_text(entry, "name_zh"), name_en=_text(entry, "name_en") or code,
                open311_url=url, jurisdiction_id=_text(entry, "jurisdiction_id") or code,
                key_setting=setting, status_url=status_url)
    services = []
    open311 = doc.get("open311") or {}
    raw_services = open311.get("services") or [] if isinstance(open311, dict) else None
    if not isinstance(raw_services, list):
        problems.append(f"{label}：open311.services 应是列表 (open311.services must be a list)")
        raw_services = []
    seen_services: set[str] = set()
    for i, entry in enumerate(raw_services, 1):
        where = f"{label} open311.services 第 {i} 项"
        if not isinstance(entry, dict):
            problems.append(f"{where}：应是 code、name_zh 等字段 (entry #{i} must be a mapping)")
            continue
        code = _text(entry, "code")
        for key in entry:
            if key not in SERVICE_FIELDS:
                problems.append(f"{where}：不认识的字段 {key!r} (unknown field {key!r})")
        for k in ("code", "name_zh"):
            if not _text(entry, k):
                problems.append(f"{where}：缺少 {k} ({k} is missing)")
        if code and not CODE_RE.match(code):
            problems.append(f"{where}：code 只能用小写字母、数字、- 或 _ (code {code!r}: lower-case letters, digits, - or _)")
        elif code in seen_services:
            problems.append(f"{where}：code {code} 重复 (code {code} is listed twice)")
        seen_services.add(code)
        services.append(ExtraService(code=code, name_zh=_text(entry, "name_zh"), name_en=_text(entry, "name_en") or code,
                                     description_zh=_text(entry, "description_zh")))
    if problems:
        return EMPTY, problems
    return Partners(counties=counties, services=tuple(services)), []


def partners_source(config) -> Path:
    """The partner file a running county uses: ``PARTNERS_FILE`` when set (the demo pairing writes
    one from the ports it runs on, ``scripts/demo-partners.sh``), else ``<DATA_DIR>/partners.yaml``."""
    return Path(config.partners_file) if getattr(config, "partners_file", "") else Path(config.data_dir) / FILE_NAME


def problems_for(where: str, problems: list[str]) -> bool:
    return any(p.startswith(where) for p in problems)


def load_partners(data_dir: str | Path, *, production: bool = False) -> Partners:
    """Read ``partners.yaml`` (no file: no partners, no extra services).

    :raises PartnersError: with every problem, each naming the file and the entry.
    """
    partners, problems = check_partners(data_dir, production=production)
    if problems:
        raise PartnersError(problems)
    return partners

