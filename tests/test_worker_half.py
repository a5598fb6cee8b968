"""The worker's half of the case (issue 14): SMS with consent, outcomes, next steps, the worker's
answer and the reopen, the township ranking, and times in the county's zone.

One real app (form, status page and desk) on a real SQLite file; SMS delivered by the real
notice worker through the file provider into ``var/sms/``; no mocks.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from formsvc.case import answers, cases, outcomes, receipts
from formsvc.duties import scheduler
from formsvc.notify import notices, worker
from formsvc.notify.notifiers import AliyunSmsProvider, FileSmsProvider, PermanentFailure
from formsvc.storage import store
from formsvc.web.desk import ranking
from tests.desk_fixtures import COUNTY, HEXI, HOUSING, T0, insert_case, post
from tests.test_intake import GOOD, tokens

NAME, MOBILE, BOSS = GOOD["name"], "13812345678", GOOD["owed_by_name"]
CONTRACTOR = "青禾同创城建有限公司"  # qh012's general contractor


def submit(client, **fields):
    page = client.get("/r/qh012").data
    data = {**tokens(page), **GOOD, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    r = client.post("/r/qh012", data=data, content_type="multipart/form-data")
    assert r.status_code == 303, r.data.decode()[:2000]
    return r.headers["Location"].rsplit("/", 1)[-1]


def deliver(desk, now=None):
    """Run the periodic duties (the worker loop's tick queues the worker SMS) and the notice worker
    once, SMS into var/sms/ as files."""
    now = now or store.utcnow()
    scheduler.tick(desk.db, desk.registry, desk.config, now)
    sms = FileSmsProvider(desk.config.var_dir / "sms")
    worker.run_once(desk.db, {"sms": sms, "email": _NullEmail()}, now)


class _NullEmail:
    def send(self, notice):  # the officers' emails are tested elsewhere (real SMTP); here: SMS
        return None


def sms_files(desk) -> list[dict]:
    folder = desk.config.var_dir / "sms"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


def worker_sms_to(desk, number=MOBILE) -> list[dict]:
    return [s for s in sms_files(desk) if s["to"] == number]


def status_page(client, receipt, mobile=MOBILE) -> str:
    r = client.post("/status", data={**tokens(client.get("/status").data), "receipt": receipt, "mobile": mobile})
    assert r.status_code == 200, r.data.decode()[:500]
    return r.data.decode()


def case_id_of(desk, receipt) -> int:
    return desk.db.execute("SELECT id FROM complaints WHERE receipt = ?", [receipt]).fetchone()[0]


def test_consent_gives_one_sms_per_step_and_none_carries_name_amount_or_company(desk):
    c = desk.app.test_client()
    receipt = submit(c, sms_updates="y")
    deliver(desk)
    got = worker_sms_to(desk)
    assert [s["kind"] for s in got] == ["worker_receipt"]
    assert "我们已给您的手机发短信" in c.get(f"/receipt/{receipt}").data.decode()
    assert receipt in got[0]["body"] and f"/status?receipt={receipt}" in got[0]["body"]
    cid = case_id_of(desk, receipt)
    officer = desk.client(HEXI)
    post(officer, f"/desk/cases/{cid}/acknowledge")
    deliver(desk)
    deliver(desk)  # a second run finds nothing new: once per event
    assert [s["kind"] for s in worker_sms_to(desk)] == ["worker_receipt", "worker_acknowledged"]
    assert "河西街道" in worker_sms_to(desk)[-1]["body"]
    post(officer, f"/desk/cases/{cid}/transfer", {"target": "department:housing", "reason": "住建领域"})
    deliver(desk)
    assert worker_sms_to(desk)[-1]["kind"] == "worker_transferred"
    assert "住房和城乡建设局" in worker_sms_to(desk)[-1]["body"]
    post(desk.client(HOUSING), f"/desk/cases/{cid}/acknowledge")
    r = post(desk.client(HOUSING), f"/desk/cases/{cid}/outcome",
             {"outcome": "partly_paid", "amount": "8,000", "left": "4000"})
    assert r.status_code == 303
    deliver(desk)
    kinds = [s["kind"] for s in worker_sms_to(desk)]
    assert kinds == ["worker_receipt", "worker_acknowledged", "worker_transferred", "worker_acknowledged",
                     "worker_outcome"]
    assert "工资已部分支付" in worker_sms_to(desk)[-1]["body"]
    for s in worker_sms_to(desk):  # every kind: no name, no amount, no company, no boss
        for secret in (NAME, "12000", "12,000", "8000", "8,000", "4000", BOSS, CONTRACTOR, "滨江路"):
            words = re.sub(r"https?://\S+", "LINK", s["body"])  # the demo address has :8000 in it
            assert secret not in words, (s["kind"], secret, s["body"])
    # the stored notices carry the Aliyun template variables, also free of those
    for n in desk.db.query("SELECT subject FROM notices WHERE kind LIKE 'worker_%'"):
        assert NAME not in n["subject"] and "8000" not in n["subject"] and CONTRACTOR not in n["subject"]



def test_no_consent_and_anonymous_tips_get_no_sms(desk):
    c = desk.app.test_client()
    plain = submit(c)  # box not ticked
    anon = submit(c, anonymous="y", name="", mobile="", sms_updates="y", consent=None)
    officer = desk.client(HEXI)
    for receipt in (plain, anon):
        cid = case_id_of(desk, receipt)
        post(officer, f"/desk/cases/{cid}/acknowledge")
        post(officer, f"/desk/cases/{cid}/outcome", {"outcome": "paid_in_full", "amount": "12000"})
    deliver(desk)
    assert worker_sms_to(desk) == []
    assert desk.db.execute("SELECT count(*) FROM notices WHERE kind LIKE 'worker_%'").fetchone()[0] == 0
    assert desk.db.execute("SELECT sms_consent FROM complaints WHERE receipt = ?", [anon]).fetchone()[0] == 0


def test_consent_box_is_ticked_only_when_the_county_says_so(desk, tmp_path, data_dir):
    from tests.desk_fixtures import Desk

    box = re.compile(r'<input[^>]*id="sms_updates"[^>]*>')
    assert "checked" not in box.search(desk.app.test_client().get("/r/qh012").data.decode()).group(0)
    other = Desk(tmp_path / "other", data_dir, sms_consent_default=True)
    assert "checked" in box.search(other.app.test_client().get("/r/qh012").data.decode()).group(0)


@pytest.mark.parametrize("kind", notices.WORKER_SMS_KINDS)
def test_every_worker_sms_kind_leaves_out_name_amount_and_company(kind):
    case = {"receipt": "ABCD-EFGH", "sms_consent": 1, "anonymous": 0, "mobile": MOBILE, "name": NAME, "lang": "zh",
            "amount_yuan": 12000, "owed_by_name": BOSS}
    for lang in ("zh", "en"):
        n = notices.worker_sms(kind, dict(case, lang=lang), "https://w.example", place="河西街道",
                               outcome=outcomes.label("partly_paid", lang))
        assert "ABCD-EFGH" in n.body and "https://w.example/status?receipt=ABCD-EFGH" in n.body
        for secret in (NAME, "12000", "12,000", BOSS, CONTRACTOR):
            assert secret not in n.body and secret not in n.subject
    assert notices.worker_sms(kind, dict(case, sms_consent=0), "https://w.example") is None
    assert notices.worker_sms(kind, dict(case, anonymous=1), "https://w.example") is None


def test_outcome_check_wants_the_figures_of_each_kind():
    with pytest.raises(outcomes.OutcomeError, match="请选择办理结果"):
        outcomes.check("")
    with pytest.raises(outcomes.OutcomeError, match="金额"):
        outcomes.check("paid_in_full", amount="")
    with pytest.raises(outcomes.OutcomeError, match="约定的支付日期"):
        outcomes.check("mediation", amount="5000", promised_date="next week")
    with pytest.raises(outcomes.OutcomeError, match="说明"):
        outcomes.check("not_substantiated", text="  ")
    with pytest.raises(outcomes.OutcomeError, match="转至哪里"):
        outcomes.check("not_this_county", text="")
    o = outcomes.check("partly_paid", amount="8,000元", claimed_yuan=12000)
    assert (o.amount_yuan, o.left_yuan, o.recovered_yuan) == (8000, 4000, 8000)
    assert outcomes.check("mediation", amount="5000", promised_date="2027-01-15").recovered_yuan == 0
    assert outcomes.check("advance_fund", amount="3000").recovered_yuan == 3000
    assert outcomes.check("police").spec.status == "resolved"
    assert outcomes.check("not_substantiated", text="工地已按时足额支付").spec.status == "closed_unfounded"


def test_desk_refuses_an_outcome_without_its_figures_and_keeps_the_case(desk):
    cid = insert_case(desk.db, status="acknowledged")
    officer = desk.client(HEXI)
    r = post(officer, f"/desk/cases/{cid}/outcome", {"outcome": "partly_paid", "amount": ""})
    assert r.status_code == 303
    assert desk.case(cid)["status"] == "acknowledged"
    assert "请填写支付金额" in officer.get(f"/desk/cases/{cid}").data.decode()
    page = officer.get(f"/desk/cases/{cid}").data.decode()
    for o in outcomes.OUTCOMES.values():
        assert o.zh in page  # the closed list is on the form


def test_status_page_shows_outcome_amount_next_step_and_tappable_numbers(desk):
    c = desk.app.test_client()
    receipt = submit(c, sms_updates="y", amount_yuan="12000")
    cid = case_id_of(desk, receipt)
    officer = desk.client(HEXI)
    post(officer, f"/desk/cases/{cid}/acknowledge")
    page = status_page(c, receipt)
    assert "河西街道正在核实情况" in page and 'href="tel:12333"' in page
    post(officer, f"/desk/cases/{cid}/outcome", {"outcome": "partly_paid", "amount": "8000"})
    page = status_page(c, receipt)
    assert "工资已部分支付" in page and "已支付：8,000 元" in page and "尚欠：4,000 元" in page
    assert "劳动仲裁" in page and 'href="tel:12333"' in page and 'href="tel:12348"' in page
    assert 'href="tel:07990601001"' in page            # the county's arbitration committee, from the registry
    assert 'href="/guides/free-legal-aid/"' in page
    assert "您拿到工资了吗" in page
    en = c.post("/status?lang=en", data={**tokens(c.get("/status?lang=en").data), "receipt": receipt,
                                         "mobile": MOBILE}).data.decode()
    assert "Wages partly paid" in en and "Still owed: 4,000 yuan" in en and 'href="/en/guides/free-legal-aid/"' in en


def answer(client, receipt, paid, rating, mobile=MOBILE, comment=""):
    page = client.get("/status").data
    return client.post("/status/answer", data={**tokens(page), "receipt": receipt, "mobile": mobile, "paid": paid,
                                               "rating": rating, "comment": comment})


def test_not_paid_reopens_the_case_with_the_responsible_township_and_tells_the_desk(desk):
    c = desk.app.test_client()
    receipt = submit(c, sms_updates="y", amount_yuan="12000")
    cid = case_id_of(desk, receipt)
    officer = desk.client(HEXI)
    post(officer, f"/desk/cases/{cid}/acknowledge")
    post(officer, f"/desk/cases/{cid}/outcome", {"outcome": "partly_paid", "amount": "8000", "left": "4000"})
    assert answer(c, receipt, "no", "partly", mobile="13900000000").status_code == 404  # not the worker
    r = answer(c, receipt, "no", "partly", comment="包工头说下个月再说")
    assert r.status_code == 200
    assert "案件已重新打开" in r.data.decode()
    case = desk.case(cid)
    assert case["status"] == "in_progress" and case["resolved_at"] is None
    assert (case["assignee_kind"], case["assignee_code"]) == ("township", "hexi")
    assert case["amount_recovered_yuan"] == 8000   # money received stays counted
    mails = desk.notices("reopened")
    assert {m["recipient"] for m in mails} == {COUNTY, HEXI}
    assert all(NAME not in m["body"] and "下个月" not in m["body"] for m in mails)
    assert desk.db.execute("SELECT count(*) FROM audit_log WHERE action = 'worker_answer' AND complaint_id = ?",
                           [cid]).fetchone()[0] == 1
    assert "reopened" in [e["kind"] for e in desk.db.query("SELECT kind FROM events WHERE complaint_id = ?", [cid])]
    listing = officer.get("/desk/cases").data.decode()
    assert f"/desk/cases/{cid}" in listing
    page = desk.client(COUNTY).get(f"/desk/cases/{cid}").data.decode()
    assert "投诉人回访评价" in page and "没有拿到" in page and "基本满意" in page and "包工头说下个月再说" in page
    # answered once: the same outcome cannot be answered again
    again = answer(c, receipt, "no", "not_satisfied")
    assert again.status_code == 400 and "不需要回复" in again.data.decode()
    assert desk.db.execute("SELECT count(*) FROM worker_answers").fetchone()[0] == 1


def test_late_or_happy_answers_reopen_nothing(desk):
    cid = insert_case(desk.db, status="acknowledged", sms_consent=1)
    cases.record_outcome(desk.db, cid, HEXI, outcomes.check("paid_in_full", amount="24000"), T0)
    late = T0 + timedelta(days=desk.config.reopen_days, hours=1)
    a = answers.record_answer(desk.db, desk.registry, desk.config, cid, "no", "not_satisfied", "", late)
    assert not a["reopened"] and desk.case(cid)["status"] == "resolved"
    cid2 = insert_case(desk.db, status="acknowledged")
    cases.record_outcome(desk.db, cid2, HEXI, outcomes.check("paid_in_full", amount="24000"), T0)
    a = answers.record_answer(desk.db, desk.registry, desk.config, cid2, "yes", "satisfied", "", T0 + timedelta(days=1))
    assert not a["reopened"] and desk.case(cid2)["status"] == "resolved"
    with pytest.raises(answers.AnswerError):
        answers.record_answer(desk.db, desk.registry, desk.config, cid2, "maybe", "satisfied", "", T0)


def test_times_read_in_the_county_zone_everywhere(desk):
    """23:53 UTC is 07:53 of the next day in Asia/Shanghai: on the status page, the desk, the email, the CSV."""
    at = datetime(2026, 11, 30, 23, 53, tzinfo=timezone.utc)
    cid = insert_case(desk.db, created_at=at, status="new", mobile=MOBILE, receipt=receipts.new_receipt())
    receipt = desk.case(cid)["receipt"]
    page = status_page(desk.app.test_client(), receipt)
    assert "2026-12-01 07:53" in page and "23:53" not in page
    desk.app.config["DESK_CLOCK"] = lambda: at
    county = desk.client(COUNTY)
    case_page = county.get(f"/desk/cases/{cid}").data.decode()
    assert "2026-12-01 07:53" in case_page and "23:53" not in case_page
    assert "2026-12-01 07:53" in county.get("/desk/cases").data.decode()
    rows = list(csv.reader(io.StringIO(county.get("/desk/export.csv").data.decode("utf-8-sig"))))
    assert rows[1][2] == "2026-12-01T07:53:00+08:00"
    cases.acknowledge(desk.db, cid, HEXI, at)
    cases.record_outcome(desk.db, cid, HEXI, outcomes.check("paid_in_full", amount="100"), at)
    answers.record_answer(desk.db, desk.registry, desk.config, cid, "no", "not_satisfied", "", at)
    mail = desk.notices("reopened")[0]
    assert "2026-12-01 07:53" in mail["body"] and "23:53" not in mail["body"]


def test_ranking_from_real_cases_with_known_medians_and_shares(desk):
    day = T0  # 2026-03-02 10:00 Shanghai
    made = []
    # hexi: acknowledged after 2, 4 and 9 hours; resolved after 1 and 3 days; one satisfied, one reopened
    for ack_h, done_d in ((2, 1), (4, 3), (9, None)):
        cid = insert_case(desk.db, township="hexi", created_at=day, amount_yuan=10000)
        cases.acknowledge(desk.db, cid, HEXI, day + timedelta(hours=ack_h))
        if done_d:
            cases.record_outcome(desk.db, cid, HEXI, outcomes.check("partly_paid", amount="6000", left="4000"),
                                 day + timedelta(days=done_d))
        made.append(cid)
    answers.record_answer(desk.db, desk.registry, desk.config, made[0], "yes", "satisfied", "", day + timedelta(days=2))
    answers.record_answer(desk.db, desk.registry, desk.config, made[1], "no", "not_satisfied", "",
                          day + timedelta(days=4))
    # dongcheng: one case never acknowledged (overdue at the end of the period)
    insert_case(desk.db, township="dongcheng", created_at=day)
    # outside the period: not counted
    insert_case(desk.db, township="hexi", created_at=day - timedelta(days=40))
    rows = {r.code: r for r in ranking.compute(desk.db, desk.registry, desk.config, date(2026, 3, 1),
                                               date(2026, 3, 31), day + timedelta(days=10))}
    h = rows["hexi"]
    assert (h.cases, h.median_ack_hours, h.recovered_yuan, h.answers) == (3, 4.0, 12000, 2)
    assert h.median_resolve_days == 1.0          # the reopened one is no longer resolved: only the 1-day case
    assert h.share_satisfied == 0.5 and h.share_reopened == 0.5
    d = rows["dongcheng"]
    assert (d.cases, d.overdue, d.median_ack_hours, d.share_satisfied) == (1, 1, None, None)
    order = [r.code for r in ranking.sort(list(rows.values()), "cases", True)]
    assert order[:2] == ["hexi", "dongcheng"]
    county = desk.client(COUNTY)
    page = county.get("/desk/ranking?start=2026-03-01&end=2026-03-31&sort=satisfied").data.decode()
    assert "镇街评价排名" in page and "50%" in page
    text = county.get("/desk/ranking?start=2026-03-01&end=2026-03-31&format=csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    hexi = next(line for line in lines if line[0] == "hexi")
    assert hexi[2:] == ["3", "4.0", "1.0", "0", "12000", "50%", "50%", "2", "满意 1 · 基本满意 0 · 不满意 1"]


def test_aliyun_uses_one_template_per_kind():
    p = AliyunSmsProvider(access_key_id="k", access_key_secret="s", sign_name="青禾县人社局", template_code="SMS_NEW",
                          template_codes={"new_case": "SMS_NEW", "worker_receipt": "SMS_RCPT",
                                          "transfer": "SMS_XFER"})
    n = {"id": 1, "kind": "worker_receipt", "channel": "sms", "recipient": MOBILE, "complaint_id": 3,
         "subject": json.dumps({"receipt": "ABCD-EFGH"}), "body": "x https://w.example/status?receipt=ABCD-EFGH"}
    params = p.signed_params(n)
    assert params["TemplateCode"] == "SMS_RCPT"
    assert json.loads(params["TemplateParam"])["receipt"] == "ABCD-EFGH"
    assert p.signed_params(dict(n, kind="transfer"))["TemplateCode"] == "SMS_XFER"  # not the new-case one
    with pytest.raises(PermanentFailure, match="ALIYUN_SMS_TEMPLATE_OUTCOME"):
        p.signed_params(dict(n, kind="worker_outcome"))


def test_phone_numbers_on_the_form_service_pages_are_tel_links(desk):
    from formsvc.web.intake.phone_links import tel_links

    c = desk.app.test_client()
    receipt = submit(c)
    page = c.get(f"/receipt/{receipt}").data.decode()
    assert 'href="tel:12333"' in page and 'href="tel:12348"' in page
    assert "我们已给您的手机发短信" not in page  # no consent, no SMS, no such promise
    assert 'href="tel:12333"' in c.get("/complain").data.decode()
    unknown = c.get("/r/no-such-site")
    assert unknown.status_code == 404 and 'href="tel:12333"' in unknown.data.decode()
    assert 'href="/status"' in unknown.data.decode()
    assert str(tel_links("拨打 0799-0601001 或 12333，<b>")) == (
        '拨打 <a href="tel:07990601001">0799-0601001</a> 或 <a href="tel:12333">12333</a>，&lt;b&gt;')
    assert str(tel_links("追回 123330 元")) == "追回 123330 元"  # not inside a longer number


def test_daily_report_counts_outcomes_amounts_and_reopened_cases(desk):
    from formsvc.duties import daily_report

    start = datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc)  # 2026-03-02 00:00 in Shanghai
    a = insert_case(desk.db, township="hexi", created_at=start - timedelta(days=1), status="acknowledged")
    b = insert_case(desk.db, township="hexi", created_at=start - timedelta(days=1), status="acknowledged")
    cases.record_outcome(desk.db, a, HEXI, outcomes.check("partly_paid", amount="8000", left="4000"),
                         start + timedelta(hours=3))
    cases.record_outcome(desk.db, b, HEXI, outcomes.check("advance_fund", amount="3000"), start + timedelta(hours=4))
    answers.record_answer(desk.db, desk.registry, desk.config, b, "no", "not_satisfied", "",
                          start + timedelta(hours=5))
    report = daily_report.build(desk.db, desk.registry, desk.config, date(2026, 3, 2))
    assert report.rows["hexi"].amount_recovered_yuan == 11000 and report.reopened == 1
    assert report.outcomes == {"partly_paid": 1}  # the reopened one has no outcome now
    _, body = daily_report.render(report, desk.registry)
    assert "工资已部分支付 1 件" in body and "重新打开：1 件" in body


def test_retention_blanks_the_workers_comment_and_keeps_the_rating(tmp_path, data_dir):
    from formsvc.duties import retention
    from tests.desk_fixtures import Desk

    d = Desk(tmp_path, data_dir, personal_data_retention_days=30)
    cid = insert_case(d.db, status="acknowledged")
    cases.record_outcome(d.db, cid, HEXI, outcomes.check("paid_in_full", amount="24000"), T0)
    answers.record_answer(d.db, d.registry, d.config, cid, "yes", "satisfied", f"{NAME}谢谢王科长", T0)
    assert retention.redact_due(d.db, d.config, T0 + timedelta(days=31))
    row = next(d.db.query("SELECT comment, rating, paid FROM worker_answers WHERE complaint_id = ?", [cid]))
    assert row == {"comment": "", "rating": "satisfied", "paid": "yes"}
