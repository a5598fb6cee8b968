"""A newcomer's walk across two counties (issue 23/24 polish): one transfer, one story on every surface.

The sample county (青禾县) is here the receiving county of a case 白水县 sent (``source='partner'``,
``source_ref`` as the Open311 POST writes it), and the sending county of a case closed in 白水县.
Real app, real SQLite file, the real notice queue; no mocks.
"""

from __future__ import annotations

import json
from datetime import timedelta

from formsvc.case import complaints, county_transfer, story
from formsvc.duties import worker_sms
from formsvc.storage import store
from tests.desk_fixtures import HEXI, T0, insert_case, post

MOBILE = "13812345678"
FROM_BAISHUI = "baishui-key:baishui-4-abcdef12"  # <key name>:<their county>-<their case id>-<random>


def sent_by_baishui(desk, incoming_files: int = 2) -> int:
    """The case 白水县 sent: what ``formsvc.web.api.views._post_request`` submits."""
    data = complaints.ComplaintInput(
        submission_token=complaints.new_submission_token(), chosen_township="hexi", site_address="河西街道建设路 8 号",
        name="张三", mobile=MOBILE, workers=3, amount_yuan=12000, description="三个月工资没发", consent=True,
        source="partner", source_ref=FROM_BAISHUI, sms_consent=True)
    result = complaints.submit(desk.db, desk.registry, desk.config, data, [], ip="open311:baishui-key",
                               sent_by="白水县", incoming_files=incoming_files)
    assert result.created
    return result.complaint_id


def worker_texts(desk, case_id: int) -> list[dict]:
    return [n for n in desk.notices() if n["channel"] == "sms" and n["recipient"] == MOBILE
            and n["complaint_id"] == case_id]


# --- B: the receiving county does not text a second "已收到"; its later SMS name the county -------------

def test_a_case_another_county_sent_gets_no_receipt_sms_and_later_sms_name_this_county(desk):
    cid = sent_by_baishui(desk)
    assert worker_texts(desk, cid) == []  # the sender's "已转送…（对方回执号…）" is the worker's only message
    officer = desk.client(HEXI)
    assert post(officer, f"/desk/cases/{cid}/acknowledge").status_code == 303
    worker_sms.queue_due(desk.db, desk.registry, desk.config, store.utcnow())
    [ack] = worker_texts(desk, cid)
    assert ack["kind"] == "worker_acknowledged" and "已由青禾县河西街道受理" in ack["body"], ack["body"]
    r = post(officer, f"/desk/cases/{cid}/outcome", {"outcome": "partly_paid", "amount": "8,000", "left": "4000"})
    assert r.status_code == 303
    worker_sms.queue_due(desk.db, desk.registry, desk.config, store.utcnow())
    outcome = worker_texts(desk, cid)[-1]
    assert outcome["kind"] == "worker_outcome" and "工资已部分支付（青禾县）" in outcome["body"], outcome["body"]


def test_a_web_complaint_still_gets_its_receipt_sms(desk):
    from tests.test_worker_half import submit

    receipt = submit(desk.app.test_client(), sms_updates="y")
    cid = desk.db.execute("SELECT id FROM complaints WHERE receipt = ?", [receipt]).fetchone()[0]
    assert [n["kind"] for n in worker_texts(desk, cid)] == ["worker_receipt"]


# --- C: the receiving county's email, timeline and case page say who sent it and that files are coming ---

def test_the_officer_email_names_the_sending_county_and_the_files_on_their_way(desk):
    cid = sent_by_baishui(desk, incoming_files=2)
    [mail] = [n for n in desk.notices("new_case") if n["channel"] == "email" and n["complaint_id"] == cid]
    assert "来源：由白水县转来" in mail["body"]
    assert "对方的证据材料 2 个，正在取回" in mail["body"] and "证据文件：0 个" not in mail["body"]


def test_the_desk_timeline_and_case_page_say_sent_by_the_other_county(desk):
    cid = sent_by_baishui(desk)
    with store.write_transaction(desk.db):
        desk.db.conn.execute("INSERT INTO evidence_fetches (complaint_id, url, next_attempt_at, created_at)"
                             " VALUES (?, 'https://baishui.example/e/1', ?, ?)", (cid, store.iso(T0), store.iso(T0)))
    page = desk.client(HEXI).get(f"/desk/cases/{cid}").data.decode()
    assert "由白水县转来" in page
    assert "工人提交投诉" not in page
    assert "对方的证据材料 1 个，正在取回" in page and "没有上传材料" not in page
    from tests.desk_fixtures import COUNTY

    csv_text = desk.client(COUNTY).get("/desk/export.csv").get_data(as_text=True)
    [row] = [line for line in csv_text.splitlines() if line.startswith(f"{cid},")]
    assert "由白水县转来" in row and "其他系统转入" not in row, row  # the CSV says what the case page says


