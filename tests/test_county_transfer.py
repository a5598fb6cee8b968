"""Two counties, two real instances: a case goes from 青禾县 (A) to 白水县 (B) through Open311.

Each county is ``wagesafe serve`` (gunicorn) on its own loopback port with its own registry
(``data/`` and ``demo/county-b/``), database and secret key. A's worker loop is driven here, step
by step with a fixed clock (``worker.run_once`` with the real senders, ``remote_follow.follow``):
the transfer waits while B is down and is delivered once when B is back; a replayed delivery
makes no second case in B; B's officer acknowledges and resolves on B's desk; A's case, A's desk
and the worker's status page on A show where it went and that it was closed there.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from formsvc.case import complaints
from formsvc.duties import remote_follow
from formsvc.notify import worker
from formsvc.notify.notifiers import Discard, Open311Sender
from formsvc.storage import store
from tests.conftest import ROOT, SAMPLE_DATA
from tests.county_instances import desk_app, make_instance, point_partner_at, signed_in

COUNTY_B = ROOT / "demo" / "county-b"
A_DESK = "desk@qinghe.example.gov.cn"
B_OFFICER = "shitang.officer@baishui.example.gov.cn"
MOBILE = "13766554433"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _b_cases(b) -> list[tuple]:
    with sqlite3.connect(b.database) as c:
        return c.execute("SELECT id, source, source_ref, assignee_kind, assignee_code, status, name, mobile"
                         " FROM complaints ORDER BY id").fetchall()


@pytest.fixture
def two_counties(tmp_path):
    a = make_instance(tmp_path, "qinghe", SAMPLE_DATA)
    b = make_instance(tmp_path, "baishui", COUNTY_B)
    point_partner_at(a, "baishui", b)
    point_partner_at(b, "qinghe", a)
    b.wagesafe("db", "migrate")
    a.wagesafe("db", "migrate")
    b.start()
    key_from_b = b.wagesafe("api-key", "issue", "qinghe").stdout.strip()
    a.env["PARTNER_KEY_BAISHUI"] = key_from_b
    a.start()
    yield a, b, {"PARTNER_KEY_BAISHUI": key_from_b}
    a.stop()
    b.stop()


def _file_a_case(a, db, config) -> tuple[int, str]:
    from wagesafe.registry import load_registry

    data = complaints.ComplaintInput(
        submission_token=complaints.new_submission_token(), site_address="湖南省白水县石塘镇工业大道12号 安置房工地",
        name="龙小兵", mobile=MOBILE, workers=6, amount_yuan=54000, months_owed=3, owed_by_kind="team_leader",
        owed_by_name="包工头老黄", trade="钢筋工", description="在白水县干活，老板是青禾人，欠三个月工资",
        consent=True, sms_consent=True, callback_time="evening")
    result = complaints.submit(db, load_registry(config.data_dir), config, data, [], ip="127.0.0.9")
    stored = "payslip-" + "x" * 8
    Path(config.upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(config.upload_dir) / stored).write_bytes(b"%PDF-1.4 wage slip of 3 months")
    with store.write_transaction(db):
        db.conn.execute("INSERT INTO evidence (complaint_id, stored_name, original_name, mime, size, sha256, created_at)"
                        " VALUES (?, ?, '工资条.pdf', 'application/pdf', 30, '', ?)",
                        (result.complaint_id, stored, store.iso(store.utcnow())))
    return result.complaint_id, result.receipt


def _desk_post(client, url, data, **kw):
    token = TOKEN.search(client.get("/desk/cases").get_data(as_text=True)).group(1)
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def _status_page(a, receipt: str) -> str:
    s = requests.Session()
    token = TOKEN.search(s.get(f"{a.base}/status", timeout=10).text).group(1)
    r = s.post(f"{a.base}/status", data={"csrf_token": token, "receipt": receipt, "mobile": MOBILE}, timeout=10)
    assert r.status_code == 200, r.text[:500]
    return r.text


def test_a_case_goes_to_the_other_county_waits_for_it_and_comes_back_closed(two_counties):
    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config_a, environ=keys)}
    case_id, receipt = _file_a_case(a, db_a, config_a)

    desk = signed_in(app_a, db_a, A_DESK)
    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "转送外县" in page and "白水县" in page
    r = _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
                   {"county": "baishui", "reason": "欠薪发生地在白水县石塘镇", "address": "白水县石塘镇工业大道12号"})
    assert r.status_code == 303
    row = db_a.conn.execute("SELECT status FROM complaints WHERE id = ?", (case_id,)).fetchone()
    assert row[0] == "transferred_out"
    sms = db_a.conn.execute("SELECT body FROM notices WHERE complaint_id = ? AND channel = 'sms' AND recipient = ?",
                            (case_id, MOBILE)).fetchall()
    assert len([body for (body,) in sms if "白水县" in body]) == 1  # beside the receipt SMS of the complaint

    # B is down: the transfer waits (retried with backoff), nothing arrives anywhere.
    b.stop()
    t0 = store.utcnow()
    result = worker.run_once(db_a, senders, t0)
    assert (result.retried, result.dead) == (1, 0) and result.sent >= 3  # the officer's email and SMS, the worker's SMS
    n = db_a.conn.execute("SELECT status, attempts, last_error FROM notices WHERE channel = 'open311'").fetchone()
    assert n[0] == "pending" and n[1] == 1 and "Connection" in n[2]
    assert "正在发送" in desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)

    # B is back: delivered once, routed to B's township by the place's name.
    b.start()
    assert worker.run_once(db_a, senders, t0 + timedelta(seconds=10)).claimed == 0  # still backing off (30 s ± 20 %)
    assert worker.run_once(db_a, senders, t0 + timedelta(minutes=1)).sent == 1
    cases_b = _b_cases(b)
    assert len(cases_b) == 1
    b_id, source, source_ref, kind, code, status, name, mobile = cases_b[0]
    assert (source, kind, code, status, name, mobile) == ("partner", "township", "shitang", "new", "龙小兵", MOBILE)
    assert source_ref.startswith("qinghe:qinghe-")
    remote_id = db_a.conn.execute("SELECT remote_id FROM county_transfers WHERE complaint_id = ?",
                                  (case_id,)).fetchone()[0]
    assert remote_id == str(b_id)
    with sqlite3.connect(b.database) as c:
        told = c.execute("SELECT recipient FROM notices WHERE complaint_id = ? AND kind = 'new_case'",
                         (b_id,)).fetchall()
        description = c.execute("SELECT description FROM complaints WHERE id = ?", (b_id,)).fetchone()[0]
    assert ("shitang.officer@baishui.example.gov.cn",) in told

    # The evidence went as a signed link that B's officer can open; a changed link opens nothing.
    link = re.search(r"http://127\.0\.0\.1:\d+/open311/evidence/\d+\?expires=\d+&sig=[0-9a-f]+", description).group(0)
    got = requests.get(link, timeout=10)
    assert got.status_code == 200 and got.content == b"%PDF-1.4 wage slip of 3 months"
    assert requests.get(link[:-4] + "0000", timeout=10).status_code == 403

    # A replay (the answer was lost, the notice goes again) makes no second case in B.
    with store.write_transaction(db_a):
        db_a.conn.execute("UPDATE notices SET status = 'pending', next_attempt_at = ? WHERE channel = 'open311'",
                          (store.iso(t0),))
    assert worker.run_once(db_a, senders, t0 + timedelta(minutes=6)).sent == 1
    assert len(_b_cases(b)) == 1

    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert f"对方编号：{remote_id}" in page

    # B's officer acknowledges and resolves on B's desk.
    app_b, db_b = desk_app(b)
    officer = signed_in(app_b, db_b, B_OFFICER)
    assert _desk_post(officer, f"/desk/cases/{b_id}/acknowledge", {}).status_code == 303
    lines = remote_follow.follow(db_a, config_a, t0 + timedelta(minutes=10), environ=keys)
    assert len(lines) == 1 and "工作人员已接手" in lines[0]
    assert _desk_post(officer, f"/desk/cases/{b_id}/resolve",
                      {"workers_paid": "6", "amount_recovered_yuan": "54000"}).status_code == 303
    assert remote_follow.follow(db_a, config_a, t0 + timedelta(minutes=12), environ=keys) == []  # not yet due
    assert len(remote_follow.follow(db_a, config_a, t0 + timedelta(minutes=20), environ=keys)) == 1
    t = db_a.conn.execute("SELECT remote_status, remote_agency, closed_at FROM county_transfers").fetchone()
    assert t[0] == "closed" and t[1] == "石塘镇" and t[2]
    assert db_a.conn.execute("SELECT resolved_at FROM complaints WHERE id = ?", (case_id,)).fetchone()[0]
    assert remote_follow.follow(db_a, config_a, t0 + timedelta(hours=2), environ=keys) == []  # closed: no more GETs

    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "已办结" in page and "石塘镇" in page
    status = _status_page(a, receipt)
    with sqlite3.connect(b.database) as c:
        b_receipt = c.execute("SELECT receipt FROM complaints WHERE id = ?", (b_id,)).fetchone()[0]
    assert "已转送白水县" in status and f"<strong>{b_receipt}</strong>" in status
    assert f'href="{b.base}/status?receipt={b_receipt}"' in status
    assert "对方已办结" in status and "白水县已办结您的投诉" in status
    # ... and with that receipt and the mobile the worker follows it on B's own status page too.
    there = _status_page(b, b_receipt)
    assert b_receipt in there and "石塘镇" in there
    assert a.server_errors() == [] and b.server_errors() == []


def test_a_refused_transfer_is_dead_shown_and_resent(two_counties):
    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    case_id, _ = _file_a_case(a, db_a, config_a)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
               {"county": "baishui", "reason": "属白水县管辖", "address": "白水县北关街道滨江路"})
    wrong = {"email": Discard(), "sms": Discard(),
             "open311": Open311Sender(config_a, environ={"PARTNER_KEY_BAISHUI": "ws311_wrong"})}
    t0 = store.utcnow()
    assert worker.run_once(db_a, wrong, t0).dead == 1
    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "发送失败" in page and "403" in page and "重新发送" in page and "撤回转送" in page
    assert _b_cases(b) == []
    tid = db_a.conn.execute("SELECT id FROM county_transfers").fetchone()[0]
    assert _desk_post(desk, f"/desk/cases/{case_id}/transfer-county/{tid}/resend", {}).status_code == 303
    assert worker.run_once(db_a, {"open311": Open311Sender(config_a, environ=keys)},
                           t0 + timedelta(minutes=1)).sent == 1  # only the transfer was due again
    assert [c[4] for c in _b_cases(b)] == ["beiguan"]


def test_a_dead_transfer_withdrawn_reopens_the_case_here(two_counties):
    a, b, _ = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    case_id, receipt = _file_a_case(a, db_a, config_a)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county", {"county": "baishui", "reason": "以为属白水县"})
    tid = db_a.conn.execute("SELECT id FROM county_transfers").fetchone()[0]
    assert "只有发送失败" in _desk_post(desk, f"/desk/cases/{case_id}/transfer-county/{tid}/withdraw", {},
                                     follow_redirects=True).get_data(as_text=True)  # still on its way: no
    wrong = {"email": Discard(), "sms": Discard(),
             "open311": Open311Sender(config_a, environ={"PARTNER_KEY_BAISHUI": "ws311_wrong"})}
    assert worker.run_once(db_a, wrong, store.utcnow()).dead == 1
    assert _desk_post(desk, f"/desk/cases/{case_id}/transfer-county/{tid}/withdraw", {}).status_code == 303
    assert db_a.conn.execute("SELECT status FROM complaints WHERE id = ?", (case_id,)).fetchone()[0] == "new"
    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "已撤回" in page and "确认受理" in page
    status = _status_page(a, receipt)
    assert "仍由本县处理" in status and "已转送白水县" not in status
    assert _b_cases(b) == []
