"""Officers' sessions, kept on the server. No Flask in here.

Why not only the signed cookie (as before): a signed cookie cannot be taken back. Signing out
cleared the browser's copy, but a copied cookie (a shared office PC, a synced browser profile, a
proxy log) kept working until it expired — 8 hours, and still after a password change. Now the
cookie carries only a random session id; the row here (its SHA-256, never the id itself) says
whose it is, since when, and whether it has ended. Every desk request checks the row:

- **sign-out** ends that session (``end``);
- a **password change** and an admin's **"sign out everywhere"** end all of the account's sessions
  (``end_all``);
- **idle timeout** (``SESSION_IDLE_MINUTES``, default 60): no request for that long ends it;
- **absolute timeout** (``SESSION_HOURS``, default 8): counted from sign-in, whatever the activity.

``last_seen_at`` is written at most once a minute per session, so reading the desk does not turn
every page view into a database write.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from formsvc.storage.store import iso, write_transaction

TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db, user_id: int, now: datetime, ip: str = "", user_agent: str = "") -> str:
    """A new session for ``user_id``; returns the random id for the cookie (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.conn.execute("INSERT INTO desk_sessions (id_hash, user_id, created_at, last_seen_at, ip, user_agent)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (_hash(token), user_id, iso(now), iso(now), ip[:64], user_agent[:200]))
    return token


def check(db, token: str, now: datetime, *, idle: timedelta, absolute: timedelta) -> int | None:
    """The user id of a live session, or ``None`` (unknown, ended, idle too long, or too old).

    A session found past a timeout is ended here, with the reason, so the list of open sessions
    stays true."""
    if not token:
        return None
    row = db.conn.execute("SELECT user_id, created_at, last_seen_at, ended_at FROM desk_sessions WHERE id_hash = ?",
                          (_hash(token),)).fetchone()
    if row is None or row[3] is not None:
        return None
    user_id, created, seen = row[0], datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2])
    why = "absolute timeout" if now - created >= absolute else "idle timeout" if now - seen >= idle else ""
    if why:
        end(db, token, now, why)
        return None
    if now - seen >= TOUCH_EVERY:
        with write_transaction(db):
            db.conn.execute("UPDATE desk_sessions SET last_seen_at = ? WHERE id_hash = ? AND ended_at IS NULL",
                            (iso(now), _hash(token)))
    return user_id


def end(db, token: str, now: datetime, why: str = "sign-out") -> bool:
    if not token:
        return False
    with write_transaction(db):
        cur = db.conn.execute("UPDATE desk_sessions SET ended_at = ?, ended_why = ? WHERE id_hash = ?"
                              " AND ended_at IS NULL", (iso(now), why, _hash(token)))
    return cur.rowcount == 1


def end_all(db, user_id: int, now: datetime, why: str, *, keep: str = "") -> int:
    """End every open session of ``user_id`` (but ``keep``, the caller's own, if given); returns how many.
    Call inside or outside a transaction: it opens its own only when none is open."""
    sql = "UPDATE desk_sessions SET ended_at = ?, ended_why = ? WHERE user_id = ? AND ended_at IS NULL"
    args: list = [iso(now), why, user_id]
    if keep:
        sql += " AND id_hash != ?"
        args.append(_hash(keep))
    if db.conn.in_transaction:
        return db.conn.execute(sql, args).rowcount
    with write_transaction(db):
        return db.conn.execute(sql, args).rowcount


def open_sessions(db, user_id: int) -> list[dict]:
    rows = db.conn.execute("SELECT created_at, last_seen_at, ip, user_agent FROM desk_sessions"
                           " WHERE user_id = ? AND ended_at IS NULL ORDER BY created_at", (user_id,)).fetchall()
    return [dict(created_at=r[0], last_seen_at=r[1], ip=r[2], user_agent=r[3]) for r in rows]
