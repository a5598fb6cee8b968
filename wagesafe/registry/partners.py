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


def _text(entry: dict, key: str, where: str, required: bool = True) -> str:
    value = entry.get(key, "")
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValueError(f"{where}: “{key}” is missing")
    return value


def load_partners(data_dir: str | Path) -> Partners:
    """Read ``partners.yaml`` (no file: no partners, no extra services).

    :raises ValueError: with the entry and the field, so an editor can fix the file.
    """
    path = Path(data_dir) / FILE_NAME
    if not path.is_file():
        return EMPTY
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    counties: dict[str, PartnerCounty] = {}
    for i, entry in enumerate(doc.get("partner_counties") or [], 1):
        where = f"{FILE_NAME}: partner_counties #{i}"
        code = _text(entry, "code", where)
        if not CODE_RE.match(code):
            raise ValueError(f"{where}: code {code!r} must be lower-case letters, digits, - or _")
        url = _text(entry, "open311_url", where).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{where}: open311_url must start with https:// (http:// only on a test machine)")
        setting = _text(entry, "key_setting", where)
        if not SETTING_RE.match(setting):
            raise ValueError(f"{where}: key_setting {setting!r} must be an environment variable name")
        counties[code] = PartnerCounty(
            code=code, name_zh=_text(entry, "name_zh", where), name_en=_text(entry, "name_en", where, False) or code,
            open311_url=url, jurisdiction_id=_text(entry, "jurisdiction_id", where, False) or code,
            key_setting=setting, status_url=_text(entry, "status_url", where, False))
    services = []
    for i, entry in enumerate((doc.get("open311") or {}).get("services") or [], 1):
        where = f"{FILE_NAME}: open311.services #{i}"
        code = _text(entry, "code", where)
        if not CODE_RE.match(code):
            raise ValueError(f"{where}: code {code!r} must be lower-case letters, digits, - or _")
        services.append(ExtraService(code=code, name_zh=_text(entry, "name_zh", where),
                                     name_en=_text(entry, "name_en", where, False) or code,
                                     description_zh=_text(entry, "description_zh", where, False)))
    return Partners(counties=counties, services=tuple(services))
