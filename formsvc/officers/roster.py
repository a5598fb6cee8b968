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

Access follows routing (issue 25), never the filing time: a stand-in opens exactly the cases
routed to them (``complaints.stand_in_entry``, written by ``complaints.submit`` with a
``stand_in_assigned`` event), and only while they hold them: until the entry is cancelled or its
window ends. Then the open cases go back to the township's officer, each with a
``stand_in_returned`` event, and the officer is emailed the case numbers (``hand_back``; the
worker loop's duty ``return_ended`` does it for windows that end). A window cannot start in the
past, so an entry can never reach cases filed before it; and the stand-in must hold a desk
account (issue 24), or the notices would reach someone who cannot sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from wagesafe.localtime import format_local
from wagesafe.registry import Person
from formsvc.notify import outbox
from formsvc.storage import audit
from formsvc.storage.store import iso, write_transaction

MAX_DAYS = 366  # a stand-in for more than a year is a new officer: change the registry
START_GRACE = timedelta(minutes=15)  # a start typed as "now" a few minutes ago starts now
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "transferred")  # as formsvc.case.cases (no import: arrows)


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


def stand_in_emails(db: sqlite_utils.Database, case, now: datetime) -> tuple[str, ...]:
    """The stand-in (email, lower case) who holds ``case`` at ``now``: the one its routing decision
    named (``stand_in_entry``), while that entry is neither cancelled nor over. They may open and
    act on it like the township's own officer (``auth.stood_in``), even from another township."""
    entry = case.get("stand_in_entry")
    if not entry:
        return ()
    row = db.execute("SELECT lower(stand_in_email) FROM duty_roster WHERE id = ? AND stand_in_email != ''"
                     " AND cancelled_at IS NULL AND ends_at > ?", [entry, iso(now)]).fetchone()
    return (row[0],) if row else ()


def held_sql(alias: str = "c") -> str:
    """SQL true for a case its stand-in holds now (parameters: the stand-in's email, lower case, and
    now as ISO text): the same rule as ``stand_in_emails``, for ``auth.scope_sql``."""
    return (f"EXISTS (SELECT 1 FROM duty_roster r WHERE r.id = {alias}.stand_in_entry"
            f" AND lower(r.stand_in_email) = ? AND r.cancelled_at IS NULL AND r.ends_at > ?)")


def account_for(db: sqlite_utils.Database, email: str):
    """The active desk account of ``email`` that can handle a township's cases, as ``(name, role)``,
    or ``None`` (a department contact or a portal editor cannot: ``auth.stood_in`` is for townships)."""
    if not email:
        return None
    row = db.execute("SELECT name, role FROM users WHERE lower(email) = ? AND active = 1"
                     " AND role IN ('township', 'county', 'admin')", [email.strip().lower()]).fetchone()
    return (row[0], row[1]) if row else None


def set_entry(db: sqlite_utils.Database, registry, *, township: str, stand_in: Person, starts_at: datetime,
              ends_at: datetime, reason: str, user_id: int | None, now: datetime, ip: str = "") -> int:
    """Record that ``stand_in`` takes ``township``'s complaints in ``[starts_at, ends_at)``; audited.

    A start up to ``START_GRACE`` ago (the form filled in "now") starts now.

    :raises RosterError: unknown township, an empty or over-long window, a window already over or
        starting in the past (it would hand the stand-in cases filed before the entry), a stand-in
        without an active desk account (the notices would reach someone who cannot sign in).
    """
    if township not in registry.townships:
        raise RosterError("没有这个镇街")
    account = account_for(db, stand_in.email)
    if account is None:
        if not (stand_in.name or stand_in.email):
            raise RosterError("请选择代岗人（或填写其办案台账号邮箱）")
        who = stand_in.name or stand_in.email
        raise RosterError(f"{who}没有办案台账号：代岗人会收到新案件通知，必须能登录办案台处理。请从名单中选择"
                          "有账号的人员（各镇街专员和 B 角），或先把此人加入登记表并同步账号（wagesafe users sync）。")
    stand_in = Person(name=account[0] or stand_in.name, mobile=stand_in.mobile, email=stand_in.email.strip())
    if ends_at <= starts_at:
        raise RosterError("结束时间必须晚于开始时间")
    if starts_at < now - START_GRACE:
        raise RosterError(f"开始时间 {format_local(starts_at)} 已经过去。代岗只能从现在或以后开始："
                          "之前提交的案件仍由原来的专员办理，不交给代岗人。要马上开始，请把开始时间填为现在。")
    starts_at = max(starts_at, now)
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


