"""Nothing abandoned: a notice that died is resent from the desk, and the county desk hears of a
dead notice to an officer by the other channel.

The notice worker marks a notice ``dead`` after ``NOTICE_MAX_ATTEMPTS`` tries (or a permanent
refusal). Before, that ended it: an officer whose mailbox was full never heard of the case, and
the row sat in a table. Now:

- ``alert_desk`` (every minute, from ``scheduler.tick``): for each dead notice to an officer, the
  county desk is told once by the *other* channel (an SMS when the email died, an email when the
  SMS died), so the failure reaches a person who can pick up a phone; its ``dedupe_key``
  (``dead-alert:<id>``) makes it once-only, and an alert never alerts about itself.
- ``resend`` (the desk's button, audited): the same row goes back to ``pending`` with its
  attempts reset; the worker then delivers it once, like any other notice (its claim and
  ``sent`` status keep it from going twice).
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from formsvc.case.cases import case_url
from formsvc.notify import outbox
from formsvc.storage import audit
from formsvc.storage.store import iso, write_transaction

ALERT_KIND = "dead_notice"
# Notices to the people who act on cases (the worker's own SMS, sign-in links and the report are not).
OFFICER_KINDS = ("new_case", "urgent", "transfer", "reminder", "escalation", "zhuanban", "call", "lead")
ALERT_BATCH = 50


def _desk_channels(registry) -> dict[str, str]:
    desk = registry.county.desk
    return {"email": desk.email or "", "sms": desk.contact.mobile if desk.contact else ""}


def alert_desk(db: sqlite_utils.Database, registry, config, now: datetime) -> list[str]:
    """Queue one alert to the county desk, by the other channel, per dead officer notice."""
    marks = ",".join("?" * len(OFFICER_KINDS))
    dead = list(db.query(
        f"SELECT n.id, n.kind, n.channel, n.recipient, n.complaint_id, n.last_error FROM notices n"
        f" WHERE n.status = 'dead' AND n.kind IN ({marks}) AND NOT EXISTS"
        f" (SELECT 1 FROM notices a WHERE a.dedupe_key = 'dead-alert:' || n.id) ORDER BY n.id LIMIT ?",
        [*OFFICER_KINDS, ALERT_BATCH]))
    desk = _desk_channels(registry)
    lines = []
    for n in dead:
        other = "sms" if n["channel"] == "email" else "email"
        if not desk[other]:
            other = n["channel"]  # no other channel: the same one is better than silence
        what = "邮件" if n["channel"] == "email" else "短信"
        case = f"案件{n['complaint_id']}" if n["complaint_id"] else "一条通知"
        link = case_url(config.public_base_url, n["complaint_id"]) if n["complaint_id"] else \
            f"{config.public_base_url.rstrip('/')}/desk/dashboard"
        with write_transaction(db):
            if other == "sms":
                queued = outbox.enqueue(db, kind=ALERT_KIND, channel="sms", recipient=desk["sms"],
                                        complaint_id=n["complaint_id"], dedupe_key=f"dead-alert:{n['id']}",
                                        body=f"【薪安通】{case}的{what}通知未能送达承办人，请电话联系并在办案台重发：{link}")
            else:
                queued = outbox.enqueue(
                    db, kind=ALERT_KIND, channel="email", recipient=desk["email"], complaint_id=n["complaint_id"],
                    dedupe_key=f"dead-alert:{n['id']}", subject=f"【薪安通】{case}的{what}通知未能送达",
                    body=(f"{registry.county.desk.name_zh}：\n\n{case}发给 {n['recipient']} 的{what}通知多次发送失败，"
                          f"已停止重试。请电话联系承办人，并在办案台重发：\n{link}\n\n最后一次错误：{n['last_error']}\n"))
        if queued:
            lines.append(f"dead notice {n['id']}: county desk told by {other}")
    return lines


def resend(db: sqlite_utils.Database, notice_id: int, *, user_id: int | None, now: datetime, ip: str = "") -> bool:
    """Put a dead notice back in the queue (attempts reset); False if it is not dead. Audited."""
    with write_transaction(db):
        cur = db.conn.execute("UPDATE notices SET status = 'pending', attempts = 0, next_attempt_at = ?,"
                              " claimed_at = NULL, claimed_by = NULL WHERE id = ? AND status = 'dead'",
                              (iso(now), notice_id))
        if cur.rowcount == 1:
            row = db.conn.execute("SELECT complaint_id, kind, channel, recipient FROM notices WHERE id = ?",
                                  (notice_id,)).fetchone()
            audit.insert(db, user_id, "resend_notice", row[0], detail=f"notice {notice_id} {row[1]} {row[2]} {row[3]}",
                         ip=ip, now=now)
    return cur.rowcount == 1
