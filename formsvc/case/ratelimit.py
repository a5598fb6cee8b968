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
- **Status checks and receipt look-ups have their own buckets** per address, so a crew checking
  progress never blocks a crew filing; receipt pages count only misses (guesses), which is
  what throttles receipt guessing without slowing a worker who opens their own receipt.
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
STATUS_CHECKS_PER_WINDOW = 30  # status look-ups per address in 10 minutes: plenty for a crew, too few to guess
STATUS_CHECKS_PER_HOUR = STATUS_CHECKS_PER_WINDOW  # old name, kept for callers
RECEIPT_MISSES_PER_WINDOW = 20  # receipt pages not found, per address in 10 minutes (a guesser's misses)


class RateLimited(Exception):
    """Raised inside a transaction when a limit is reached; the caller rolls back and says 429.

    ``retry_after`` is how long until one event leaves the window (whole seconds, at least 1):
    the refusal page states it instead of "a few minutes"."""

    def __init__(self, key: str, retry_after: int = 60):
        super().__init__(key)
        self.key = key
        self.retry_after = max(1, int(retry_after))

    @property
    def kind(self) -> str:
        """``ip``, ``device``, ``session``, ``status``, ``receipt`` ... (what the page may mention)."""
        return self.key.split(":", 1)[0].rsplit("-", 1)[-1]


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


def status_key(ip: str) -> str:
    return f"status-ip:{ip}"


def receipt_key(ip: str) -> str:
    return f"receipt-ip:{ip}"
