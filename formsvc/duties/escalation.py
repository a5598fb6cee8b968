"""Escalation and reminders: clock in, actions out.

``plan`` is pure (cases, what was already done, settings, ``now`` → actions), so its timing is
tested with a controlled clock and no database. ``apply`` writes each action (event, timestamp
on the complaint, notice) in its own short transaction; ``run`` does both.

Rules (config: ``ack_hours``, ``resolve_days``):
- not acknowledged ``ack_hours`` after its current assignee got it (filed, or last transferred)
  → escalated to the county desk, once per assignment;
- not resolved ``resolve_days`` after it was filed → a reminder to the assignee, once;
- not resolved after twice that → escalated to the county desk, once.

Idempotent twice over: ``plan`` skips keys already done, and each notice's ``dedupe_key`` is
unique in the outbox, so a re-run (or two workers racing) queues nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from formsvc.notify import outbox
from formsvc.case.cases import (ASSIGNED_AT_SQL, CLOSED_STATUSES, UNACKED_STATUSES, case_url, contact_for, label_for)
from formsvc.storage.store import iso, write_transaction


@dataclass(frozen=True)
class Action:
    kind: str          # escalate_ack | remind | escalate_resolve
    case_id: int
    key: str           # dedupe key: the same action never happens twice
    due_at: datetime   # when it became due (for the message)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ack_deadline(case: dict, ack_hours: float) -> datetime:
    return _dt(case["assigned_at"]) + timedelta(hours=ack_hours)


def resolve_deadline(case: dict, resolve_days: float, times: int = 1) -> datetime:
    return _dt(case["created_at"]) + timedelta(days=resolve_days * times)


def is_overdue(case: dict, ack_hours: float, resolve_days: float, at: datetime) -> bool:
    """Overdue at ``at``: unacknowledged past ``ack_hours`` or unresolved past ``resolve_days``.
    Used by the case list, the daily report and the dashboard, so they all agree."""
    if case["status"] in CLOSED_STATUSES or _dt(case["created_at"]) > at:
        return False
    if case["status"] in UNACKED_STATUSES and at >= ack_deadline(case, ack_hours):
        return True
    return at >= resolve_deadline(case, resolve_days)


def plan(cases: list[dict], done_keys: set[str], ack_hours: float, resolve_days: float,
         now: datetime) -> list[Action]:
    """The actions due at ``now`` that have not been done. ``cases`` need ``id``, ``status``,
    ``created_at`` and ``assigned_at`` (UTC ISO text)."""
    actions = []
    for c in cases:
        if c["status"] in CLOSED_STATUSES:
            continue
        if c["status"] in UNACKED_STATUSES:
            due = ack_deadline(c, ack_hours)
            key = f"escalate-ack:{c['id']}:{c['assigned_at']}"
            if now >= due and key not in done_keys:
                actions.append(Action("escalate_ack", c["id"], key, due))
        due = resolve_deadline(c, resolve_days)
        key = f"remind:{c['id']}"
        if now >= due and key not in done_keys:
            actions.append(Action("remind", c["id"], key, due))
        due = resolve_deadline(c, resolve_days, 2)
        key = f"escalate-resolve:{c['id']}"
        if now >= due and key not in done_keys:
            actions.append(Action("escalate_resolve", c["id"], key, due))
    return actions


def _open_cases(db) -> list[dict]:
    return list(db.query(f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at FROM complaints c"
                         " WHERE c.status NOT IN ('resolved', 'closed_unfounded')"))


def _done_keys(db) -> set[str]:
    return {r["dedupe_key"] for r in db.query(
        "SELECT dedupe_key FROM notices WHERE dedupe_key LIKE 'escalate-%' OR dedupe_key LIKE 'remind:%'")}


def apply(db: sqlite_utils.Database, registry, config, actions: list[Action], now: datetime) -> list[str]:
    """Write each action: event, complaint timestamp, notice; return one line per action taken."""
    desk = registry.county.desk
    lines = []
    for a in actions:
        with write_transaction(db):
            case = db.conn.execute("SELECT receipt, status, assignee_kind, assignee_code FROM complaints"
                                   " WHERE id = ?", (a.case_id,)).fetchone()
            if case is None or case[1] in CLOSED_STATUSES:
                continue
            receipt, _status, akind, acode = case
            where = label_for(registry, akind, acode)
            link = case_url(config.public_base_url, a.case_id)
            if a.kind == "remind":
                to = contact_for(registry, akind, acode)
                queued = outbox.enqueue(
                    db, kind="reminder", channel="email", recipient=to.email or desk.email, complaint_id=a.case_id,
                    dedupe_key=a.key, subject=f"【薪安通】提醒：案件 {a.case_id} 已超过 {config.resolve_days:g} 天未解决",
                    body=(f"{to.name or where}：\n\n欠薪案件 {a.case_id}（回执 {receipt}）已超过 {config.resolve_days:g} 天"
                          f"仍未解决。请尽快处理；再过 {config.resolve_days:g} 天仍未解决将上报县劳动保障监察大队。\n{link}\n"))
                if queued:
                    db.conn.execute("UPDATE complaints SET reminded_at = ? WHERE id = ?", (iso(now), a.case_id))
                    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                    " VALUES (?, ?, 'system', 'reminded', ?, 0)", (a.case_id, iso(now), where))
            else:
                if a.kind == "escalate_ack":
                    why = f"{where} 超过 {config.ack_hours:g} 小时未确认受理"
                else:
                    why = f"超过 {config.resolve_days * 2:g} 天仍未解决（当前承办：{where}）"
                queued = outbox.enqueue(
                    db, kind="escalation", channel="email", recipient=desk.email, complaint_id=a.case_id,
                    dedupe_key=a.key, subject=f"【薪安通】上报：案件 {a.case_id} {why}",
                    body=f"{desk.name_zh}：\n\n欠薪案件 {a.case_id}（回执 {receipt}）{why}，请督办。\n{link}\n")
                if queued:
                    db.conn.execute("UPDATE complaints SET escalated_at = ? WHERE id = ?", (iso(now), a.case_id))
                    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                    " VALUES (?, ?, 'system', 'escalated', ?, 1)", (a.case_id, iso(now), why))
            if queued:
                lines.append(f"{a.kind} case {a.case_id}")
    return lines


def run(db: sqlite_utils.Database, registry, config, now: datetime) -> list[str]:
    """Plan and apply everything due at ``now``."""
    actions = plan(_open_cases(db), _done_keys(db), config.ack_hours, config.resolve_days, now)
    return apply(db, registry, config, actions, now)
