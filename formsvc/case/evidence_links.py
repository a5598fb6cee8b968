"""Signed, expiring links to one evidence file, for the officers of another county.

A transfer to another county (``formsvc.case.county_transfer``) cannot hand over the files
themselves through Open311, and the receiving officers have no account here. So each file goes
as a link that carries its own permission: the evidence id and an expiry time, signed with
HMAC-SHA256 under ``SECRET_KEY``. Nothing in it is guessable or can be changed to open another
file or to live longer; it expires after ``OPEN311_EVIDENCE_LINK_HOURS``, and a redacted case's
files are gone whatever the link says. Never public: only the receiving system gets the links.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta


def _sig(secret: str, evidence_id: int, expires: int) -> str:
    msg = f"evidence:{evidence_id}:{expires}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def make(base_url: str, secret: str, evidence_id: int, now: datetime, hours: float) -> str:
    expires = int((now + timedelta(hours=hours)).timestamp())
    return (f"{base_url.rstrip('/')}/open311/evidence/{evidence_id}"
            f"?expires={expires}&sig={_sig(secret, evidence_id, expires)}")


def valid(secret: str, evidence_id: int, expires: str, sig: str, now: datetime) -> bool:
    """True if ``sig`` is this id's and this expiry's, and the expiry is still ahead."""
    try:
        exp = int(expires)
    except (TypeError, ValueError):
        return False
    if exp < now.timestamp():
        return False
    return hmac.compare_digest(_sig(secret, evidence_id, exp), sig or "")
