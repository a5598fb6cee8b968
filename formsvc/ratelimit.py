"""Sliding-window rate limits kept in the ``rate_events`` table.

The table lives in the shared SQLite file, so every gunicorn worker sees the same counts;
an in-process counter would let each worker admit its own quota. Checks run inside the
caller's ``BEGIN IMMEDIATE`` transaction, which serialises them: two requests can never
both see "one left" and both pass.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from .store import iso

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
    """``take`` for several ``(key, limit, window)`` at once: one query counts them all (each count
    stops at its limit), one statement records them all. Raises ``RateLimited`` for the first key,
    in the order given, that has reached its limit; then nothing is recorded."""
    if not checks:
        return
    counts = db.conn.execute(
        "SELECT " + ", ".join(["(SELECT count(*) FROM (SELECT 1 FROM rate_events WHERE key = ? AND at > ? LIMIT ?))"]
                              * len(checks)),
        [v for key, limit, window in checks for v in (key, iso(now - window), max(limit, 0))]).fetchone()
    for (key, limit, _), n in zip(checks, counts):
        if n >= limit:
            raise RateLimited(key)
    at = iso(now)
    db.conn.executemany("INSERT INTO rate_events (at, key) VALUES (?, ?)", [(at, key) for key, _, _ in checks])
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
