"""Times as people read them: the county's zone (``TIMEZONE``, default Asia/Shanghai), in one place.

Storage stays UTC (``formsvc.storage.store.iso``); every page, email, SMS, CSV and report that a
person reads converts here, at the edge. A complaint filed at 07:53 Beijing time is stored as
23:53 UTC of the day before: shown raw, the worker and the officer would read the wrong day.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def zone(name: str = DEFAULT_ZONE) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_ZONE)


def _as_datetime(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # stored times are UTC; a naive one is read as such
        value = value.replace(tzinfo=timezone.utc)
    return value


def to_local(value: datetime | str, zone_name: str = DEFAULT_ZONE) -> datetime:
    """A stored time (aware ``datetime`` or UTC ISO text) in the county's zone."""
    return _as_datetime(value).astimezone(zone(zone_name))


BEIJING_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC")


def zone_words(zone_name: str = DEFAULT_ZONE, lang: str = "zh") -> str:
    """The zone as a reader says it: 北京时间 / Beijing time, else the zone's own name."""
    if (zone_name or DEFAULT_ZONE) in BEIJING_ZONES:
        return "Beijing time" if lang == "en" else "北京时间"
    return zone_name


def format_local(value: datetime | str | None, zone_name: str = DEFAULT_ZONE, fmt: str = "%Y-%m-%d %H:%M",
                 *, with_zone: bool = False, lang: str = "zh") -> str:
    """``2026-12-01 07:53`` (and `` 北京时间`` / `` Beijing time`` / the zone's name with ``with_zone``,
    in ``lang``); empty for no time."""
    if value in (None, ""):
        return ""
    local = to_local(value, zone_name)
    text = local.strftime(fmt)
    if with_zone:
        words = zone_words(zone_name, lang)
        text += f" {words}" if words != zone_name else f" ({zone_name})"
    return text


def iso_local(value: datetime | str | None, zone_name: str = DEFAULT_ZONE) -> str:
    """ISO 8601 with the zone's offset (``2026-12-01T07:53:00+08:00``), for CSV and APIs; empty for none."""
    if value in (None, ""):
        return ""
    return to_local(value, zone_name).isoformat(timespec="seconds")
