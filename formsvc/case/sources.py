"""Where a case came from (its channel): one column on the complaint, not a second code path.

Every channel goes through ``complaints.submit``: the QR form and the general form on the web,
leads an officer enters on the desk (12333, 12345, a visit, the national platform's clues, 网格排查,
上级交办, a letter), and requests a partner system POSTs through the Open311 API. The seeds ask
that every lead be "录入…建立问题台账，实现销号管理" (002): one ledger, whatever the channel.

``source_ref`` is the channel's own number for the lead (the national platform's clue number, a
partner system's request id): a unique index on (source, source_ref) makes entering it twice find
the first case instead of making a second one.
"""

from __future__ import annotations

# code -> (Chinese, English); the order is the order of the desk's lists.
SOURCES: dict[str, tuple[str, str]] = {
    "qr": ("工地二维码", "site QR code"),
    "web": ("网上投诉表", "online form"),
    "phone_12333": ("12333 电话", "12333 phone line"),
    "hotline_12345": ("12345 政务服务热线", "12345 government hotline"),
    "visit": ("来访", "visit in person"),
    "national_platform": ("全国根治欠薪线索反映平台", "national wage-arrears clue platform"),
    "grid_check": ("网格排查", "grid check"),
    "assigned": ("上级交办", "assigned from above"),
    "letter": ("来信", "letter"),
    "partner": ("其他系统转入（Open311）", "partner system (Open311)"),
    "other": ("其他", "other"),
}

# Channels a worker uses themselves on the web (the rest are entered by an officer or a system).
WEB_SOURCES = ("qr", "web")


def web_source(project_code: str | None) -> str:
    """The source of a complaint from the web form: the QR form carries a project, the general form not."""
    return "qr" if project_code else "web"


def label(code: str, lang: str = "zh") -> str:
    """The channel in words (never the raw code on a page); an unknown code is shown as it is."""
    zh, en = SOURCES.get(code, (code, code))
    return en if lang == "en" else zh


def ref_words(source: str, source_ref: str, partners=None) -> str:
    """A channel's own number as the officer reads it. A case another county transferred here came
    with ``<key name>:<their county>-<their case id>-<random>`` (the Open311 idempotency key): it is
    shown as that county's name and its case number (``青禾县 案件 4``), never the key."""
    source_ref = source_ref or ""
    if source != "partner" or ":" not in source_ref:
        return source_ref
    name, number = _partner_ref(source_ref, partners)
    return f"{name or '协作系统'} 案件 {number}" if number else f"{name or '协作系统'}转来"


def _partner_ref(source_ref: str, partners) -> tuple[str, str]:
    """(the sending county's Chinese name or "", its case number or "") from a partner's ``source_ref``."""
    key_name, _, idem = (source_ref or "").partition(":")
    parts = idem.split("-")
    counties = partners.counties if partners is not None else {}
    code = parts[0] if len(parts) >= 3 and parts[0] in counties else key_name
    name = counties[code].name_zh if code in counties else ""
    number = parts[-2] if len(parts) >= 3 and parts[-2].isdigit() else ""
    return name, number


def words(source: str, source_ref: str, partners) -> str:
    """Where a case came from, as the desk's case page and the CSV both say it: "由白水县转来" for a case
    another county sent, else the channel's label."""
    county = sending_county(source, source_ref, partners)
    return f"由{county}转来" if county else label(source)


def sending_county(source: str, source_ref: str, partners) -> str:
    """The county that sent a case here (``青禾县``), or "" for any other case or an unknown partner: the
    desk's timeline and case page, the officer's email and the worker's SMS name it (a worker who
    complained there was never told of this county by us before)."""
    if source != "partner" or ":" not in (source_ref or ""):
        return ""
    return _partner_ref(source_ref, partners)[0]
