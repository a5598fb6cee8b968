"""Issue 23's findings on one case's story and money, each a test that failed before
``formsvc.case.story`` and ``formsvc.case.money``: the officer's note to the worker for every
outcome, the amount left owed in the arbitration application with the worker's files as evidence,
the dashboard and the ranking counting the same money (also after a reopen), acknowledgement time
credited only to the township that acknowledged, a transfer between townships told as such,
English pages without 北京时间, earlier figures kept after a reopen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from formsvc.case import answers, cases, money, outcomes, receipts, story
from formsvc.storage import store
from formsvc.web.desk import ranking
from tests.desk_fixtures import COUNTY, HEXI, T0, insert_case, insert_evidence, post
from tests.test_intake import tokens

MOBILE = "13912345678"
NOTE = "老板先付了8000元，余款答应月底前付清"


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)[\s\S]*?</\1>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"')


def status_page(desk, receipt: str, lang: str = "zh") -> str:
    c = desk.app.test_client()
    q = "?lang=en" if lang == "en" else ""
    r = c.post("/status" + q, data={**tokens(c.get("/status" + q).data), "receipt": receipt, "mobile": MOBILE})
    assert r.status_code == 200, r.data.decode()[:300]
    return text_of(r.get_data(as_text=True))


def partly_paid_case(desk, now=None) -> tuple[int, str]:
    """The issue's case: 12,000 claimed, acknowledged, 8,000 paid and 4,000 left, with a note."""
    now = now or store.utcnow()
    receipt = receipts.new_receipt()
    cid = insert_case(desk.db, amount_yuan=12000, created_at=now - timedelta(hours=3), receipt=receipt,
                      mobile=MOBILE)
    cases.acknowledge(desk.db, cid, HEXI, now - timedelta(hours=2))
    o = outcomes.check("partly_paid", amount="8000", left="4000", text=NOTE, claimed_yuan=12000)
    cases.record_outcome(desk.db, cid, HEXI, o, now - timedelta(hours=1))
    return cid, receipt


@pytest.mark.parametrize("kind, fields", [
    ("paid_in_full", {"amount": "12000"}), ("partly_paid", {"amount": "8000", "left": "4000"}),
    ("mediation", {"amount": "12000", "promised_date": "2027-01-15"}), ("arbitration", {}),
    ("inspection_case", {}), ("police", {}), ("advance_fund", {"amount": "3000"}),
    ("not_substantiated", {}), ("not_this_county", {})])
def test_the_officers_note_to_the_worker_shows_for_every_outcome(desk, kind, fields):
    receipt = receipts.new_receipt()
    cid = insert_case(desk.db, amount_yuan=12000, status="acknowledged", receipt=receipt, mobile=MOBILE)
    officer = desk.client(HEXI)
    r = post(officer, f"/desk/cases/{cid}/outcome", {"outcome": kind, "text": NOTE, **fields})
    assert r.status_code == 303
    assert desk.case(cid)["status"] in ("resolved", "closed_unfounded"), kind
    assert NOTE in status_page(desk, receipt)
    assert NOTE in status_page(desk, receipt, "en")
    assert NOTE in text_of(officer.get(f"/desk/cases/{cid}").get_data(as_text=True))


def test_a_partly_paid_case_tells_the_same_money_everywhere(desk):
    cid, receipt = partly_paid_case(desk)
    m = money.of_case(desk.db, desk.case(cid))
    assert (m.claimed, m.recovered, m.left) == (12000, 8000, 4000)
    page = status_page(desk, receipt)
    assert "已支付：8,000 元" in page and "尚欠：4,000 元" in page and NOTE in page
    en = status_page(desk, receipt, "en")
    assert "Paid: 8,000 yuan" in en and "Still owed: 4,000 yuan" in en
    county = desk.client(COUNTY)
    dashboard = text_of(county.get("/desk/dashboard").get_data(as_text=True))
    rank = ranking.compute(desk.db, desk.registry, desk.config, (store.utcnow() - timedelta(days=5)).date(),
                           store.utcnow().date(), store.utcnow())
    assert next(r for r in rank if r.code == "hexi").recovered_yuan == 8000
    assert re.search(r"河西街道 1 0 0 1 3 8,000", dashboard), dashboard[-1500:]


def test_a_reopened_case_keeps_its_money_on_every_surface(desk):
    cid, receipt = partly_paid_case(desk)
    answers.record_answer(desk.db, desk.registry, desk.config, cid, "partly", "not_satisfied", "", store.utcnow())
    assert desk.case(cid)["status"] == "in_progress"
    page = status_page(desk, receipt)
    assert "已支付：8,000 元" in page and "尚欠：4,000 元" in page and NOTE in page  # the earlier outcome stays
    assert "尚欠您：4,000 元" in page
    dashboard = text_of(desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True))
    assert re.search(r"河西街道 1 1 0 0 3 8,000", dashboard), dashboard[-1500:]
    rank = ranking.compute(desk.db, desk.registry, desk.config, (store.utcnow() - timedelta(days=5)).date(),
                           store.utcnow().date(), store.utcnow())
    assert next(r for r in rank if r.code == "hexi").recovered_yuan == 8000


def test_the_application_claims_what_is_left_and_lists_the_workers_files(desk):
    cid, receipt = partly_paid_case(desk)
    insert_evidence(desk.db, desk.config, cid, b"\xff\xd8\xff photo", name="工地门口.jpg", mime="image/jpeg")
    c = desk.app.test_client()
    page = c.get(f"/tools/application?receipt={receipt}")
    r = c.post("/tools/application", data={**tokens(page.data), "action": "prefill", "receipt": receipt,
                                            "prefill_mobile": MOBILE})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert re.search(r'name="amount1"[^>]*value="4000"', html), re.findall(r'<input[^>]*amount1[^>]*>', html)
    assert not re.search(r'value="12000"', html)
    assert "照片：工地门口.jpg" in html and "回执号 " + receipt in html
    # the 要素 "已支付" says the 8,000 the facts say (it was left blank and printed "已支付：0元")
    assert re.search(r'name="paid_amount"[^>]*value="8000"', html), re.findall(r'<input[^>]*paid_amount[^>]*>', html)


