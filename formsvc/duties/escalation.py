"""Escalation and reminders: clock in, actions out.

``plan`` is pure (cases, what was already done, settings, ``now`` → actions), so its timing is
tested with a controlled clock and no database. ``apply`` writes each action (event, timestamp
on the complaint, notice) in its own short transaction; ``run`` does both.

Rules (config: ``ack_hours``, ``resolve_days``):
- not acknowledged ``ack_hours`` after its current assignee got it (filed, or last transferred)
  → escalated to the county desk, once per assignment;
- not resolved ``resolve_days`` after it was filed → a reminder to the assignee, once;
- not resolved after twice that → escalated to the county desk, once;
- a case another county gave back (不属本县管辖 there), or one the worker's "not paid" reopened,
  counts both from that day (``deadlines_from``), gets its reminder and escalation again on that
  clock (the key names the clock: a first round's notice never blocks the second's, and each round
  sends each once), and its notices say so (自外县退回本县之日起 / 自重新办理之日起);
- a department called to a case (吹哨, ``formsvc.case.hard_cases``) that has not reported within
  ``call_report_hours`` → the county desk is told, once per call.

An escalation goes by email and by SMS (the desk contact's mobile). A case the county desk
itself holds (提级办理, or routed to it) escalates to the next level (``NEXT_LEVEL_*``: the
city's desk), never to itself; with no next level configured it is left on the desk's own list.

Idempotent twice over: ``plan`` skips keys already done, and each notice's ``dedupe_key`` is
unique in the outbox, so a re-run (or two workers racing) queues nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from formsvc.notify import outbox
from formsvc.case.cases import (ASSIGNED_AT_SQL, CLOSED_STATUSES, UNACKED_STATUSES, case_url, contact_for, label_for,
                                since_words_zh)
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
    """From when it was filed, or from when another county gave it back or the worker's answer
    reopened it (``deadlines_from``)."""
    return _dt(case.get("deadlines_from") or case["created_at"]) + timedelta(days=resolve_days * times)


def _clock_key(c: dict) -> str:
    """The part of a reminder's or an escalation's key that names its clock: a case given back by
    another county, or reopened, gets its reminder and escalation again, on the new clock (never
    forgotten, never twice on one clock)."""
    return f":{c['deadlines_from']}" if c.get("deadlines_from") else ""


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
        key = f"remind:{c['id']}{_clock_key(c)}"
        if now >= due and key not in done_keys:
            actions.append(Action("remind", c["id"], key, due))
        due = resolve_deadline(c, resolve_days, 2)
        key = f"escalate-resolve:{c['id']}{_clock_key(c)}"
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
            case = db.conn.execute("SELECT receipt, status, assignee_kind, assignee_code, deadlines_from, reopened_at"
                                   " FROM complaints WHERE id = ?", (a.case_id,)).fetchone()
            if case is None or case[1] in CLOSED_STATUSES:
                continue
            receipt, _status, akind, acode, deadlines_from, reopened_at = case
            # the clock the officer is told about: 自重新办理之日起 / 自外县退回本县之日起 / from filing
            since = since_words_zh({"deadlines_from": deadlines_from, "reopened_at": reopened_at})
            where = label_for(registry, akind, acode)
            link = case_url(config.public_base_url, a.case_id)
            if a.kind == "remind":
                to = contact_for(registry, akind, acode)
                queued = outbox.enqueue(
                    db, kind="reminder", channel="email", recipient=to.email or desk.email, complaint_id=a.case_id,
                    dedupe_key=a.key, subject=f"【薪安通】提醒：案件 {a.case_id} {since}已超过 {config.resolve_days:g} 天未解决",
                    body=(f"{to.name or where}：\n\n欠薪案件 {a.case_id}（回执 {receipt}）{since}已超过 {config.resolve_days:g} 天"
                          f"仍未解决。请尽快处理；再过 {config.resolve_days:g} 天仍未解决将上报县劳动保障监察大队。\n{link}\n"))
                if queued:
                    db.conn.execute("UPDATE complaints SET reminded_at = ? WHERE id = ?", (iso(now), a.case_id))
                    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                    " VALUES (?, ?, 'system', 'reminded', ?, 0)", (a.case_id, iso(now), where))
            else:
                if a.kind == "escalate_ack":
                    why = f"{where} 超过 {config.ack_hours:g} 小时未确认受理"
                else:
                    why = f"{since}超过 {config.resolve_days * 2:g} 天仍未解决（当前承办：{where}）"
                to = escalation_target(registry, config, akind)
                if to is None:
                    continue  # the county desk holds it and no level above is configured: not to itself
                queued = outbox.enqueue(
                    db, kind="escalation", channel="email", recipient=to.email, complaint_id=a.case_id,
                    dedupe_key=a.key, subject=f"【薪安通】上报：案件 {a.case_id} {why}",
                    body=f"{to.name}：\n\n欠薪案件 {a.case_id}（回执 {receipt}）{why}，请督办。\n{link}\n")
                if queued and to.mobile:
                    outbox.enqueue(db, kind="escalation", channel="sms", recipient=to.mobile, complaint_id=a.case_id,
                                   dedupe_key=a.key + ":sms",
                                   body=f"【薪安通】上报：欠薪案件{a.case_id}{why}，请督办：{link}")
                if queued:
                    db.conn.execute("UPDATE complaints SET escalated_at = ? WHERE id = ?", (iso(now), a.case_id))
                    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                    " VALUES (?, ?, 'system', 'escalated', ?, 1)", (a.case_id, iso(now), why))
            if queued:
                lines.append(f"{a.kind} case {a.case_id}")
    return lines


@dataclass(frozen=True)
class Target:
    """Whom an escalation goes to: the county desk, or for a case the desk holds the next level."""

    name: str
    email: str
    mobile: str


def escalation_target(registry, config, assignee_kind: str) -> Target | None:
    """The county desk (email, and its contact's mobile for the SMS); for a case the county desk
    itself holds (提级办理, or routed to it) the next level (``NEXT_LEVEL_*``: the city's desk), or
    ``None`` when none is configured — an escalation to oneself tells nobody anything."""
    desk = registry.county.desk
    if assignee_kind == "county":
        if not (config.next_level_email or config.next_level_mobile):
            return None
        return Target(config.next_level_name or "上级劳动保障监察机构", config.next_level_email, config.next_level_mobile)
    return Target(desk.name_zh, desk.email, desk.contact.mobile if desk.contact else "")


def plan_calls(open_calls: list[dict], done_keys: set[str], report_hours: float, now: datetime) -> list[Action]:
    """吹哨 not answered: each call unreported ``report_hours`` after it was made, once
    (``open_calls`` need ``id``, ``complaint_id``, ``called_at``)."""
    actions = []
    for k in open_calls:
        due = _dt(k["called_at"]) + timedelta(hours=report_hours)
        key = f"escalate-call:{k['id']}"
        if now >= due and key not in done_keys:
            actions.append(Action("escalate_call", k["complaint_id"], key, due))
    return actions


def _open_calls(db) -> list[dict]:
    return list(db.query("SELECT k.* FROM case_calls k JOIN complaints c ON c.id = k.complaint_id"
                         " WHERE k.reported_at IS NULL AND c.status NOT IN ('resolved', 'closed_unfounded')"))


def apply_calls(db: sqlite_utils.Database, registry, config, actions: list[Action], now: datetime) -> list[str]:
    """Tell the county desk (or, for a case it holds, the next level) of each call not reported in time."""
    lines = []
    for a in actions:
        call_id = int(a.key.rsplit(":", 1)[1])
        with write_transaction(db):
            row = db.conn.execute("SELECT k.department, k.reported_at, c.receipt, c.assignee_kind FROM case_calls k"
                                  " JOIN complaints c ON c.id = k.complaint_id WHERE k.id = ?", (call_id,)).fetchone()
            if row is None or row[1]:
                continue
            department, _, receipt, akind = row
            name = registry.departments[department].name_zh if department in registry.departments else department
            to = escalation_target(registry, config, akind) or escalation_target(registry, config, "township")
            why = f"{name}被吹哨后超过 {config.call_report_hours:g} 小时未报到"
            link = case_url(config.public_base_url, a.case_id)
            queued = outbox.enqueue(db, kind="escalation", channel="email", recipient=to.email, complaint_id=a.case_id,
                                    dedupe_key=a.key, subject=f"【薪安通】上报：案件 {a.case_id} {why}",
                                    body=f"{to.name}：\n\n欠薪案件 {a.case_id}（回执 {receipt}）：{why}，请督促报到。\n{link}\n")
            if queued and to.mobile:
                outbox.enqueue(db, kind="escalation", channel="sms", recipient=to.mobile, complaint_id=a.case_id,
                               dedupe_key=a.key + ":sms", body=f"【薪安通】上报：欠薪案件{a.case_id}{why}：{link}")
            if queued:
                db.conn.execute("UPDATE case_calls SET escalated_at = ? WHERE id = ?", (iso(now), call_id))
                db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                " VALUES (?, ?, 'system', 'call_overdue', ?, 0)", (a.case_id, iso(now), why))
                lines.append(f"escalate_call case {a.case_id} ({department})")
    return lines


def run(db: sqlite_utils.Database, registry, config, now: datetime) -> list[str]:
    """Plan and apply everything due at ``now``."""
    done = _done_keys(db)
    actions = plan(_open_cases(db), done, config.ack_hours, config.resolve_days, now)
    lines = apply(db, registry, config, actions, now)
    return lines + apply_calls(db, registry, config, plan_calls(_open_calls(db), done, config.call_report_hours, now),
                               now)
