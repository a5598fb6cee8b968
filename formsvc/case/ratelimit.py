"""Sliding-window rate limits kept in the ``rate_events`` table, shaped so that a shared
address never locks out real workers.

The table lives in the shared SQLite file, so every gunicorn worker sees the same counts;
an in-process counter would let each worker admit its own quota. Checks run inside the
caller's ``BEGIN IMMEDIATE`` transaction, which serialises them: two requests can never
both see "one left" and both pass.

Why the limits look the way they do (issue 15):

- **Only well-formed complaints count.** ``complaints.submit`` takes its limits after the form
  passed CSRF and every field check, so junk posts from one device on a site's Wi-Fi never use
  up the allowance of the real workers behind the same address.
- **Per address: high and short** (``RATE_LIMIT_IP_PER_10_MINUTES``, default 60 in 10 minutes).
  A crew of 30 filing from one dormitory Wi-Fi, a mobile carrier's CGNAT or a CDN share one
  address; a refusal lasts minutes, and the page says exactly how many.
- **Where abuse really shows**: per browser session and per device (a long-lived cookie):
  ``RATE_LIMIT_DEVICE_PER_HOUR``. One phone filing for a whole crew is normal (one complaint
  names the number of workers); one phone filing 20 complaints an hour is not.
- **The per-mobile allowance alerts instead of refusing**: nobody can prove a mobile is theirs
  on a public form (no SMS code), so refusing would let anyone spend a worker's allowance by
  typing their number. Past ``RATE_LIMIT_MOBILE_PER_DAY`` the complaint is stored and the
  county desk is told once that day (``formsvc.case.surge``).
- **A surge alerts, never refuses**: more than ``SURGE_ALERT_PER_10_MINUTES`` complaints county-wide
  in 10 minutes (a collapsed site's whole workforce, or an attack) tells the county desk.
- **Status checks and receipt look-ups count only misses** (guesses), and per what one device
  holds (issue 25): a device cookie the service signed (``formsvc.web.intake.limits``), never a
  cookie the client made up; per receipt (someone trying mobiles against one receipt); and per
  address only far above anything a crew does. A receipt or case this browser filed or already
  opened is never refused, so other people's misses never block a worker's own page.
- **Junk posts** (an expired or forged form token, a form with errors) are refused per device
  only after many, and posts that carry no cookie we issued have a small bucket per address of
  their own: a real worker's browser always holds our cookie, so neither bucket refuses them.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from formsvc.storage.store import iso

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
IP_WINDOW = timedelta(minutes=10)       # the per-address window: short, so a refusal ends soon
SURGE_WINDOW = timedelta(minutes=10)
KEEP = timedelta(days=2)  # older events can no longer count against any window
STATUS_WINDOW = timedelta(minutes=10)
RECEIPT_MISSES_PER_WINDOW = 20  # receipt pages not found, per device in 10 minutes (a guesser's misses)
MISS_WINDOW = STATUS_WINDOW
STATUS_MISSES_PER_DEVICE = 20   # status checks that found nothing, per device in 10 minutes
STATUS_MISSES_PER_RECEIPT = 10  # wrong mobiles tried against one receipt in an hour
RECEIPT_WINDOW = HOUR
MISSES_PER_ADDRESS = 300        # misses per address in 10 minutes: ten times what a crew of 30 could mistype
MISSES_WITHOUT_COOKIE = 20      # misses per address in 10 minutes from clients holding no cookie we signed
JUNK_PER_DEVICE = 30            # junk posts (bad token, form errors) per device in 10 minutes
JUNK_WITHOUT_COOKIE = 30        # junk posts per address in 10 minutes from clients holding no cookie we signed


class RateLimited(Exception):
    """Raised inside a transaction when a limit is reached; the caller rolls back and says 429.

    ``retry_after`` is how long until one event leaves the window (whole seconds, at least 1):
    the refusal page states it instead of "a few minutes"."""

    def __init__(self, key: str, retry_after: int = 60, why: str = ""):
        super().__init__(key)
        self.key = key
        self.retry_after = max(1, int(retry_after))
        self.why = why

    @property
    def kind(self) -> str:
        """``ip``, ``device``, ``session``, ``status``, ``receipt`` ... (what the page may mention):
        the ``why`` given, else the last word of the key's prefix."""
        return self.why or self.key.split(":", 1)[0].rsplit("-", 1)[-1]