def test_acknowledgement_time_goes_only_to_the_township_that_acknowledged(desk):
    now = store.utcnow()
    cid = insert_case(desk.db, created_at=now - timedelta(hours=10))
    cases.acknowledge(desk.db, cid, HEXI, now - timedelta(hours=8))  # hexi: 2 hours
    cases.transfer(desk.db, desk.registry, desk.config, cid, HEXI, "township", "hengtang", "在横塘镇的工地",
                   now - timedelta(hours=5))
    acks = story.acknowledgements(desk.db, [cid])[cid]
    assert [(k, c, round(h)) for k, c, h in acks] == [("township", "hexi", 2)]
    dashboard = text_of(desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True))
    row = re.search(r"横塘镇 (\d+) (\d+) (\d+) (\d+) (\d+) ([\d,]+) (\S+)", dashboard)
    assert row and row.group(7) == "—", dashboard[-1500:]  # 横塘镇 acknowledged nothing: no hours
    assert re.search(r"河西街道 0 0 0 0 0 0 2\.0", dashboard), dashboard[-1500:]
    cases.acknowledge(desk.db, cid, "hengtang.officer@qinghe.example.gov.cn", now - timedelta(hours=4))
    acks = story.acknowledgements(desk.db, [cid])[cid]
    assert [(c, round(h)) for _, c, h in acks] == [("hexi", 2), ("hengtang", 1)]


def test_a_transfer_between_townships_names_the_receiver_as_waiting(desk):
    receipt = receipts.new_receipt()
    now = store.utcnow()
    cid = insert_case(desk.db, created_at=now - timedelta(hours=2), receipt=receipt, mobile=MOBILE)
    cases.acknowledge(desk.db, cid, HEXI, now - timedelta(hours=1))
    cases.transfer(desk.db, desk.registry, desk.config, cid, HEXI, "township", "hengtang", "在横塘镇的工地", now)
    page = status_page(desk, receipt)
    assert "主管部门" not in page
    assert "已转交横塘镇，等待其接手" in page
    assert "负责单位: 河西街道" in page  # 横塘镇 has not taken it yet
    en = status_page(desk, receipt, "en")
    assert "Hengtang" in en and "waiting" in en and "department" not in en


def test_the_english_status_page_says_beijing_time_in_english(desk):
    _, receipt = partly_paid_case(desk)
    en = status_page(desk, receipt, "en")
    assert "北京时间" not in en and "Beijing time" in en
    assert "北京时间" in status_page(desk, receipt)


def test_every_event_kind_has_words_for_every_reader():
    for code, k in story.KINDS.items():
        assert k.officer_zh and k.officer_en, code
        assert (k.worker_zh is None) == (k.worker_en is None), code
        line = story.worker_line({"kind": code, "detail": "内部细节 internal"}, "en")
        assert "internal" not in line and "_" not in line, (code, line)


def test_the_reopen_email_carries_the_same_money(desk):
    cid, _ = partly_paid_case(desk)
    answers.record_answer(desk.db, desk.registry, desk.config, cid, "partly", "not_satisfied", "", store.utcnow())
    bodies = [r["body"] for r in desk.db.query("SELECT body FROM notices WHERE kind = 'reopened'")]
    assert bodies and all("投诉金额 12,000 元，已追回 8,000 元，尚欠 4,000 元" in b for b in bodies), bodies


def test_a_new_case_names_its_township_as_not_taken_on_yet(desk):
    receipt = receipts.new_receipt()
    insert_case(desk.db, created_at=store.utcnow(), receipt=receipt, mobile=MOBILE)
    page = status_page(desk, receipt)
    assert "已收到，等待河西街道接手" in page and "负责单位: 河西街道（尚未接手）" in page
    assert "In charge: Hexi Subdistrict (not taken on yet)" in status_page(desk, receipt, "en")


def test_a_case_the_other_county_has_is_not_open_on_the_dashboard(desk):
    """Delivered to another county (白水县 has it; the worker reads 已转交 / 白水县已办结): not this county's
    to act on, so not 未办结 on its township's row (the desk's own lists leave it out too)."""
    insert_case(desk.db, status="transferred_out", created_at=store.utcnow() - timedelta(hours=3))
    insert_case(desk.db, status="new", created_at=store.utcnow() - timedelta(hours=1))
    dashboard = text_of(desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True))
    assert re.search(r"河西街道 2 1 0 0 ", dashboard), dashboard[-1500:]  # two cases, one open


def test_once_the_worker_answered_the_page_no_longer_asks(desk):
    """After the answer the form is gone: the next step must not still say "也请在下面告诉我们是否满意"."""
    cid, receipt = partly_paid_case(desk)
    asked = status_page(desk, receipt)
    assert "也请在下面告诉我们是否满意" in asked and "提交回复" in asked
    answers.record_answer(desk.db, desk.registry, desk.config, cid, "partly", "partly", "", store.utcnow())
    page, en = status_page(desk, receipt), status_page(desk, receipt, "en")
    assert "提交回复" not in page and "告诉我们" not in page and "剩下的钱可以申请劳动仲裁" in page, page
    assert "Tell us below" not in en and "For the rest you can apply" in en, en
