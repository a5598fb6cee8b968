"""API keys of partner systems (Open311 ``POST requests``): issued, checked, revoked.

A key is 32 random bytes shown once, at issue; only its SHA-256 is stored, so a copy of the
database (a backup, a laptop) holds nothing that opens the API. A fast hash is enough here
(unlike passwords): a random 256-bit key has no dictionary to guess from. Lookup is by the
hash, an index seek; revoking keeps the row (and its name) so the cases it made still say who
sent them.

Rotation with overlap (issue 24): ``issue(..., rotate=True)`` gives the partner a new key while the
old one keeps working (its row is renamed ``<name>~rotated~<id>`` and still answers to ``<name>``:
the cases and idempotency keys of both belong to the same partner); once the partner has switched,
``revoke(..., old_only=True)`` stops the old one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from formsvc.storage.store import iso, utcnow, write_transaction

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
PREFIX = "ws311_"


class KeyError_(ValueError):
    """A key cannot be issued or revoked as asked (bad name, name taken, no such key)."""


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created_at: str
    revoked_at: str | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


ROTATED = "~rotated~"


def issue(db, name: str, now: datetime | None = None, *, rotate: bool = False) -> str:
    """Make a key for the partner ``name`` and return it (the only time it is ever seen).

    :param rotate: the partner already has a key: keep it working beside the new one until
        ``revoke(name, old_only=True)``.
    """
    name = (name or "").strip().lower()
    if not NAME_RE.match(name):
        raise KeyError_("名称只能用小写字母、数字、. _ -（2–64 个字符） name: lower-case letters, digits, . _ -")
    key = PREFIX + secrets.token_urlsafe(32)
    with write_transaction(db):
        current = db.conn.execute("SELECT id FROM api_keys WHERE name = ?", (name,)).fetchone()
        if current and not rotate:
            raise KeyError_(f"已有名为 {name} 的密钥：换发新密钥而旧密钥暂时照用，请加 --rotate；或先吊销 (revoke)"
                            f" a key named {name} exists: add --rotate to issue a new one beside it")
        if current:
            db.conn.execute("UPDATE api_keys SET name = ? WHERE id = ?", (f"{name}{ROTATED}{current[0]}", current[0]))
        db.conn.execute("INSERT INTO api_keys (name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?)",
                        (name, _hash(key), key[:len(PREFIX) + 4], iso(now or utcnow())))
    return key


def revoke(db, name: str, now: datetime | None = None, *, old_only: bool = False) -> int:
    """Stop a partner's keys at once (with ``old_only``: only those a rotation replaced); the rows
    stay so the cases they made keep their sender's name. Returns how many were revoked.

    The name is freed for a new key (a revoked row is renamed ``<name>~revoked~<id>``).
    """
    name = (name or "").strip().lower()
    with write_transaction(db):
        rows = db.conn.execute("SELECT id, name FROM api_keys WHERE (name = ? OR name LIKE ?) AND revoked_at IS NULL",
                               (name, f"{name}{ROTATED}%")).fetchall()
        rows = [r for r in rows if ROTATED in r[1]] if old_only else rows
        if not rows:
            raise KeyError_(f"没有名为 {name} 的{'旧' if old_only else '有效'}密钥 no {'old' if old_only else 'active'}"
                            f" key named {name}")
        for row in rows:
            db.conn.execute("UPDATE api_keys SET revoked_at = ?, name = ? WHERE id = ?",
                            (iso(now or utcnow()), f"{name}~revoked~{row[0]}", row[0]))
    return len(rows)


def check(db, key: str | None) -> str | None:
    """The partner's name for a valid, unrevoked key; ``None`` otherwise (whatever is wrong)."""
    if not key or len(key) > 200 or not key.startswith(PREFIX):
        return None
    row = db.conn.execute("SELECT name FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                          (_hash(key),)).fetchone()
    return row[0].split(ROTATED)[0] if row else None


def list_keys(db) -> list[ApiKey]:
    return [ApiKey(*r) for r in db.conn.execute(
        "SELECT id, name, prefix, created_at, revoked_at FROM api_keys ORDER BY revoked_at IS NOT NULL, name")]
