"""Nothing abandoned: a notice killed by a stopped SMTP server past its retries is shown on the
case and the dashboard, the county desk is told by the other channel, and the desk's resend
button (audited) delivers it once when the server is back."""

from __future__ import annotations

from datetime import timedelta

from formsvc.case import complaints
from formsvc.demo.mailcatcher import MailCatcher, message_text, read_message
from formsvc.duties import dead_notices, scheduler
from formsvc.notify.notifiers import EmailSender, FileSmsProvider
from formsvc.notify.worker import run_once
from formsvc.storage import store
from tests.desk_fixtures import COUNTY, DONGCHENG, HEXI, post
from tests.net import free_port

MAX = 3


def _email(port: int, sms_dir) -> dict:
    return {"email": EmailSender("127.0.0.1", port, mail_from="WageSafe <noreply@wagesafe.localhost>", timeout=2),
            "sms": FileSmsProvider(sms_dir)}


def test_dead_notice_is_shown_alerted_resent_from_the_desk_and_delivered_once(desk, tmp_path):
    data = complaints.ComplaintInput(submission_token="0000000000000001-dead", project_code="qh012", name="王五",
                                     mobile="13912345678", consent=True, amount_yuan=5000)
    cid = complaints.submit(desk.db, desk.registry, desk.config, data, [], ip="10.7.0.1").complaint_id
    [email] = [n for n in desk.notices("new_case") if n["channel"] == "email"]
    # the SMTP server is stopped: every attempt is refused, until the notice is dead
    port = free_port()
    t = store.utcnow()
    for i in range(MAX + 1):
        t += timedelta(hours=2)
        run_once(desk.db, _email(port, tmp_path / 'sms'), t, max_attempts=MAX)
    row = next(desk.db.query("SELECT * FROM notices WHERE id = ?", [email["id"]]))
    assert row["status"] == "dead" and row["attempts"] == MAX
    # the county desk is told by the other channel (SMS), once, without the worker's data
    scheduler.tick(desk.db, desk.registry, desk.config, t)
    scheduler.tick(desk.db, desk.registry, desk.config, t + timedelta(minutes=1))
    [alert] = desk.notices(dead_notices.ALERT_KIND)
    assert alert["channel"] == "sms" and alert["recipient"] == desk.registry.county.desk.contact.mobile
    assert f"案件{cid}" in alert["body"] and "王五" not in alert["body"]
    # shown on the case (to its officer) and the dashboard (county), in words
    case_page = desk.client(HEXI).get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "发送失败的通知" in case_page and f"重发 #{email['id']}" in case_page and "新案件通知 · 邮件" in case_page
    dash = desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True)
    assert f"重发 #{email['id']}" in dash and "new_case" not in dash
    # another township cannot resend it
    assert post(desk.client(DONGCHENG), f"/desk/notices/{email['id']}/resend").status_code == 403
    with MailCatcher(tmp_path / "mail", port=0) as catcher:
        r = post(desk.client(COUNTY), f"/desk/notices/{email['id']}/resend")
        assert r.status_code == 303
        # a second press changes nothing: it is no longer dead
        post(desk.client(COUNTY), f"/desk/notices/{email['id']}/resend")
        for _ in range(3):
            t += timedelta(minutes=1)
            run_once(desk.db, _email(catcher.port, tmp_path / 'sms'), t, max_attempts=MAX)
        got = [read_message(p) for p in sorted(catcher.directory.glob("*.eml"))]
    # (the daily report the scheduler queued goes out too; this notice goes exactly once)
    mine = [m for m in got if m["Message-ID"].startswith(f"<notice-{email['id']}.")]
    assert len(mine) == 1 and f"/desk/cases/{cid}" in message_text(mine[0])
    row = next(desk.db.query("SELECT * FROM notices WHERE id = ?", [email["id"]]))
    assert row["status"] == "sent"
    [audit] = list(desk.db.query("SELECT * FROM audit_log WHERE action = 'resend_notice'"))
    assert audit["complaint_id"] == cid and str(email["id"]) in audit["detail"]
    assert "发送失败的通知" not in desk.client(HEXI).get(f"/desk/cases/{cid}").get_data(as_text=True)


def test_dead_sms_alerts_the_desk_by_email(desk):
    data = complaints.ComplaintInput(submission_token="0000000000000002-dead", project_code="qh012", name="王五",
                                     mobile="13912345678", consent=True, amount_yuan=5000)
    cid = complaints.submit(desk.db, desk.registry, desk.config, data, [], ip="10.7.0.2").complaint_id
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE notices SET status = 'dead', last_error = 'provider refused'"
                             " WHERE complaint_id = ? AND channel = 'sms'", [cid])
    dead_notices.alert_desk(desk.db, desk.registry, desk.config, store.utcnow())
    [alert] = desk.notices(dead_notices.ALERT_KIND)
    assert alert["channel"] == "email" and alert["recipient"] == desk.registry.county.desk.email
    assert "provider refused" in alert["body"]
    # an alert that dies does not alert about itself
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE notices SET status = 'dead' WHERE kind = ?", [dead_notices.ALERT_KIND])
    assert dead_notices.alert_desk(desk.db, desk.registry, desk.config, store.utcnow()) == []
