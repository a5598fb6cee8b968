"""Field rules shared by the registry check and the complaint form.

One place decides what a valid mobile number or project code is, so the registry check,
the form service and the synthetic generator can never disagree.
"""

from __future__ import annotations

import re
from datetime import date

# Short, stable, URL-safe, typeable from a poster: lowercase letters, digits, inner hyphens.
PROJECT_CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,14}[a-z0-9])$")
TOWNSHIP_CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,23}$")
# Mainland mobile numbers: 11 digits, 1 then 3-9.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# A landline with area code, a mobile, or a short service number (12333, 12348, 110).
PHONE_RE = re.compile(r"^(?:0\d{2,3}-\d{7,8}(?:-\d{1,5})?|1[3-9]\d{9}|1\d{2,4}|400-?\d{3}-?\d{4})$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
# Mainland China's bounding box, generous: a coordinate outside it is a typo or swapped lat/lon.
CHINA_LAT = (3.8, 53.6)
CHINA_LON = (73.4, 135.1)


def normalize_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86/86 prefix that people type, leaving 11 digits."""
    v = re.sub(r"[\s\-()]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("86") and len(v) == 13:
        v = v[2:]
    return v


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(normalize_mobile(value)))


def is_phone(value: str) -> bool:
    return bool(PHONE_RE.match((value or "").strip()))


def is_email(value: str) -> bool:
    return bool(EMAIL_RE.match((value or "").strip()))


def is_project_code(value: str) -> bool:
    return bool(PROJECT_CODE_RE.match(value or ""))


def parse_date(value: str) -> date:
    """Parse an ISO date (YYYY-MM-DD); raise ValueError with a reason an editor understands."""
    v = (value or "").strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", v):
        raise ValueError(f"'{v}' is not a date as YYYY-MM-DD")
    return date.fromisoformat(v)


def parse_coordinate(lat: str, lon: str) -> tuple[float, float]:
    """Parse WGS-84 latitude and longitude in decimal degrees, inside China."""
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError(f"'{lat}, {lon}' is not a pair of decimal degrees") from None
    if not (CHINA_LAT[0] <= la <= CHINA_LAT[1]) or not (CHINA_LON[0] <= lo <= CHINA_LON[1]):
        hint = " (latitude and longitude swapped?)" if CHINA_LAT[0] <= lo <= CHINA_LAT[1] else ""
        raise ValueError(f"{la}, {lo} lies outside China{hint}")
    return la, lo
