"""Hard cases: a lead officer (领导包案), the county taking a case over (提级办理), and several
departments called to one case (镇街吹哨、部门报到). No Flask here.

Seeds 000 and 002 ask that a group or stubborn case get a named leader and, when a township
cannot settle it, be raised to the county; seed 003 has the township "blow the whistle" so that
every department with a part in it (住建, 人社, 公安, 交通 ...) reports to the case (报到) instead
of being passed the case one at a time by transfers. So a call is not a transfer: the case stays
with its assignee, each called department gets a notice (email and SMS), may open the case (the
facts, not the worker's personal data: ``auth.can_see_personal``), and must report on the desk
within ``CALL_REPORT_HOURS``; the escalation clock (``duties.escalation``) tells the county desk
of every call not reported in time, once. The case page shows who has reported and who has not.

Each action writes its row, a timeline event and its notices in one transaction (as
``formsvc.case.cases`` does), and the desk writes an audit row beside it.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from formsvc.notify import outbox
from formsvc.storage.store import iso, write_transaction
from .cases import CLOSED_STATUSES, TransitionError, case_url, get_case, label_for




def calls(db: sqlite_utils.Database, case_id: int) -> list[dict]:
    """Every call on a case, oldest first (``reported_at`` empty: not reported yet)."""
    return list(db.query("SELECT * FROM case_calls WHERE complaint_id = ? ORDER BY called_at, id", [case_id]))


def called_departments(db: sqlite_utils.Database, case_id: int) -> tuple[str, ...]:
    """The departments called to a case (they may open it: ``auth.can_view``)."""
    return tuple(r[0] for r in db.execute("SELECT DISTINCT department FROM case_calls WHERE complaint_id = ?",
                                          [case_id]).fetchall())


def _event(db, case_id: int, now: datetime, actor: str, kind: str, detail: str = "", public: bool = False) -> None:
    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES (?, ?, ?, ?, ?, ?)",
                    (case_id, iso(now), actor, kind, detail, 1 if public else 0))


def _open_case(db, case_id: int) -> dict:
    case = get_case(db, case_id)
    if case is None:
        raise TransitionError("没有这个案件 no such case")
    if case["status"] in CLOSED_STATUSES:
        raise TransitionError("案件已办结，不能再操作")
    return case


def call_departments(db: sqlite_utils.Database, registry, config, case_id: int, actor: str,
                     departments: list[str], reason: str, now: datetime) -> list[int]:
    """吹哨: call each department in ``departments`` to the case; each is told by email and SMS.

    A department already called and not yet reported is not called twice.
    :raises TransitionError: no department, an unknown one, no reason, or a closed case.
    """
    reason = " ".join((reason or "").split())[:500]
    wanted = list(dict.fromkeys(d for d in departments if d))
    if not wanted:
        raise TransitionError("请至少选择一个部门")
    unknown = [d for d in wanted if d not in registry.departments]
    if unknown:
        raise TransitionError("没有这个部门：" + "、".join(unknown))
    if not reason:
        raise TransitionError("吹哨需要写明请各部门做什么")
    made = []
    with write_transaction(db):
        case = _open_case(db, case_id)
        waiting = {r[0] for r in db.conn.execute("SELECT department FROM case_calls WHERE complaint_id = ?"
                                                 " AND reported_at IS NULL", (case_id,))}
        frm = label_for(registry, case["assignee_kind"], case["assignee_code"])
        link = case_url(config.public_base_url, case_id)
        hours = f"{config.call_report_hours:g}"
        for code in wanted:
            if code in waiting:
                continue
            d = registry.departments[code]
            cur = db.conn.execute("INSERT INTO case_calls (complaint_id, department, called_at, called_by, reason)"
                                  " VALUES (?, ?, ?, ?, ?)", (case_id, code, iso(now), actor, reason))
            call_id = cur.lastrowid
            made.append(call_id)
            _event(db, case_id, now, actor, "called", detail=f"{d.name_zh}：{reason}")
            if d.contact.email:
                outbox.enqueue(db, kind="call", channel="email", recipient=d.contact.email, complaint_id=case_id,
                               dedupe_key=f"call:{call_id}:email",
                               subject=f"【薪安通】吹哨：请于 {hours} 小时内就欠薪案件 {case_id} 报到",
                               body=(f"{d.contact.name or d.name_zh}：\n\n{frm}就欠薪案件 {case_id}（回执 {case['receipt']}）"
                                     f"吹哨，请贵单位协同办理：\n{reason}\n\n请在 {hours} 小时内登录办案台报到"
                                     f"（逾期将报告县劳动保障监察大队）：\n{link}\n"))
            if d.contact.mobile:
                outbox.enqueue(db, kind="call", channel="sms", recipient=d.contact.mobile, complaint_id=case_id,
                               dedupe_key=f"call:{call_id}:sms",
                               body=f"【薪安通】{frm}就欠薪案件{case_id}吹哨，请{hours}小时内登录办案台报到：{link}")
    return made


def report(db: sqlite_utils.Database, case_id: int, department: str, actor: str, now: datetime,
           note: str = "") -> bool:
    """报到: the department says it has taken up its part; False when it had no open call."""
    note = " ".join((note or "").split())[:500]
    with write_transaction(db):
        cur = db.conn.execute("UPDATE case_calls SET reported_at = ?, reported_by = ? WHERE complaint_id = ?"
                              " AND department = ? AND reported_at IS NULL", (iso(now), actor, case_id, department))
        if cur.rowcount:
            _event(db, case_id, now, actor, "reported", detail=note)
    return cur.rowcount > 0


def name_lead(db: sqlite_utils.Database, config, case_id: int, actor: str, name: str, mobile: str,
              now: datetime) -> None:
    """领导包案: the county desk names the leader answerable for the case; told by SMS if a mobile is given."""
    name, mobile = " ".join((name or "").split())[:50], (mobile or "").strip()[:20]
    if not name:
        raise TransitionError("请填写包案领导的姓名和职务")
    with write_transaction(db):
        case = _open_case(db, case_id)
        db.conn.execute("UPDATE complaints SET lead_officer = ?, lead_mobile = ? WHERE id = ?", (name, mobile, case_id))
        _event(db, case_id, now, actor, "lead_named", detail=name)
        if mobile:
            outbox.enqueue(db, kind="lead", channel="sms", recipient=mobile, complaint_id=case_id,
                           dedupe_key=f"lead:{case_id}:{iso(now)}",
                           body=f"【薪安通】您已被指定为欠薪案件{case_id}（回执{case['receipt']}）的包案领导，"
                                f"请督促办结：{case_url(config.public_base_url, case_id)}")


def raise_to_county(db: sqlite_utils.Database, registry, case_id: int, actor: str, reason: str,
                    now: datetime) -> None:
    """提级办理: the county desk takes the case over (assignee and responsible become the county);
    the first township keeps it in its list (首问负责). The worker sees that the county follows it."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise TransitionError("提级办理需要写明原因")
    with write_transaction(db):
        case = _open_case(db, case_id)
        if case["assignee_kind"] == "county" and case["raised_at"]:
            raise TransitionError("案件已由县监察大队提级办理")
        frm = label_for(registry, case["assignee_kind"], case["assignee_code"])
        db.conn.execute("UPDATE complaints SET assignee_kind = 'county', assignee_code = '', responsible_kind = 'county',"
                        " responsible_code = '', raised_at = ?, status = CASE WHEN status IN ('new', 'transferred')"
                        " THEN 'acknowledged' ELSE status END, acknowledged_at = COALESCE(acknowledged_at, ?)"
                        " WHERE id = ?", (iso(now), iso(now), case_id))
        db.conn.execute("INSERT INTO routing_decisions (complaint_id, decided_at, rule, target_kind, target_code,"
                        " recipient_name, reason) VALUES (?, ?, 'raise', 'county', '', ?, ?)",
                        (case_id, iso(now), registry.county.desk.name_zh, f"县监察大队提级办理（原承办：{frm}）：{reason}"))
        _event(db, case_id, now, actor, "raised", detail=reason, public=True)
