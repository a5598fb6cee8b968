"""Case state: the allowed transitions and what each one writes. No Flask in here.

Each action validates the transition, then writes the complaint update, its timeline events
(``public=1`` for what the worker may see on the status page, in plain words from
``formsvc.case.story``) and any notices in ONE ``store.write_transaction``, so a case is never
half-moved and a receiver is never left untold.

States: new → acknowledged → in_progress → resolved; or closed_unfounded; a transfer puts the
case in ``transferred`` until the receiver acknowledges it. 首问负责制: a transfer changes who
must act (assignee) but not who is responsible; the receiver becomes responsible only when it
acknowledges.

Authorization (who may call these) is the caller's job, through ``formsvc.officers.auth.can_act``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from formsvc.notify import outbox
from formsvc.storage.store import iso, write_transaction

from . import outcomes, story
from .outcomes import Outcome

STATUS_ZH = story.OFFICER_STATUS  # the desk's words for a status: one table (formsvc.case.story)
EVENT_ZH = {code: k.officer_zh for code, k in story.KINDS.items()}
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "transferred")
UNACKED_STATUSES = ("new", "transferred")
# transferred_out: sent to another county (formsvc.case.county_transfer); nothing is left to do here,
# and its personal data follows the retention period from when the other county closed it.
CLOSED_STATUSES = ("resolved", "closed_unfounded", "transferred_out")

# When the current assignee got the case: its last transfer, else when another county gave it back
# (``deadlines_from``: the clocks restart then, ``formsvc.duties.remote_follow.settle``), else when it was filed.
ASSIGNED_AT_SQL = ("COALESCE((SELECT MAX(r.decided_at) FROM routing_decisions r WHERE r.complaint_id = {a}.id"
                   " AND r.rule = 'transfer' AND r.decided_at > COALESCE({a}.deadlines_from, '')),"
                   " {a}.deadlines_from, {a}.created_at)")
# When the resolve deadlines (reminder, escalation, "overdue") start: filed, given back by another
# county, or reopened on the worker's answer (``reopen_in_transaction``), whichever came last.
DEADLINES_FROM_SQL = "COALESCE({a}.deadlines_from, {a}.created_at)"

# The words that name a restarted clock, for the officer's reminder and escalation and the daily report.
SINCE_REOPENED_ZH = "自重新办理之日起"
SINCE_RETURNED_ZH = "自外县退回本县之日起"


def deadlines_restart(case: dict) -> str:
    """Why the case's deadlines do not run from the day it was filed: ``"reopened"`` (the worker's
    "not paid" reopened it), ``"returned"`` (another county gave it back), or ``""`` (they do).
    ``case`` needs ``deadlines_from`` and ``reopened_at``: the reopen set both to the same instant."""
    since = case.get("deadlines_from")
    if not since:
        return ""
    return "reopened" if case.get("reopened_at") == since else "returned"


def since_words_zh(case: dict) -> str:
    """``自重新办理之日起`` / ``自外县退回本县之日起`` / ``""``: from when an officer's days count."""
    return {"reopened": SINCE_REOPENED_ZH, "returned": SINCE_RETURNED_ZH}.get(deadlines_restart(case), "")


class TransitionError(ValueError):
    """The action is not allowed from the case's current state, or its input is incomplete."""


@dataclass(frozen=True)
class Contact:
    """Who stands behind an assignee code: a name for the page, an email and a mobile for notices."""

    label: str
    name: str
    email: str
    mobile: str


def contact_for(registry, kind: str, code: str) -> Contact:
    """Resolve ``(kind, code)`` to the person to tell; the township's *responsible* officer
    (the deputy while the officer is away), a department's contact, or the county desk."""
    desk = registry.county.desk
    if kind == "township" and code in registry.townships:
        t = registry.townships[code]
        p = t.responsible
        return Contact(t.name_zh, p.name if p else "", p.email if p else "", p.mobile if p else "")
    if kind == "department" and code in registry.departments:
        d = registry.departments[code]
        return Contact(d.name_zh, d.contact.name, d.contact.email, d.contact.mobile)
    return Contact(desk.name_zh, desk.contact.name if desk.contact else "", desk.email,
                   desk.contact.mobile if desk.contact else "")