def test_story_names_the_sending_county_on_the_first_entry(desk):
    cid = sent_by_baishui(desk)
    events, _ = story.timeline(desk.db, cid)
    places = story.Places(desk.registry)
    assert [e["kind"] for e in events][:3] == ["submitted", "routed", "county_transfer_received"]
    [first, *_] = story.officer_timeline(events)
    assert story.officer_line(first, places) == "由白水县转来"
    assert story.worker_line(first, "zh", places) == "白水县把您的投诉转送到这里办理（欠薪发生地）"
    web = complaints.submit(desk.db, desk.registry, desk.config, complaints.ComplaintInput(
        submission_token=complaints.new_submission_token(), chosen_township="hexi", site_address="建设路 8 号",
        name="李四", mobile="13912345678", consent=True), [], ip="", rate_limited=False).complaint_id
    assert [e["kind"] for e in story.officer_timeline(story.timeline(desk.db, web)[0])] == ["submitted", "routed"]


# --- A: the outcome SMS of a case closed in the other county asks nothing this county cannot take -------

def _closed_in_baishui(desk) -> int:
    cid = insert_case(desk.db, status="transferred_out", mobile=MOBILE, sms_consent=1)
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE worker_sms_cursor SET last_event_id = (SELECT COALESCE(MAX(id), 0) FROM events)")
        desk.db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES"
                             " (?, ?, 'system', 'county_transfer_resolved', ?, 1)",
                             (cid, store.iso(T0 + timedelta(days=20)),
                              county_transfer.event_detail("baishui", "白水县", kind="paid_in_full",
                                                           recovered_yuan=12000)))
    return cid


def test_the_outcome_sms_of_a_case_closed_in_the_other_county_names_it_and_asks_no_answer_here(desk):
    cid = _closed_in_baishui(desk)
    worker_sms.queue_due(desk.db, desk.registry, desk.config, store.utcnow())
    [sms] = worker_texts(desk, cid)
    assert sms["kind"] == "worker_outcome_elsewhere"
    assert "已由白水县办结" in sms["body"] and "告诉我们是否拿到工资" in sms["body"], sms["body"]
    assert json.loads(sms["subject"])["place"] == "白水县"
    assert desk.config.sms_template_codes().keys() >= {"worker_outcome_elsewhere"}


# --- D: where to apply for arbitration for a case that was with another county -------------------------

def _status_of_walk(desk, w, lang="zh") -> str:
    from tests.test_case_story import text_of
    from tests.test_intake import tokens

    c = desk.app.test_client()
    q = "?lang=en" if lang == "en" else ""
    r = c.post("/status" + q, data={**tokens(c.get("/status" + q).data), "receipt": w.receipt, "mobile": MOBILE})
    assert r.status_code == 200
    return text_of(r.get_data(as_text=True))


def test_a_case_closed_in_the_other_county_names_that_county_for_arbitration_under_article_21(desk):
    from tests.test_case_story import Walk, _resolved_there

    w = Walk(desk)
    w.ack()
    _resolved_there(w)
    zh, en = _status_of_walk(desk, w), _status_of_walk(desk, w, "en")
    assert "《劳动争议调解仲裁法》第二十一条" in zh and "可以向白水县的劳动人事争议仲裁委员会申请" in zh, zh
    assert "art. 21" in en and "Baishui County's labour dispute arbitration committee" in en, en


def test_a_case_handled_here_gets_no_other_county_arbitration_line(desk):
    from tests.test_case_story import Walk

    w = Walk(desk)
    w.ack()
    assert "第二十一条" not in _status_of_walk(desk, w)


# --- E: one word per meaning; the unit that handled it; what 满意率 counts --------------------------------

def _prefilled_facts(desk, w) -> str:
    import re

    c = desk.app.test_client()
    page = c.get(f"/tools/application?receipt={w.receipt}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    html = c.post("/tools/application", data={"csrf_token": token, "action": "prefill", "receipt": w.receipt,
                                              "prefill_mobile": MOBILE}).get_data(as_text=True)
    return re.search(r'<textarea[^>]*name="facts"[^>]*>([\s\S]*?)</textarea>', html).group(1)


