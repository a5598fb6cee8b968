"""Issue 23 finding 7: raw codes and errors in front of people. Each test failed on the old code:
the transfer card and the dashboard printed ``ConnectionError: HTTPConnectionPool(...)``, the audit
log printed ``with personal data`` / ``password`` and a roster entry in UTC, the receiving county
saw ``qinghe:qinghe-4-…``, a case entered on the desk or sent by another county was "工人选择了"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from formsvc.case import routing, sources
from formsvc.notify import outbox
from formsvc.officers import roster
from formsvc.storage import audit, store
from formsvc.web.desk import audit_words
from formsvc.web.desk.words import notice_error_words
from tests.desk_fixtures import COUNTY, insert_case

RAW = re.compile(r"[A-Za-z]+Error|Traceback|HTTPConnectionPool|\bNone\b|\d{4}-\d\d-\d\dT\d\d:\d\d")


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)[\s\S]*?</\1>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("error, words", [
    ("attempt 3: TemporaryFailure: http://127.0.0.1:1/open311/v2/requests.json: ConnectionError: "
     "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded", "连不上"),
    ("attempt 1: PermanentFailure: http://x/requests.json: HTTP 403: api_key 缺失或无效", "拒绝了本县的密钥"),
    ("attempt 2: PermanentFailure: recipient refused: 550 no such user", "收件地址被拒收"),
    ("attempt 1: PermanentFailure: no Aliyun template for worker_outcome SMS: set ALIYUN_SMS_TEMPLATE_OUTCOME",
     "短信模板"),
    ("attempt 1: ValueError: something nobody foresaw", "多次发送未成功")])
def test_a_failed_notice_is_told_in_words(error, words):
    said = notice_error_words(error)
    assert words in said and not RAW.search(said) and "_" not in said


def test_the_dashboard_shows_why_a_notice_failed_in_words(desk):
    error = ("attempt 8: TemporaryFailure: http://127.0.0.1:9/open311/v2/requests.json: ConnectionError: "
             "HTTPConnectionPool(host='127.0.0.1', port=9)")
    with store.write_transaction(desk.db):
        outbox.enqueue(desk.db, kind="county_transfer", channel="open311", recipient="county:baishui", body="{}")
        desk.db.conn.execute("UPDATE notices SET status = 'dead', last_error = ?", (error,))
    page = text_of(desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True))
    assert "连不上" in page and "白水县" in page and "协作接口" in page and "转送外县" in page
    assert "ConnectionError" not in page and "county:baishui" not in page


def test_the_audit_log_is_in_words_and_in_the_countys_time(desk):
    cid = insert_case(desk.db)
    user = desk.db.execute("SELECT id FROM users WHERE email = ?", [COUNTY]).fetchone()[0]
    at = datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc)  # 01:30 on 2 March in Beijing
    audit.record(desk.db, user, "view_case", cid, detail="with personal data", now=at)
    audit.record(desk.db, user, "sign_in", detail="password", now=at)
    audit.record(desk.db, user, "share_evidence", cid, detail="with department housing", now=at)
    audit.record(desk.db, user, "export_csv", detail="3 cases; filters {'status': 'open', 'township': 'hexi'}", now=at)
    stand_in = next(iter(roster.people(desk.registry).values()))[0]
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=stand_in, starts_at=at,
                     ends_at=at + timedelta(days=1), reason="病假", user_id=user, now=at)
    page = text_of(desk.client(COUNTY).get("/desk/audit").get_data(as_text=True))
    for english in ("with personal data", "password", "with department", "cases; filters", "housing", "hexi"):
        assert english not in page, english
    assert "含投诉人个人信息" in page and "密码登录" in page and "共享给青禾县住房和城乡建设局" in page
    assert "3 件；筛选：全部未办结、河西街道" in page
    assert "2026-03-02 01:30" in page and "T17:30" not in page and "+00:00" not in page


def test_a_case_sent_by_another_county_shows_that_countys_name_and_case_number(desk):
    from formsvc.web.context import get_partners

    with desk.app.test_request_context():
        partners = get_partners()
    assert sources.ref_words("partner", "qinghe:qinghe-4-0123456789abcdef", partners).endswith("案件 4")
    assert sources.ref_words("partner", "somekey:whatever", None) == "协作系统转来"
    assert sources.ref_words("national_platform", "GZ20260005", None) == "GZ20260005"
    cid = insert_case(desk.db, source="partner", source_ref="baishui:baishui-17-0123456789abcdef")
    page = text_of(desk.client(COUNTY).get(f"/desk/cases/{cid}").get_data(as_text=True))
    assert "baishui:" not in page and "0123456789abcdef" not in page and "案件 17" in page


@pytest.mark.parametrize("source, words", [("web", "工人选择了清水镇"), ("phone_12333", "录入线索时选定清水镇"),
                                           ("partner", "转来的请求指明欠薪发生在清水镇")])
def test_the_routing_reason_says_who_named_the_township(desk, source, words):
    d = routing.route(desk.registry, routing.Thresholds(workers=10, amount_yuan=10**9), township_code="qingshui",
                      source=source)
    assert words in d.reason
