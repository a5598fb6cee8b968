"""The worker answers back after an outcome (回访, seed 001; 评价排名, seed 003).

From the status page (receipt + mobile) the worker says whether the wages were paid and how
satisfied they are, with an optional comment. "Not paid" or "not satisfied" within
``REOPEN_DAYS`` of the outcome reopens the case with the body that stays responsible
(首问负责, seed 002: whoever first took the case keeps it until it is really settled), tells the
county desk and that body by email, and writes the timeline and the audit log, all in one
transaction. Later answers are kept (the desk and the ranking read them) but reopen nothing:
the status page then points to arbitration, 12333 and legal aid instead.

One answer per outcome: a second answer to the same outcome is refused, so a reload cannot
reopen twice or count twice in the ranking.

A case this county sent to another county and that county closed (``transferred_out``, with a
``county_transfer_resolved`` outcome) is answered here too: the worker was told the outcome by our
SMS and page. The answer is recorded, but reopens nothing (the case is the other county's; this
county cannot reopen it): "not paid"/"not satisfied" emails the county desk to take it up with
that county, and the page says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from wagesafe.localtime import format_local

from formsvc.notify import outbox
from formsvc.storage import audit
from formsvc.storage.store import iso, write_transaction

from . import cases, money, outcomes

PAID = ("yes", "partly", "no")
RATINGS = ("satisfied", "partly", "not_satisfied")
MAX_COMMENT = 500
PAID_ZH = {"yes": "已拿到工资", "partly": "拿到一部分", "no": "没有拿到"}
RATING_ZH = {"satisfied": "满意", "partly": "基本满意", "not_satisfied": "不满意"}


class AnswerError(ValueError):
    """The answer cannot be taken (no outcome yet, already answered, or a value off the list)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key  # an i18n key: the worker reads it in their language


def answerable(case: dict, answers: list[dict]) -> bool:
    """An outcome is on the case and the worker has not answered it yet."""
    if case["status"] not in cases.CLOSED_STATUSES or not case.get("resolved_at"):
        return False
    return not any(a["at"] >= case["resolved_at"] for a in answers)