def label_for(registry, kind: str, code: str) -> str:
    return contact_for(registry, kind, code).label


def case_url(base_url: str, case_id: int) -> str:
    return f"{base_url.rstrip('/')}/desk/cases/{case_id}"


def get_case(db: sqlite_utils.Database, case_id: int) -> dict | None:
    rows = list(db.query(f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at FROM complaints c"
                         " WHERE c.id = ?", [case_id]))
    return rows[0] if rows else None


def _event(db, case_id: int, now: datetime, actor: str, kind: str, detail: str = "", public: bool = False) -> None:
    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES (?, ?, ?, ?, ?, ?)",
                    (case_id, iso(now), actor, kind, detail, 1 if public else 0))


def _load(db, case_id: int) -> dict:
    case = get_case(db, case_id)
    if case is None:
        raise TransitionError("没有这个案件 no such case")
    return case


def _require(case: dict, allowed: tuple[str, ...], action: str) -> None:
    if case["status"] not in allowed:
        raise TransitionError(f"案件状态为“{STATUS_ZH.get(case['status'], case['status'])}”，不能{action}")


def acknowledge(db: sqlite_utils.Database, case_id: int, actor: str, now: datetime) -> dict:
    """确认受理: the assignee takes the case. After a transfer this is the hand-over: the
    receiver becomes responsible (首问负责制 ends here)."""
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, UNACKED_STATUSES, "确认受理")
        db.conn.execute(
            "UPDATE complaints SET status = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, ?),"
            " responsible_kind = assignee_kind, responsible_code = assignee_code WHERE id = ?", (iso(now), case_id))
        _event(db, case_id, now, actor, "acknowledged", public=True)
    return get_case(db, case_id)


def start_work(db: sqlite_utils.Database, case_id: int, actor: str, now: datetime) -> dict:
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, ("acknowledged",), "开始处理")
        db.conn.execute("UPDATE complaints SET status = 'in_progress' WHERE id = ?", (case_id,))
        _event(db, case_id, now, actor, "in_progress", public=True)
    return get_case(db, case_id)


