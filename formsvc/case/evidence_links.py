"""Signed, short-lived, single-use links to one evidence file, for the county a case is sent to.

A transfer to another county (``formsvc.case.county_transfer``) cannot carry files through
Open311's form fields, and the receiving officers have no account here. So each file goes as a
link that carries its own permission, and the receiving WageSafe fetches the file at once, in its
worker (``formsvc.duties.evidence_fetch``), stores it as its own evidence and never needs the link
again (issue 24). Hence:

- the link is made when the request is *sent* (``formsvc.notify.notifiers.open311``), not when the
  desk asked for the transfer, and lives ``OPEN311_EVIDENCE_LINK_HOURS`` (default 24 h) from then;
- it names the file's size and SHA-256, so the receiver checks what it got;
- it opens once (``evidence_links_used``, keyed by its signature): a copy of the link in a log or a
  mail is worth nothing afterwards; the transfer's id in it lets the desk say the files were received.

Everything in it (evidence id, transfer id, expiry, size, hash) is signed with HMAC-SHA256 under
``SECRET_KEY``: nothing can be changed to open another file or to live longer. A redacted case's
files are gone whatever the link says. Never public: only the receiving system gets the links.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit


def _sig(secret: str, evidence_id: int, expires: int, transfer_id: int = 0, size: int = 0, sha256: str = "") -> str:
    msg = f"evidence:{evidence_id}:{expires}:{transfer_id}:{size}:{sha256}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def make(base_url: str, secret: str, evidence_id: int, now: datetime, hours: float, *, transfer_id: int = 0,
         size: int = 0, sha256: str = "") -> str:
    expires = int((now + timedelta(hours=hours)).timestamp())
    sig = _sig(secret, evidence_id, expires, transfer_id, size, sha256)
    return (f"{base_url.rstrip('/')}/open311/evidence/{evidence_id}"
            f"?expires={expires}&t={transfer_id}&size={size}&sha256={sha256}&sig={sig}")


def valid(secret: str, evidence_id: int, args, now: datetime) -> bool:
    """True if the link's signature covers its id, transfer, size, hash and expiry, and the expiry is ahead.

    :param args: the link's query parameters (a mapping: ``expires``, ``t``, ``size``, ``sha256``, ``sig``).
    """
    try:
        exp, transfer_id, size = int(args.get("expires", "")), int(args.get("t", "0")), int(args.get("size", "0"))
    except (TypeError, ValueError):
        return False
    if exp < now.timestamp():
        return False
    return hmac.compare_digest(_sig(secret, evidence_id, exp, transfer_id, size, args.get("sha256", "")),
                               args.get("sig", "") or "")


def promised(url: str) -> tuple[int | None, str]:
    """The size and SHA-256 a link names (``None``/``""`` when it names none: another kind of partner)."""
    try:
        query = parse_qs(urlsplit(url).query)
        size = int(query["size"][0]) if query.get("size") and query["size"][0] != "0" else None
        sha = (query.get("sha256") or [""])[0].lower()
    except (ValueError, KeyError):
        return None, ""
    return size, sha if len(sha) == 64 and all(c in "0123456789abcdef" for c in sha) else ""