def count(db, key: str, window: timedelta, now: datetime, limit: int | None = None) -> int:
    """How many events ``key`` had in the ``window`` before ``now`` (counting stops at ``limit``)."""
    if limit is None:
        return db.conn.execute("SELECT count(*) FROM rate_events WHERE key = ? AND at > ?",
                               (key, iso(now - window))).fetchone()[0]
    return db.conn.execute("SELECT count(*) FROM (SELECT 1 FROM rate_events WHERE key = ? AND at > ? LIMIT ?)",
                           (key, iso(now - window), limit)).fetchone()[0]


def retry_after(db, key: str, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until ``key`` has room again: when the oldest event that keeps it full leaves the window."""
    rows = db.conn.execute("SELECT at FROM rate_events WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
                           (key, iso(now - window), max(limit - 1, 0))).fetchone()
    if rows is None:
        return 1
    leaves = datetime.fromisoformat(rows[0]) + window
    return max(1, math.ceil((leaves - now).total_seconds()))


def take(db, key: str, limit: int, window: timedelta, now: datetime) -> None:
    """Record one event for ``key``, or raise ``RateLimited`` if ``limit`` events are already in the window.

    Call inside a write transaction. Now and then (1 call in 200) old events are deleted, so
    the table stays small without a separate cleaning job.
    """
    take_all(db, [(key, limit, window)], now)


def take_all(db, checks: list[tuple[str, int, timedelta]], now: datetime) -> None:
    """``take`` for several ``(key, limit, window)`` at once, in one statement: each key's event is
    inserted only if its window holds fewer than ``limit`` events. If any key was refused, raises
    ``RateLimited`` for the first such key in the order given; the caller's transaction then rolls
    back, so nothing is recorded."""
    if not checks:
        return
    at, nonce = iso(now), secrets.randbits(62)
    cur = db.conn.executemany(
        "INSERT INTO rate_events (key, at, nonce) SELECT ?, ?, ?"
        " WHERE (SELECT count(*) FROM (SELECT 1 FROM rate_events WHERE key = ? AND at > ? LIMIT ?)) < ?",
        [(key, at, nonce, key, iso(now - window), max(limit, 0), limit) for key, limit, window in checks])
    if cur.rowcount != len(checks):
        for key, limit, window in checks:  # which one was refused (only on this rare path): its event is missing
            if not db.conn.execute("SELECT 1 FROM rate_events WHERE key = ? AND at = ? AND nonce = ?",
                                   (key, at, nonce)).fetchone():
                raise RateLimited(key, retry_after(db, key, limit, window, now))
        raise RateLimited(checks[0][0])  # not reached: some key was refused
    if secrets.randbelow(200) == 0:
        prune(db, now)


def record(db, key: str, now: datetime) -> None:
    """Count one event that is never refused (a surge, a mobile's daily use): alerts read these."""
    db.conn.execute("INSERT OR IGNORE INTO rate_events (key, at, nonce) VALUES (?, ?, ?)",
                    (key, iso(now), secrets.randbits(62)))


def prune(db, now: datetime) -> None:
    """Delete events too old to count against any window."""
    db.conn.execute("DELETE FROM rate_events WHERE at < ?", (iso(now - KEEP),))


def _hashed(value: str) -> str:
    """Cookies and session tokens are stored only as a short hash (the table is not a token store)."""
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def ip_key(ip: str) -> str:
    return f"submit-ip:{ip}"


def device_key(device: str) -> str:
    return f"submit-device:{_hashed(device)}"


def session_key(session_token: str) -> str:
    return f"submit-session:{_hashed(session_token)}"


def mobile_key(mobile: str) -> str:
    return f"submit-mobile:{_hashed(mobile)}"  # a hash: this table is not a second list of workers' numbers


SURGE_KEY = "submit-all"


def miss_key(scope: str, value: str) -> str:
    """A look-up that found nothing (status check, receipt page), counted per ``scope``: ``device``
    (a signed device id), ``nocookie`` (an address, for clients without our cookie), ``receipt``
    (the receipt tried) or ``ip`` (everyone behind an address)."""
    return f"miss-{scope}:{value if scope in ('ip', 'nocookie') else _hashed(value)}"


def junk_key(scope: str, value: str) -> str:
    """A post refused as junk, per ``device`` (signed id) or ``nocookie`` (an address)."""
    return f"junk-{scope}:{value if scope == 'nocookie' else _hashed(value)}"


def over(db, key: str, limit: int, window: timedelta, now: datetime, why: str = "") -> RateLimited | None:
    """The refusal if ``key`` already holds ``limit`` events in ``window`` (nothing is recorded)."""
    if count(db, key, window, now, limit) < limit:
        return None
    return RateLimited(key, retry_after(db, key, limit, window, now), why)
