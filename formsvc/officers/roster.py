"""The duty roster (值班表): who stands in for a township's officer, from when to when.

Seed 002 asks for 24 小时值班: leave, nights and holidays are planned, not discovered. The
registry's ``officer_away`` flag (a CSV edit, a redeploy) stays the default; an entry here,
set by the county desk on the desk, overrides it for complaints filed inside its window.
Routing reads it at the time of the complaint (``stand_in_at``), so a complaint filed on Monday
goes to Monday's stand-in and one filed on Saturday to the officer, whenever anyone looks.

Entries are never edited: a wrong one is cancelled (``cancelled_at``) and a new one set, each
with an audit row written in the same transaction, so "who took this township's complaints last
Tuesday, and who said so" always has an answer. When two live entries overlap, the one set last
wins. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from wagesafe.registry import Person
from formsvc.storage import audit
from formsvc.storage.store import iso, write_transaction

MAX_DAYS = 366  # a stand-in for more than a year is a new officer: change the registry


class RosterError(ValueError):
    """The entry cannot be set (bad window, unknown township, no way to reach the stand-in)."""


@dataclass(frozen=True)
class StandIn:
    """A live roster entry as routing reads it."""

    id: int
    township: str
    person: Person
    starts_at: str
    ends_at: str
    reason: str


def _stand_in(row) -> StandIn:
    return StandIn(id=row["id"], township=row["township"],
                   person=Person(name=row["stand_in_name"], mobile=row["stand_in_mobile"], email=row["stand_in_email"]),
                   starts_at=row["starts_at"], ends_at=row["ends_at"], reason=row["reason"])


def stand_in_at(db: sqlite_utils.Database, township: str, at: datetime) -> StandIn | None:
    """Who takes ``township``'s complaints filed at ``at`` by the roster, or ``None`` (the registry decides)."""
    t = iso(at)
    rows = list(db.query("SELECT * FROM duty_roster WHERE township = ? AND cancelled_at IS NULL"
                         " AND starts_at <= ? AND ends_at > ? ORDER BY created_at DESC, id DESC LIMIT 1",
                         [township, t, t]))
    return _stand_in(rows[0]) if rows else None


def stand_in_emails(db: sqlite_utils.Database, case) -> tuple[str, ...]:
    """The stand-ins (emails, lower case) of the township a case was first routed to, at the time it
    was filed: they were told of it and may open and act on it like the township's own officers
    (``auth.stood_in``), even from another township. An entry cancelled after the case was filed
    still counts (the stand-in had been told); one cancelled before does not."""
    if (case.get("route_target_kind") or "") != "township":
        return ()
    rows = db.execute("SELECT DISTINCT lower(stand_in_email) FROM duty_roster WHERE township = ? AND stand_in_email != ''"
                      " AND starts_at <= ? AND ends_at > ? AND (cancelled_at IS NULL OR cancelled_at > ?)",
                      [case["route_target_code"], case["created_at"], case["created_at"], case["created_at"]])
    return tuple(r[0] for r in rows.fetchall())


def set_entry(db: sqlite_utils.Database, registry, *, township: str, stand_in: Person, starts_at: datetime,
              ends_at: datetime, reason: str, user_id: int | None, now: datetime, ip: str = "") -> int:
    """Record that ``stand_in`` takes ``township``'s complaints in ``[starts_at, ends_at)``; audited.

    :raises RosterError: unknown township, an empty or over-long window, a window already over,
        a stand-in with no name or with neither email nor mobile (they could not be told).
    """
    if township not in registry.townships:
        raise RosterError("没有这个镇街")
    if not stand_in.name or not (stand_in.email or stand_in.mobile):
        raise RosterError("代岗人需要姓名，以及邮箱或手机（用来通知新案件）")
    if ends_at <= starts_at:
        raise RosterError("结束时间必须晚于开始时间")
    if (ends_at - starts_at).days > MAX_DAYS:
        raise RosterError(f"一次最多 {MAX_DAYS} 天；长期调整请修改登记表（townships.csv）")
    if ends_at <= now:
        raise RosterError("结束时间已经过去")
    reason = " ".join((reason or "").split())[:200]
    with write_transaction(db):
        cur = db.conn.execute(
            "INSERT INTO duty_roster (township, stand_in_name, stand_in_mobile, stand_in_email, starts_at, ends_at,"
            " reason, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (township, stand_in.name, stand_in.mobile, stand_in.email, iso(starts_at), iso(ends_at), reason,
             iso(now), user_id))
        entry = cur.lastrowid
        audit.insert(db, user_id, "roster_set", detail=f"#{entry} {registry.townships[township].name_zh}："
                     f"{stand_in.name} 代岗 {iso(starts_at)} – {iso(ends_at)} {reason}".strip(), ip=ip, now=now)
    return entry


def cancel(db: sqlite_utils.Database, entry_id: int, *, user_id: int | None, now: datetime, ip: str = "") -> bool:
    """Cancel a live entry (complaints already routed by it stay where they went); audited."""
    with write_transaction(db):
        cur = db.conn.execute("UPDATE duty_roster SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
                              (iso(now), entry_id))
        if cur.rowcount == 1:
            audit.insert(db, user_id, "roster_cancel", detail=f"#{entry_id}", ip=ip, now=now)
    return cur.rowcount == 1


def upcoming(db: sqlite_utils.Database, now: datetime) -> list[dict]:
    """Live entries not yet over, soonest first (for the desk's roster page)."""
    return list(db.query("SELECT * FROM duty_roster WHERE cancelled_at IS NULL AND ends_at > ?"
                         " ORDER BY starts_at, id", [iso(now)]))


def people(registry) -> dict[str, tuple[Person, str]]:
    """Everyone the registry names who could stand in, by email: (person, "镇街 · 专员/B 角")."""
    out: dict[str, tuple[Person, str]] = {}
    for t in registry.townships.values():
        for person, role in ((t.officer, "农民工服务专员"), (t.deputy, "B 角")):
            if person is not None and person.email and person.email.lower() not in out:
                out[person.email.lower()] = (person, f"{t.name_zh} · {role}")
    return out
