"""Sliding-window rate limits kept in the ``rate_events`` table.

The table lives in the shared SQLite file, so every gunicorn worker sees the same counts;
an in-process counter would let each worker admit its own quota. Checks run inside the
caller's ``BEGIN IMMEDIATE`` transaction, which serialises them: two requests can never
both see "one left" and both pass.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from formsvc.storage.store import iso

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
KEEP = timedelta(days=2)  # older events can no longer count against any window
STATUS_CHECKS_PER_HOUR = 30  # status lookups per IP: enough for a worker, too few to guess receipts


class RateLimited(Exception):
    """Raised inside a transaction when a limit is reached; the caller rolls back and says 429."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def count(db, key: str, window: timedelta, now: datetime, limit: int | None = None) -> int:
    """How many events ``key`` had in the ``window`` before ``now`` (counting stops at ``limit``)."""
    if limit is None:
        return db.conn.execute("SELECT count(*) FROM rate_events WHERE key = ? AND at > ?",
                               (key, iso(now - window))).fetchone()[0]
    return db.conn.execute("SELECT count(*) FROM (SELECT 1 FROM rate_events WHERE key = ? AND at > ? LIMIT ?)",
                           (key, iso(now - window), limit)).fetchone()[0]


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
        for key, _, _ in checks:  # which one was refused (only on this rare path): its event is missing
            if not db.conn.execute("SELECT 1 FROM rate_events WHERE key = ? AND at = ? AND nonce = ?",
                                   (key, at, nonce)).fetchone():
                raise RateLimited(key)
        raise RateLimited(checks[0][0])  # not reached: some key was refused
    if secrets.randbelow(200) == 0:
        prune(db, now)


def prune(db, now: datetime) -> None:
    """Delete events too old to count against any window."""
    db.conn.execute("DELETE FROM rate_events WHERE at < ?", (iso(now - KEEP),))


def ip_key(ip: str) -> str:
    return f"submit-ip:{ip}"


def mobile_key(mobile: str) -> str:
    return f"submit-mobile:{mobile}"


def status_key(ip: str) -> str:
    return f"status-ip:{ip}"
