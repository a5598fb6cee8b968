"""What monitoring reads about the work done out of sight: heartbeats, last runs, delivery counts.

The processes that answer ``/metrics`` and ``/readyz`` (gunicorn's workers) are not the ones doing the
work they report on (the notice worker, a systemd timer's backup), so the facts live in the database
they share (tables ``ops_marks`` and ``ops_counters``, migration ``0012_i28_operations``): right for
every process, kept across restarts, and read in one query at scrape time.

- ``mark`` records that something ran (``ok`` or not, with a short detail for the operator: a path, a
  count, a reason; never a worker's data). The last success keeps its own time, so "the backup failed
  tonight" does not erase "the last good backup was yesterday".
- ``count`` adds to a counter inside the caller's transaction (the notice's own status change), so a
  delivery is counted exactly when it is recorded.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from .store import iso, write_transaction

HEARTBEAT = "worker_heartbeat"
BACKUP = "backup"
BACKUP_VERIFY = "backup_verify"
MAX_DETAIL = 300


def duty(name: str) -> str:
    """The mark of one periodic duty (``formsvc.duties.scheduler``)."""
    return f"duty:{name}"


def mark(db: sqlite_utils.Database, name: str, now: datetime, *, ok: bool = True, detail: str = "",
         in_transaction: bool = False) -> None:
    """Record that ``name`` ran at ``now`` (in its own short transaction unless ``in_transaction``)."""
    at = iso(now)
    sql = ("INSERT INTO ops_marks (name, at, ok, ok_at, detail) VALUES (?, ?, ?, ?, ?)"
           " ON CONFLICT(name) DO UPDATE SET at = excluded.at, ok = excluded.ok,"
           " ok_at = COALESCE(excluded.ok_at, ops_marks.ok_at), detail = excluded.detail")
    args = (name, at, int(ok), at if ok else None, detail[:MAX_DETAIL])
    if in_transaction:
        db.conn.execute(sql, args)
        return
    with write_transaction(db):
        db.conn.execute(sql, args)


def count(db: sqlite_utils.Database, name: str, label: str = "", n: int = 1) -> None:
    """Add ``n`` to counter ``name{label}``; call it inside the transaction that records what is counted."""
    if n:
        db.conn.execute("INSERT INTO ops_counters (name, label, value) VALUES (?, ?, ?)"
                        " ON CONFLICT(name, label) DO UPDATE SET value = value + excluded.value", (name, label, n))


def marks(db: sqlite_utils.Database) -> dict[str, dict]:
    """name → {at, ok, ok_at, detail} of every mark."""
    return {row[0]: {"at": row[1], "ok": bool(row[2]), "ok_at": row[3], "detail": row[4]}
            for row in db.conn.execute("SELECT name, at, ok, ok_at, detail FROM ops_marks")}


def counters(db: sqlite_utils.Database) -> dict[tuple[str, str], int]:
    """(name, label) → value of every counter."""
    return {(row[0], row[1]): row[2] for row in db.conn.execute("SELECT name, label, value FROM ops_counters")}