def answers_for(db: sqlite_utils.Database, case_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM worker_answers WHERE complaint_id = ? ORDER BY at, id", [case_id]))


def reopens(paid: str, rating: str) -> bool:
    return paid == "no" or rating == "not_satisfied"


def record_answer(db: sqlite_utils.Database, registry, config, case_id: int, paid: str, rating: str, comment: str,
                  now: datetime) -> dict:
    """Store the answer; reopen when it says "not paid"/"not satisfied" in time. Returns the
    answer row plus ``reopened``. :raises AnswerError: with an i18n key."""
    if paid not in PAID:
        raise AnswerError("answer_err_paid")
    if rating not in RATINGS:
        raise AnswerError("answer_err_rating")
    comment = " ".join((comment or "").split())[:MAX_COMMENT]
    with write_transaction(db):
        case = cases.get_case(db, case_id)
        if case is None or not answerable(case, answers_for(db, case_id)):
            raise AnswerError("answer_err_closed")
        in_time = now - datetime.fromisoformat(case["resolved_at"]) <= timedelta(days=config.reopen_days)
        there = _closed_there(db, case)
        reopened = reopens(paid, rating) and in_time and there is None
        outcome = there.kind if there is not None else case["outcome"]
        cur = db.conn.execute(
            "INSERT INTO worker_answers (complaint_id, at, outcome, paid, rating, comment, reopened)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (case_id, iso(now), outcome, paid, rating, comment, int(reopened)))
        answer_id = cur.lastrowid
        by = f"{there.where}的" if there is not None else ""
        words = f"{PAID_ZH[paid]}，{RATING_ZH[rating]}（{by}办理结果：{outcomes.label(outcome) or '已办结'}）"
        cases._event(db, case_id, now, "worker", "worker_answer", detail=words)
        audit.insert(db, None, "worker_answer", case_id, detail=words + ("；案件重新打开" if reopened else ""), now=now)
        if reopened:
            cases.reopen_in_transaction(db, case, now, why=words)
            _tell_desk(db, registry, config, case, answer_id, words, now)
        told_desk = there is not None and reopens(paid, rating)
        if told_desk:
            _tell_desk_closed_there(db, registry, config, case, there.where, answer_id, words, now)
    return dict(id=answer_id, complaint_id=case_id, paid=paid, rating=rating, comment=comment, reopened=reopened,
                told_desk=told_desk)


def _closed_there(db, case: dict):
    """The other county's outcome (``money.Figures`` with ``where``) of a case sent there, else ``None``."""
    if case["status"] != "transferred_out":
        return None
    current = money.of_case(db, case).current
    return current if current is not None and current.where else None


def _tell_desk_closed_there(db, registry, config, case: dict, county: str, answer_id: int, words: str,
                            now: datetime) -> None:
    """"Not paid" on a case the other county closed: the county desk takes it up with that county (the
    case stays closed here: it is theirs). No comment, no name in the mail."""
    desk = cases.contact_for(registry, "county", "")
    if not desk.email:
        return
    row = db.conn.execute("SELECT remote_receipt FROM county_transfers WHERE complaint_id = ? AND remote_id IS NOT NULL"
                          " ORDER BY id DESC LIMIT 1", (case["id"],)).fetchone()
    receipt = f"（对方回执号 {row[0]}）" if row and row[0] else ""
    body = (f"投诉人对案件 {case['id']} 的办理结果回复：{words}。\n"
            f"此案已转送{county}{receipt}并由其办结，本县不能重新打开。请与{county}联系，跟进欠薪是否支付，"
            f"并告诉投诉人下一步（可以在干活的地方或用人单位所在地申请劳动仲裁，《劳动争议调解仲裁法》第二十一条）。\n"
            f"{money_line(db, case['id'])}\n"
            f"处理台链接（需登录）：{cases.case_url(config.public_base_url, case['id'])}\n")
    outbox.enqueue(db, kind="answer_closed_there", channel="email", recipient=desk.email,
                   subject=f"[薪安通] 工人反馈未解决：案件 {case['id']}（{county}已办结）", body=body,
                   complaint_id=case["id"], dedupe_key=f"answer_closed_there:{case['id']}:{answer_id}")


def _tell_desk(db, registry, config, case: dict, answer_id: int, words: str, now: datetime) -> None:
    """Email the county desk and the responsible body: the case is theirs again. No comment, no
    name in the mail: the desk page (sign-in) shows the rest."""
    link = cases.case_url(config.public_base_url, case["id"])
    responsible = cases.contact_for(registry, case["responsible_kind"], case["responsible_code"])
    desk = cases.contact_for(registry, "county", "")
    subject = f"[薪安通] 工人反馈未解决：案件 {case['id']}（回执 {case['receipt']}）已重新打开"
    zone = config.timezone
    due = now + timedelta(days=config.resolve_days)  # the clock reopen_in_transaction restarted (deadlines_from)
    body = (f"投诉人对案件 {case['id']} 的办理结果回复：{words}。\n"
            f"办结时间：{format_local(case['resolved_at'], zone, with_zone=True)}；"
            f"回复时间：{format_local(now, zone, with_zone=True)}。\n"
            f"{money_line(db, case['id'])}\n\n"
            f"按首问负责制，案件已退回负责单位 {responsible.label} 继续办理，请督办。\n"
            f"办结期限{cases.SINCE_REOPENED_ZH}重新计算：{format_local(due, zone, with_zone=True)}前"
            f"（{config.resolve_days:g} 天）；到期未解决将提醒承办单位，再过 {config.resolve_days:g} 天上报。\n"
            f"处理台链接（需登录）：{link}\n")
    for who, contact in (("desk", desk), ("responsible", responsible)):
        if contact.email and (who == "desk" or contact.email != desk.email):
            outbox.enqueue(db, kind="reopened", channel="email", recipient=contact.email, subject=subject, body=body,
                           complaint_id=case["id"], dedupe_key=f"reopened:{case['id']}:{answer_id}:{who}")


def money_line(db, case_id: int) -> str:
    """The case's money in one line for an officer's email (``formsvc.case.money``: the figures the
    case page and the worker's page show)."""
    m = money.of_case(db, {"id": case_id})
    parts = [f"投诉金额 {money.yuan(m.claimed)}"]
    if m.recovered:
        parts.append(f"已追回 {money.yuan(m.recovered)}" + (f"（其中 {money.yuan(m.disputed)} 投诉人回复没有拿到）"
                                                           if m.disputed else ""))
    parts.append(f"尚欠 {money.yuan(m.left)}")
    return "钱：" + "，".join(parts) + "。"