def test_the_application_names_the_township_that_handled_it_not_the_county(desk):
    from tests.test_case_story import Walk

    w = Walk(desk)
    w.ack()
    w.outcome()  # 河西街道 recorded 8,000 paid, 4,000 left
    facts = _prefilled_facts(desk, w)
    assert "经河西街道处理，已支付8,000元，尚欠4,000元。" in facts and "经青禾县处理" not in facts, facts


def test_the_application_names_the_other_county_for_its_outcome(desk):
    from tests.test_case_story import Walk, _resolved_there

    w = Walk(desk)
    w.ack()
    _resolved_there(w)
    assert "经白水县处理" in _prefilled_facts(desk, w)


def test_the_ranking_says_what_its_satisfaction_share_counts(desk):
    from tests.desk_fixtures import COUNTY
    from tests.test_case_story import Walk

    w = Walk(desk)
    w.ack()
    w.outcome()
    w.answer("partly", "partly")  # 基本满意: not counted as 满意
    day = w.t.astimezone(__import__("zoneinfo").ZoneInfo(desk.config.timezone)).date()
    page = desk.client(COUNTY).get(f"/desk/ranking?start={day}&end={day}").get_data(as_text=True)
    assert "0%" in page and "满意 0 · 基本满意 1 · 不满意 0" in page, page


def test_the_sending_desk_card_says_still_owed_as_every_surface_does(desk):
    from tests.desk_fixtures import COUNTY
    from tests.test_case_story import Walk, _resolved_there

    w = Walk(desk)
    w.ack()
    _resolved_there(w)
    page = desk.client(COUNTY).get(f"/desk/cases/{w.id}").get_data(as_text=True)
    assert "尚欠 4,000 元" in page and "仍欠" not in page
    status = _status_of_walk(desk, w)
    assert "转交白水县" not in status and "已转送白水县" in status


def test_the_worker_answers_a_case_closed_in_the_other_county_on_this_page_recorded_not_reopened(desk):
    """A: the outcome SMS asks "是否拿到工资"; this county's page takes the answer. It is recorded (the desk
    sees it), reopens nothing here (the case is 白水县's), and "not paid" emails the county desk to take it
    up with 白水县; the ranking does not count it for 河西街道."""
    import re

    from formsvc.web.desk import ranking
    from tests.test_case_story import Walk, _resolved_there, text_of
    from tests.test_intake import tokens

    w = Walk(desk)
    w.ack()
    _resolved_there(w)
    with store.write_transaction(desk.db):  # as remote_follow.follow does when the other county closes it
        desk.db.conn.execute("UPDATE complaints SET resolved_at = ? WHERE id = ?",
                             (store.iso(store.utcnow() - timedelta(minutes=1)), w.id))  # the answer comes after
    c = desk.app.test_client()
    r = c.post("/status", data={**tokens(c.get("/status").data), "receipt": w.receipt, "mobile": MOBILE})
    page = r.get_data(as_text=True)
    assert 'action="/status/answer"' in page, text_of(page)
    assert "会与白水县联系" in text_of(page) and "考核各镇街" not in text_of(page)
    assert "天内回复“没有拿到”或“不满意”，案件会重新办理" not in text_of(page)  # not true of a case closed there
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.post("/status/answer", data={"csrf_token": token, "receipt": w.receipt, "mobile": MOBILE,
                                       "paid": "no", "rating": "not_satisfied"})
    assert r.status_code == 200
    after = text_of(r.get_data(as_text=True))
    assert "本县不能重新打开" in after and "会与白水县联系" in after and "已重新打开" not in after, after
    assert 'action="/status/answer"' not in r.get_data(as_text=True)
    case = desk.case(w.id)
    assert case["status"] == "transferred_out" and case["reopened_at"] is None
    [answer] = desk.db.query("SELECT * FROM worker_answers WHERE complaint_id = ?", [w.id])
    assert (answer["paid"], answer["outcome"], answer["reopened"]) == ("no", "partly_paid", 0)
    [mail] = desk.notices("answer_closed_there")
    assert "白水县" in mail["subject"] and "没有拿到" in mail["body"] and "本县不能重新打开" in mail["body"]
    assert "《劳动争议调解仲裁法》第二十一条" in mail["body"] and "张三" not in mail["body"]
    from tests.desk_fixtures import COUNTY

    desk_page = desk.client(COUNTY).get(f"/desk/cases/{w.id}").get_data(as_text=True)
    assert "投诉人回访评价" in desk_page and "白水县的办理结果" in desk_page
    day = w.t.astimezone(__import__("zoneinfo").ZoneInfo(desk.config.timezone)).date()
    rows = {r.code: r for r in ranking.compute(desk.db, desk.registry, desk.config, day, day, w.tick())}
    assert rows["hexi"].answers == 0