def cancel(db: sqlite_utils.Database, entry_id: int, *, user_id: int | None, now: datetime, ip: str = "",
           registry=None) -> bool:
    """Cancel a live entry; its open cases go back to the township's officer (``hand_back``); audited."""
    with write_transaction(db):
        cur = db.conn.execute("UPDATE duty_roster SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
                              (iso(now), entry_id))
        if cur.rowcount == 1:
            audit.insert(db, user_id, "roster_cancel", detail=f"#{entry_id}", ip=ip, now=now)
            hand_back(db, registry, entry_id, now, "代岗安排已取消")
    return cur.rowcount == 1


def hand_back(db: sqlite_utils.Database, registry, entry_id: int, now: datetime, why: str) -> list[int]:
    """Inside the caller's transaction: the entry's open cases go back to the township's officer.
    Each gets a ``stand_in_returned`` event; the officer gets one email with the case numbers (no
    worker's data). The cases never left the township (``assignee``), so nothing else changes:
    only the stand-in's access ends. Returns the case ids."""
    row = db.conn.execute("SELECT township, stand_in_name, returned_at FROM duty_roster WHERE id = ?",
                          (entry_id,)).fetchone()
    if row is None or row[2]:
        return []
    township_code, stand_in_name = row[0], row[1]
    db.conn.execute("UPDATE duty_roster SET returned_at = ? WHERE id = ?", (iso(now), entry_id))
    marks = ",".join("?" for _ in OPEN_STATUSES)
    ids = [r[0] for r in db.conn.execute(
        f"SELECT id FROM complaints WHERE stand_in_entry = ? AND status IN ({marks}) ORDER BY id",
        (entry_id, *OPEN_STATUSES))]
    township = registry.townships.get(township_code) if registry is not None else None
    officer = township.responsible if township is not None else None
    back_to = officer.name if officer is not None else "本镇街农民工服务专员"
    detail = f"{why}：{stand_in_name} 代岗结束，案件交回{back_to}办理"
    db.conn.executemany("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                        " VALUES (?, ?, 'system', 'stand_in_returned', ?, 0)", [(i, iso(now), detail) for i in ids])
    if ids and officer is not None and officer.email:
        lines = [f"{back_to}：", "", f"{why}，{stand_in_name} 代岗期间分派的 {len(ids)} 件未办结案件交回您办理：",
                 "、".join(f"#{i}" for i in ids), "", "请登录办案台查看。"]
        outbox.enqueue(db, kind="stand_in_returned", channel="email", recipient=officer.email,
                       subject=f"代岗结束：{len(ids)} 件案件交回您办理", body="\n".join(lines),
                       dedupe_key=f"stand-in-returned:{entry_id}")
    return ids


def return_ended(db: sqlite_utils.Database, registry, now: datetime) -> list[str]:
    """The worker loop's duty: entries whose window is over hand their open cases back (once)."""
    due = [r[0] for r in db.conn.execute("SELECT id FROM duty_roster WHERE cancelled_at IS NULL AND returned_at IS NULL"
                                         " AND ends_at <= ?", (iso(now),))]
    lines = []
    for entry_id in due:
        with write_transaction(db):
            ids = hand_back(db, registry, entry_id, now, "代岗时间已到")
        if ids:
            lines.append(f"roster entry #{entry_id} over: {len(ids)} open cases back to the township's officer")
    return lines


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
