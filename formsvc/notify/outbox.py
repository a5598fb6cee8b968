"""The transactional outbox: notices are rows written in the same transaction as the change
that causes them, and a separate worker delivers them.

A web request therefore never waits on SMTP or SMS, and a crash between "complaint stored"
and "officer told" cannot lose the notice: it is either in the database with the complaint,
or neither is. ``dedupe_key`` makes queuing idempotent (the same escalation, reminder or
report is never queued twice); notices queued with the complaint that causes them need none
(the complaint's own UNIQUE submission token makes that transaction once-only).
"""

from __future__ import annotations

import sqlite_utils

from formsvc.storage.store import iso, utcnow

# open311: a request to another county's or the province's Open311 endpoint (notifiers/open311.py).
CHANNELS = ("email", "sms", "open311")


def enqueue(db: sqlite_utils.Database, *, kind: str, channel: str, recipient: str, body: str, subject: str = "",
            complaint_id: int | None = None, dedupe_key: str | None = None) -> bool:
    """Queue one notice inside the caller's transaction; return False if ``dedupe_key`` was already queued."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    now = iso(utcnow())
    cur = db.conn.execute(
        "INSERT INTO notices (complaint_id, created_at, kind, channel, recipient, subject, body, dedupe_key,"
        " status, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)"
        " ON CONFLICT(dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
        (complaint_id, now, kind, channel, recipient, subject, body, dedupe_key, now))
    return cur.rowcount == 1


def enqueue_all(db: sqlite_utils.Database, notices, *, complaint_id: int, now: str) -> None:
    """Queue the notices a new complaint causes (``formsvc.notify.notices.Notice``), in the complaint's own
    transaction: one statement, no ``dedupe_key`` (that transaction is once-only already)."""
    rows = [(complaint_id, now, n.kind, n.channel, n.recipient, n.subject, n.body, now) for n in notices]
    if any(channel not in ("email", "sms") for _, _, _, channel, *_ in rows):
        raise ValueError("unknown channel")
    db.conn.executemany(
        "INSERT INTO notices (complaint_id, created_at, kind, channel, recipient, subject, body, status, attempts,"
        " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)", rows)