def transfer(db: sqlite_utils.Database, registry, config, case_id: int, actor: str, target_kind: str,
             target_code: str, reason: str, now: datetime) -> dict:
    """转交 to another township or a department, with a reason; the receiver is told by email
    (and SMS when it has a mobile). The responsible party does not change here."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("转交必须填写原因 a transfer needs a reason")
    if target_kind == "township" and target_code not in registry.townships \
            or target_kind == "department" and target_code not in registry.departments \
            or target_kind not in ("township", "department"):
        raise TransitionError("没有这个接收单位 unknown receiver")
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, OPEN_STATUSES, "转交")
        if (case["assignee_kind"], case["assignee_code"]) == (target_kind, target_code):
            raise TransitionError("案件已在该单位 the case is already there")
        to = contact_for(registry, target_kind, target_code)
        frm = label_for(registry, case["assignee_kind"], case["assignee_code"])
        db.conn.execute("UPDATE complaints SET status = 'transferred', assignee_kind = ?, assignee_code = ?"
                        " WHERE id = ?", (target_kind, target_code, case_id))
        db.conn.execute("INSERT INTO routing_decisions (complaint_id, decided_at, rule, target_kind, target_code,"
                        " recipient_name, reason) VALUES (?, ?, 'transfer', ?, ?, ?, ?)",
                        (case_id, iso(now), target_kind, target_code, to.name, f"{frm} 转交：{reason}"))
        _event(db, case_id, now, actor, "transferred", detail=to.label, public=True)
        link = case_url(config.public_base_url, case_id)
        body = (f"{to.name or to.label}：\n\n{frm} 将欠薪投诉（案件 {case_id}，回执 {case['receipt']}）转交贵单位办理。\n"
                f"转交原因：{reason}\n\n请登录确认受理（首问负责制：在您确认受理前，{frm} 仍对此案负责）：\n{link}\n")
        if to.email:
            outbox.enqueue(db, kind="transfer", channel="email", recipient=to.email, complaint_id=case_id,
                           subject=f"【薪安通】转交案件 {case_id}，请确认受理", body=body,
                           dedupe_key=f"transfer:{case_id}:{iso(now)}:{target_kind}:{target_code}:email")
        if to.mobile:
            outbox.enqueue(db, kind="transfer", channel="sms", recipient=to.mobile, complaint_id=case_id,
                           body=f"【薪安通】{frm}转交欠薪案件{case_id}，请确认受理：{link}",
                           dedupe_key=f"transfer:{case_id}:{iso(now)}:{target_kind}:{target_code}:sms")
    return get_case(db, case_id)


def resolve(db: sqlite_utils.Database, case_id: int, actor: str, workers_paid: int, amount_recovered_yuan: int,
            now: datetime, note: str = "") -> dict:
    """已解决: wages paid in full. Records how many workers were paid and how much was recovered.
    The desk resolves through ``record_outcome`` (any outcome of the closed list); this stays for
    the commands and tests that mean "paid in full"."""
    if workers_paid < 0 or amount_recovered_yuan < 0:
        raise TransitionError("人数和金额不能为负数")
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, ("acknowledged", "in_progress"), "标记为已解决")
        # added, as record_outcome does: money recovered before a reopen stays counted (formsvc.case.money)
        db.conn.execute("UPDATE complaints SET status = 'resolved', resolved_at = ?, workers_paid = ?,"
                        " amount_recovered_yuan = amount_recovered_yuan + ?, outcome = 'paid_in_full' WHERE id = ?",
                        (iso(now), workers_paid, amount_recovered_yuan, case_id))
        _event(db, case_id, now, actor, "resolved", public=True,
               detail=f"{outcomes.OUTCOMES['paid_in_full'].zh}：{workers_paid} 人，追回 {amount_recovered_yuan:,} 元")
        db.conn.execute("INSERT INTO case_outcomes (complaint_id, at, kind, recovered_yuan) VALUES (?, ?, ?, ?)",
                        (case_id, iso(now), "paid_in_full", amount_recovered_yuan))
        if note.strip():
            _event(db, case_id, now, actor, "resolve_note", detail=note.strip())
    return get_case(db, case_id)


def close_unfounded(db: sqlite_utils.Database, case_id: int, actor: str, reason: str, now: datetime) -> dict:
    """不属实: closed after checking, with the reason (the worker sees that it was closed)."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("关闭必须填写原因 closing needs a reason")
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, ("acknowledged", "in_progress"), "关闭")
        db.conn.execute("UPDATE complaints SET status = 'closed_unfounded', resolved_at = ?,"
                        " outcome = 'not_substantiated' WHERE id = ?", (iso(now), case_id))
        _event(db, case_id, now, actor, "closed_unfounded", public=True)
        db.conn.execute("INSERT INTO case_outcomes (complaint_id, at, kind) VALUES (?, ?, 'not_substantiated')",
                        (case_id, iso(now)))
        _event(db, case_id, now, actor, "close_reason", detail=reason)  # internal: may name people
    return get_case(db, case_id)


