"""Who a worker-facing request comes from, for the limits that must only refuse the one who floods.

Issue 25: an address is shared (a site's Wi-Fi, a carrier's CGNAT), so the tight limits are kept
per *device*, and a device is only what the service itself issued and can verify:

- the **device cookie** (``wsdev``) is a random id signed with SECRET_KEY. A made-up cookie
  (``Cookie: wsdev=x`` or ``session=x``) fails the signature and counts as *no cookie*; a client
  without our cookie meets a small bucket per address that a real worker's browser (which got the
  cookie with the form) never falls into;
- the receipts this browser **filed or already opened** are kept in its signed session: its own
  receipt page and status check are never refused, whatever other people behind the address did.

The decisions are made here, after Flask-WTF has judged the form (valid, or junk), never by nginx:
nginx keeps only per-address buckets far above any crew (``deploy/nginx``).
"""

from __future__ import annotations

import secrets

from flask import request, session
from itsdangerous import BadSignature, Signer

from formsvc.case import ratelimit
from formsvc.storage import store
from formsvc.web.context import get_config, get_db

DEVICE_COOKIE = "wsdev"
COOKIE_SECONDS = 365 * 24 * 3600
OWN_RECEIPTS = "mine"   # session key: receipts this browser filed or opened (the newest few)
OWN_KEEP = 10


def _signer() -> Signer:
    return Signer(get_config().secret_key, salt="wagesafe-device")


def new_device_cookie() -> str:
    """A fresh signed device id, as the cookie's value."""
    return _signer().sign(secrets.token_urlsafe(12)).decode()


def device() -> str:
    """The verified device id of this request, or "" (no cookie, or one we did not sign)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if not value or len(value) > 200:
        return ""
    try:
        return _signer().unsign(value).decode()
    except BadSignature:
        return ""


def give_device_cookie(response):
    """Set a signed device cookie on ``response`` unless the browser already holds a valid one."""
    if not device():
        response.set_cookie(DEVICE_COOKIE, new_device_cookie(), max_age=COOKIE_SECONDS, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    return response


def _ip() -> str:
    return request.remote_addr or ""


# --- the receipts this browser may always open --------------------------------------------------------------------

def remember_receipt(receipt: str) -> None:
    """This browser filed (or opened with the right mobile) ``receipt``: never refuse it here again."""
    mine = [r for r in session.get(OWN_RECEIPTS, []) if r != receipt]
    session[OWN_RECEIPTS] = (mine + [receipt])[-OWN_KEEP:]


def is_own(receipt: str) -> bool:
    return bool(receipt) and receipt in session.get(OWN_RECEIPTS, [])


# --- look-ups that may be guesses: status checks and receipt pages ------------------------------------------------

def _miss_buckets(receipt: str, per_device: int) -> list[tuple[str, int, object, str]]:
    dev, ip = device(), _ip()
    if dev:
        buckets = [(ratelimit.miss_key("device", dev), per_device, ratelimit.MISS_WINDOW, "phone")]
    else:
        buckets = [(ratelimit.miss_key("nocookie", ip), ratelimit.MISSES_WITHOUT_COOKIE, ratelimit.MISS_WINDOW,
                    "nocookie")]
    if receipt:
        buckets.append((ratelimit.miss_key("receipt", receipt), ratelimit.STATUS_MISSES_PER_RECEIPT,
                        ratelimit.RECEIPT_WINDOW, "thisreceipt"))
    if ip:
        buckets.append((ratelimit.miss_key("ip", ip), ratelimit.MISSES_PER_ADDRESS, ratelimit.MISS_WINDOW, "many"))
    return buckets


def lookup_refused(receipt: str, *, per_device: int = ratelimit.STATUS_MISSES_PER_DEVICE,
                   per_receipt: bool = True) -> ratelimit.RateLimited | None:
    """Before a look-up by receipt: the refusal if this device (or this receipt, or the whole
    address far above a crew) has missed too often; ``None`` to go ahead. A receipt this browser
    filed or opened before is never refused."""
    if is_own(receipt):
        return None
    db, now = get_db(), store.utcnow()
    for key, limit, window, why in _miss_buckets(receipt if per_receipt else "", per_device):
        refused = ratelimit.over(db, key, limit, window, now, why)
        if refused:
            return refused
    return None


def lookup_missed(receipt: str, *, per_receipt: bool = True) -> None:
    """A look-up found nothing: count it in every bucket it belongs to."""
    db, now = get_db(), store.utcnow()
    with store.write_transaction(db):
        for key, _limit, _window, _why in _miss_buckets(receipt if per_receipt else "", 0):
            ratelimit.record(db, key, now)


# --- junk posts ----------------------------------------------------------------------------------------------------

def _junk_bucket() -> tuple[str, int, str]:
    dev = device()
    if dev:
        return ratelimit.junk_key("device", dev), ratelimit.JUNK_PER_DEVICE, "junk"
    return ratelimit.junk_key("nocookie", _ip()), ratelimit.JUNK_WITHOUT_COOKIE, "nocookie"


def junk_refused() -> ratelimit.RateLimited | None:
    """Before a worker-facing post is read: the refusal if this device (or, without our cookie,
    this address's cookieless clients) already sent too much junk."""
    key, limit, why = _junk_bucket()
    return ratelimit.over(get_db(), key, limit, ratelimit.MISS_WINDOW, store.utcnow(), why)


def junk_seen() -> None:
    """This post was junk (a bad token, a form with errors, the bots' hidden field): count it."""
    key, _limit, _why = _junk_bucket()
    db = get_db()
    with store.write_transaction(db):
        ratelimit.record(db, key, store.utcnow())