def record_outcome(db: sqlite_utils.Database, case_id: int, actor: str, outcome: Outcome, now: datetime, *,
                   workers_paid: int | None = None, note: str = "") -> dict:
    """办结 with an outcome of the closed list (``formsvc.case.outcomes.check`` made it) and its
    figures. "Not substantiated" closes the case (``closed_unfounded``); every other outcome
    resolves it. The worker sees the outcome, its figures and the next step on the status page,
    and gets an SMS (``formsvc.duties.worker_sms``, from the public event written here)."""
    spec = outcome.spec
    if workers_paid is not None and workers_paid < 0:
        raise TransitionError("人数不能为负数")
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, ("acknowledged", "in_progress"), "办结")
        paid = workers_paid if workers_paid is not None else (case["workers"] if spec.recovered else 0)
        db.conn.execute(
            "UPDATE complaints SET status = ?, resolved_at = ?, outcome = ?, workers_paid = ?,"
            " amount_recovered_yuan = amount_recovered_yuan + ?, outcome_left_yuan = ?, outcome_promised_yuan = ?,"
            " outcome_due_date = ?, outcome_text = ? WHERE id = ?",
            (spec.status, iso(now), outcome.kind, paid, outcome.recovered_yuan, outcome.left_yuan,
             outcome.promised_yuan, outcome.promised_date, outcome.text, case_id))
        figures = [f"{paid} 人"] if spec.recovered else []
        if outcome.amount_yuan:
            figures.append(f"{'追回' if spec.recovered else '协议'} {outcome.amount_yuan:,} 元")
        if outcome.left_yuan:
            figures.append(f"尚欠 {outcome.left_yuan:,} 元")
        if outcome.promised_date:
            figures.append(f"约定 {outcome.promised_date} 前支付")
        if outcome.text:
            figures.append(outcome.text)
        _event(db, case_id, now, actor, spec.status, public=True,
               detail=spec.zh + ("：" + "，".join(figures) if figures else ""))
        db.conn.execute("INSERT INTO case_outcomes (complaint_id, at, kind, recovered_yuan, left_yuan, promised_yuan,"
                        " due_date, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (case_id, iso(now), outcome.kind, outcome.recovered_yuan, outcome.left_yuan,
                         outcome.promised_yuan, outcome.promised_date, outcome.text))
        if note.strip():
            _event(db, case_id, now, actor, "resolve_note", detail=note.strip())
    return get_case(db, case_id)


def reopen_in_transaction(db: sqlite_utils.Database, case: dict, now: datetime, why: str) -> None:
    """The worker said "not paid" or "not satisfied" in time: the case is open again, with the
    body that stays responsible (首问负责: ``responsible_*``, not whoever touched it last), which
    must act on it anew. Money already recovered stays counted. Runs inside the caller's
    transaction (``formsvc.case.answers.record_answer``), with its timeline entry.

    Its deadlines run from the reopen (``deadlines_from``), as the worker's page says: the reminder,
    the escalation, the desk's overdue filter and the daily report count a new round from today,
    not from the day it was filed (which would make it overdue the minute it reopens)."""
    db.conn.execute(
        "UPDATE complaints SET status = 'in_progress', resolved_at = NULL, outcome = '', outcome_left_yuan = 0,"
        " outcome_promised_yuan = 0, outcome_due_date = '', outcome_text = '', reopened_at = ?, deadlines_from = ?,"
        " assignee_kind = responsible_kind, assignee_code = responsible_code"
        " WHERE id = ?", (iso(now), iso(now), case["id"]))
    _event(db, case["id"], now, "worker", "reopened", detail=why, public=True)


def add_note(db: sqlite_utils.Database, case_id: int, user_id: int, actor: str, body: str, now: datetime) -> None:
    """Internal note: never shown to the worker (the event says only that a note was added)."""
    body = (body or "").strip()
    if not body:
        raise TransitionError("备注不能为空")
    with write_transaction(db):
        _load(db, case_id)
        db.conn.execute("INSERT INTO notes (complaint_id, at, user_id, body) VALUES (?, ?, ?, ?)",
                        (case_id, iso(now), user_id, body))
        _event(db, case_id, now, actor, "note", public=False)
