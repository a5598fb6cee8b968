"""Two counties, two real instances: a case goes from 青禾县 (A) to 白水县 (B) through Open311, told truly.

Each county is ``wagesafe serve`` (gunicorn) on its own loopback port with its own registry
(``data/`` and ``demo/county-b/``), database and secret key. A's worker loop is driven here, step
by step with a fixed clock (``worker.run_once``, ``probe_and_wake`` with the real senders,
``scheduler.every_round``, ``remote_follow.follow``): the case stays A's and the worker hears
nothing while B is down; once B answers the transfer goes within seconds (not after its backoff);
only then is the worker told "已转送" with B's receipt; B fetches the photo once as a file and stores
it as its own evidence (the link then dies, A's desk says the file was received); a replay makes no
second case in B; B's acknowledgement and outcome come back to the worker's page and A's desk.
Refused (our key), dead and withdrawn transfers alert A's desk and tell the worker A keeps the case.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from formsvc.case import complaints
from formsvc.duties import evidence_fetch, remote_follow, scheduler
from formsvc.notify import worker
from formsvc.notify.notifiers import Discard, Open311Sender
from formsvc.storage import store
from tests.conftest import ROOT, SAMPLE_DATA
from tests.county_instances import desk_app, make_instance, point_partner_at, signed_in
from tests.images import JPEG

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
    import hashlib

    stored = "photo-" + "x" * 8 + ".jpg"
    Path(config.upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(config.upload_dir) / stored).write_bytes(JPEG)
    with store.write_transaction(db):
        db.conn.execute("INSERT INTO evidence (complaint_id, stored_name, original_name, mime, size, sha256, created_at)"
                        " VALUES (?, ?, '工资条照片.jpg', 'image/jpeg', ?, ?, ?)",
                        (result.complaint_id, stored, len(JPEG), hashlib.sha256(JPEG).hexdigest(),
                         store.iso(store.utcnow())))
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


def _events(db, case_id: int) -> list[tuple[str, int]]:
    return db.conn.execute("SELECT kind, public FROM events WHERE complaint_id = ? ORDER BY id", (case_id,)).fetchall()


def _worker_sms(db, case_id: int) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT body FROM notices WHERE complaint_id = ? AND channel = 'sms'"
                                          " AND recipient = ? ORDER BY id", (case_id, MOBILE))]


def _desk_alerts(db, case_id: int) -> list[tuple[str, str]]:
    return db.conn.execute("SELECT channel, COALESCE(subject, '') || body FROM notices WHERE complaint_id = ?"
                           " AND kind = 'county_transfer_alert' ORDER BY id", (case_id,)).fetchall()


def test_a_case_goes_to_the_other_county_told_truly_with_its_photo(two_counties):
    from wagesafe.registry import load_registry

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    registry_a = load_registry(config_a.data_dir)
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config_a, environ=keys)}
    case_id, receipt = _file_a_case(a, db_a, config_a)
    sms_before = len(_worker_sms(db_a, case_id))

    desk = signed_in(app_a, db_a, A_DESK)
    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "转送外县" in page and "白水县" in page and "劳动保障监察条例》第十三条" in page
    r = _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
                   {"county": "baishui", "reason": "欠薪发生地在白水县石塘镇", "address": "白水县石塘镇工业大道12号"})
    assert r.status_code == 303
    # Asked, not delivered: still A's case, and the worker is told nothing yet.
    assert db_a.conn.execute("SELECT status FROM complaints WHERE id = ?", (case_id,)).fetchone()[0] == "new"

    # B is down: the transfer waits; nothing arrives anywhere, nobody is told "已转送".
    b.stop()
    t0 = store.utcnow()
    result = worker.run_once(db_a, senders, t0)
    assert result.retried == 1 and result.dead == 0
    n = db_a.conn.execute("SELECT status, attempts, last_error FROM notices WHERE channel = 'open311'").fetchone()
    assert n[0] == "pending" and n[1] == 1 and "Unreachable" in n[2]
    scheduler.tick(db_a, registry_a, config_a, t0)
    assert len(_worker_sms(db_a, case_id)) == sms_before  # no "已转送" before delivery
    card = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "正在发送" in card and "对方恢复后一分钟内自动送达" in card and "ConnectionError" not in card
    assert "已转交" not in (page := _status_page(a, receipt)) and "已转送" not in page

    # B is back: the probe wakes the transfer at once (its backoff would have been 30 s, up to an hour later).
    b.start()
    t1 = t0 + timedelta(seconds=6)
    worker.run_once(db_a, senders, t1)
    assert db_a.conn.execute("SELECT status FROM notices WHERE channel = 'open311'").fetchone()[0] == "pending"  # backing off...
    assert worker.probe_and_wake(db_a, senders, t1) == {"county:baishui": 1}  # ...until B answers
    assert worker.run_once(db_a, senders, t1).sent == 1
    cases_b = _b_cases(b)
    assert len(cases_b) == 1
    b_id, source, source_ref, kind, code, status, name, mobile = cases_b[0]
    assert (source, kind, code, status, name, mobile) == ("partner", "township", "shitang", "new", "龙小兵", MOBILE)

    # Delivered: now the case is B's, the worker's SMS says so with B's receipt.
    scheduler.every_round(db_a, registry_a, config_a, t1)
    assert db_a.conn.execute("SELECT status FROM complaints WHERE id = ?", (case_id,)).fetchone()[0] == "transferred_out"
    with sqlite3.connect(b.database) as c:
        b_receipt = c.execute("SELECT receipt FROM complaints WHERE id = ?", (b_id,)).fetchone()[0]
        description = c.execute("SELECT description FROM complaints WHERE id = ?", (b_id,)).fetchone()[0]
    told = _worker_sms(db_a, case_id)[sms_before:]
    assert len(told) == 1 and "白水县" in told[0] and b_receipt in told[0]
    assert ("county_transfer_delivered", 1) in _events(db_a, case_id)

    # The photo travels as a file: no link in B's description; B's worker fetches it once and stores it.
    assert "http" not in description and "证据材料" not in description
    config_b = b.config()
    db_b = store.open_db(config_b.database)
    (url,) = [r[0] for r in db_b.conn.execute("SELECT url FROM evidence_fetches WHERE complaint_id = ?", (b_id,))]
    assert evidence_fetch.fetch_due(db_b, config_b, store.utcnow()) == [f"case {b_id}: partner's evidence file stored"]
    ev = db_b.conn.execute("SELECT stored_name, mime, size, original_name FROM evidence WHERE complaint_id = ?",
                           (b_id,)).fetchone()
    assert ev[1] == "image/jpeg" and (Path(config_b.upload_dir) / ev[0]).read_bytes() == JPEG  # re-encoded, same pixels
    assert ev[3] == "工资条照片.jpg"
    assert requests.get(url, timeout=10).status_code == 410  # single use: the link is dead now
    assert requests.get(url.replace("sig=", "sig=0"), timeout=10).status_code == 403
    card = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "对方已取走 1 / 1 个文件" in card
    app_b, _ = desk_app(b)
    officer = signed_in(app_b, db_b, B_OFFICER)
    b_page = officer.get(f"/desk/cases/{b_id}").get_data(as_text=True)
    assert "工资条照片.jpg" in b_page and "没有上传材料" not in b_page
    assert "已取回并存入本案证据 1 个" in b_page

    # A replay (the answer was lost, the notice goes again, with fresh links) makes no second case in B.
    with store.write_transaction(db_a):
        db_a.conn.execute("UPDATE notices SET status = 'pending', next_attempt_at = ? WHERE channel = 'open311'",
                          (store.iso(t0),))
    worker.run_once(db_a, senders, t0 + timedelta(minutes=6))
    assert db_a.conn.execute("SELECT status FROM notices WHERE channel = 'open311'").fetchone()[0] == "sent"
    assert len(_b_cases(b)) == 1

    # B's officer acknowledges and resolves; both come back to A (the worker's page and A's desk).
    assert _desk_post(officer, f"/desk/cases/{b_id}/acknowledge", {}).status_code == 303
    remote_follow.follow(db_a, config_a, t0 + timedelta(minutes=10), environ=keys)
    assert ("county_transfer_acknowledged", 1) in _events(db_a, case_id)
    assert "对方已受理，正在办理" in _status_page(a, receipt)
    assert _desk_post(officer, f"/desk/cases/{b_id}/resolve",
                      {"workers_paid": "6", "amount_recovered_yuan": "54000"}).status_code == 303
    assert remote_follow.follow(db_a, config_a, t0 + timedelta(minutes=12), environ=keys) == []  # not yet due
    assert len(remote_follow.follow(db_a, config_a, t0 + timedelta(minutes=20), environ=keys)) == 1
    detail = db_a.conn.execute("SELECT detail FROM events WHERE complaint_id = ? AND kind = 'county_transfer_resolved'",
                               (case_id,)).fetchone()[0]
    import json

    outcome = json.loads(detail)
    assert outcome["county_name"] == "白水县" and outcome["recovered_yuan"] == 54000 and outcome["kind"]
    assert db_a.conn.execute("SELECT resolved_at FROM complaints WHERE id = ?", (case_id,)).fetchone()[0]
    assert remote_follow.follow(db_a, config_a, t0 + timedelta(hours=2), environ=keys) == []  # closed: no more GETs

    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "已办结" in page and "54,000" in page
    status = _status_page(a, receipt)
    assert "已转送白水县" in status and "转交白水县" not in status and f"<strong>{b_receipt}</strong>" in status
    assert f'href="{b.base}/status?receipt={b_receipt}"' in status
    assert "对方已办结" in status and "白水县已办结" in status and "54,000" in status
    assert "正在核实" not in status  # never "closed there" beside "being checked"
    there = _status_page(b, b_receipt)
    assert b_receipt in there and "石塘镇" in there
    assert a.server_errors() == [] and b.server_errors() == []


def test_a_refused_key_is_retried_and_alerts_the_desk_then_a_rotated_key_delivers(two_counties):
    """Rotation with overlap: B issues a second key for A while the first still works; A's refused
    requests wait (not dead at once), the desk hears of it, and the new key delivers as soon as it is set."""
    from wagesafe.registry import load_registry

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    registry_a = load_registry(config_a.data_dir)
    case_id, receipt = _file_a_case(a, db_a, config_a)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
               {"county": "baishui", "reason": "属白水县管辖", "address": "白水县北关街道滨江路"})
    environ = {"PARTNER_KEY_BAISHUI": "ws311_wrong"}
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config_a, environ=environ)}
    t0 = store.utcnow()
    result = worker.run_once(db_a, senders, t0)
    assert (result.retried, result.dead) == (1, 0)  # a 403 is retried like an outage
    scheduler.tick(db_a, registry_a, config_a, t0)
    alerts = _desk_alerts(db_a, case_id)
    assert {c for c, _ in alerts} == {"email", "sms"} and all("密钥" in text for _, text in alerts)
    card = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "对方拒绝了本县的密钥" in card and "HTTP 403" not in card
    scheduler.tick(db_a, registry_a, config_a, t0 + timedelta(minutes=1))
    assert len(_desk_alerts(db_a, case_id)) == 2  # told once

    # B rotates: a new key beside the old (the old still works until revoked).
    second = b.wagesafe("api-key", "issue", "qinghe", "--rotate").stdout.strip().splitlines()[-1]
    assert second.startswith("ws311_") and second != keys["PARTNER_KEY_BAISHUI"]
    tip = {"service_code": "wage_other", "address_string": "白水县石塘镇工业园", "description": "旧密钥仍可用的测试"}
    old_still_works = requests.post(f"{b.api}/requests.json", data={**tip, "api_key": keys["PARTNER_KEY_BAISHUI"]},
                                    timeout=10)
    assert old_still_works.status_code == 201, old_still_works.text
    environ["PARTNER_KEY_BAISHUI"] = second  # the operator sets it
    t1 = t0 + timedelta(seconds=6)
    assert worker.probe_and_wake(db_a, senders, t1) == {"county:baishui": 1}
    worker.run_once(db_a, senders, t1)
    assert db_a.conn.execute("SELECT status FROM notices WHERE channel = 'open311'").fetchone()[0] == "sent"
    assert [c[4] for c in _b_cases(b)] == ["shitang", "beiguan"]
    b.wagesafe("api-key", "revoke", "qinghe", "--old")
    assert requests.post(f"{b.api}/requests.json", data={**tip, "api_key": keys["PARTNER_KEY_BAISHUI"]},
                         timeout=10).status_code == 403
    assert requests.post(f"{b.api}/requests.json", data={**tip, "api_key": second}, timeout=10).status_code == 201
    listing = b.wagesafe("api-key", "list").stdout
    assert listing.count("\tactive") == 1 and listing.count("\trevoked") == 1
    gone = requests.get(f"{b.api}/requests.json", timeout=10)  # public reads stay open
    assert gone.status_code == 200


def test_refused_dead_and_withdrawn_transfers_alert_the_desk_and_tell_the_worker(two_counties):
    from wagesafe.registry import load_registry

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    registry_a = load_registry(config_a.data_dir)
    case_id, receipt = _file_a_case(a, db_a, config_a)
    sms_before = len(_worker_sms(db_a, case_id))
    desk = signed_in(app_a, db_a, A_DESK)
    # Refused: B answers 400 (a partner bug, here: an address B cannot route and no township).
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county", {"county": "baishui", "reason": "以为属白水县"})
    with store.write_transaction(db_a):  # what B would refuse: a service B does not offer
        body = db_a.conn.execute("SELECT body FROM notices WHERE channel = 'open311'").fetchone()[0]
        db_a.conn.execute("UPDATE notices SET body = ? WHERE channel = 'open311'",
                          (body.replace('"wage_other"', '"wage_nothing"'),))
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config_a, environ=keys)}
    t0 = store.utcnow()
    assert worker.run_once(db_a, senders, t0).dead == 1
    scheduler.tick(db_a, registry_a, config_a, t0)
    assert ("county_transfer_refused", 1) in _events(db_a, case_id)
    assert {c for c, _ in _desk_alerts(db_a, case_id)} == {"email", "sms"}
    assert len(_worker_sms(db_a, case_id)) == sms_before  # never told "已转送"
    status = _status_page(a, receipt)
    assert "仍由本县处理" in status and "已转交" not in status and "已转送" not in status
    card = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "对方拒收" in card and "重新发送" in card and "撤回转送" in card
    tid = db_a.conn.execute("SELECT id FROM county_transfers").fetchone()[0]
    assert _desk_post(desk, f"/desk/cases/{case_id}/transfer-county/{tid}/withdraw", {}).status_code == 303
    scheduler.tick(db_a, registry_a, config_a, t0 + timedelta(minutes=1))
    assert ("county_transfer_withdrawn", 1) in _events(db_a, case_id)
    assert len(_desk_alerts(db_a, case_id)) == 4  # refused (email, SMS), withdrawn (email, SMS)
    assert db_a.conn.execute("SELECT status FROM complaints WHERE id = ?", (case_id,)).fetchone()[0] == "new"
    page = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "已撤回" in page and "确认受理" in page
    assert _b_cases(b) == []

    # Dead: B unreachable past the attempts allowed.
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county", {"county": "baishui", "reason": "再试一次"})
    b.stop()
    with store.write_transaction(db_a):
        db_a.conn.execute("UPDATE notices SET attempts = ? WHERE channel = 'open311' AND status = 'pending'",
                          (config_a.notice_max_attempts - 1,))
    assert worker.run_once(db_a, senders, t0 + timedelta(minutes=2)).dead == 1
    scheduler.tick(db_a, registry_a, config_a, t0 + timedelta(minutes=2))
    assert ("county_transfer_dead", 1) in _events(db_a, case_id)
    assert len(_desk_alerts(db_a, case_id)) == 6
    assert "仍由本县处理" in _status_page(a, receipt)


def test_a_case_the_other_county_gives_back_is_ours_again(two_counties):
    """B closes the transferred case as 不属本县管辖 ("not ours either"): A does not read that as B's outcome
    and leave the case closed. 首问负责: it is A's again (new, as it was), on a new clock (filed 40 days
    ago, yet not overdue), the worker is texted and reads B's answer as past then A's state, A's desk is
    alerted by email and SMS and its card says in words that B gave it back, with B's note."""
    from wagesafe.registry import load_registry
    from formsvc.case import cases
    from formsvc.duties import escalation, worker_sms

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config_a = a.config()
    registry_a = load_registry(config_a.data_dir)
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config_a, environ=keys)}
    case_id, receipt = _file_a_case(a, db_a, config_a)
    t0 = store.utcnow()
    with store.write_transaction(db_a):  # filed long ago: its first clock has run out
        db_a.conn.execute("UPDATE complaints SET created_at = ? WHERE id = ?", (store.iso(t0 - timedelta(days=40)), case_id))
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
               {"county": "baishui", "reason": "欠薪发生地在白水县石塘镇", "address": "白水县石塘镇工业大道12号"})
    worker.run_once(db_a, senders, t0)
    assert db_a.conn.execute("SELECT status FROM notices WHERE channel = 'open311'").fetchone()[0] == "sent"
    scheduler.every_round(db_a, registry_a, config_a, t0)
    assert db_a.conn.execute("SELECT status FROM complaints WHERE id = ?", (case_id,)).fetchone()[0] == "transferred_out"
    [(b_id, *_)] = _b_cases(b)

    # B's officer takes it on, then closes it as not B's, saying where it belongs.
    config_b = b.config()
    db_b = store.open_db(config_b.database)
    app_b, _ = desk_app(b)
    officer = signed_in(app_b, db_b, B_OFFICER)
    assert _desk_post(officer, f"/desk/cases/{b_id}/acknowledge", {}).status_code == 303
    note = "用工单位和工地都在青禾县河西街道，应由青禾县办理"
    assert _desk_post(officer, f"/desk/cases/{b_id}/outcome",
                      {"outcome": "not_this_county", "text": note}).status_code == 303
    with sqlite3.connect(b.database) as c:
        assert c.execute("SELECT status, outcome FROM complaints WHERE id = ?", (b_id,)).fetchone() == (
            "resolved", "not_this_county")

    sms_before = len(_worker_sms(db_a, case_id))
    t1 = t0 + timedelta(minutes=10)
    assert remote_follow.follow(db_a, config_a, t1, environ=keys) == [
        f"transfer 1 (case {case_id}): 白水县 took it on", f"transfer 1 (case {case_id}): 白水县 says it is not theirs"]
    scheduler.every_round(db_a, registry_a, config_a, t1)  # settle: the case comes back
    worker_sms.queue_due(db_a, registry_a, config_a, t1)
    row = cases.get_case(db_a, case_id)
    assert (row["status"], row["resolved_at"], row["deadlines_from"]) == ("new", None, store.iso(t1))
    kinds = [k for k, _ in _events(db_a, case_id)]
    assert kinds[-1] == "county_transfer_returned" and "county_transfer_resolved" not in kinds
    told = _worker_sms(db_a, case_id)[sms_before:]
    assert len(told) == 1 and "白水县退回本县" in told[0], told
    alerts = _desk_alerts(db_a, case_id)
    assert {c for c, _ in alerts} == {"email", "sms"} and all("白水县退回" in text for _, text in alerts)
    assert any(note in text for c, text in alerts if c == "email")
    assert remote_follow.settle(db_a, registry_a, config_a, t1 + timedelta(minutes=1)) == []  # told once

    # A new clock: no reminder or escalation for the 40 days before, but one 30 days on.
    assert escalation.run(db_a, registry_a, config_a, t1 + timedelta(hours=1)) == []
    assert not escalation.is_overdue(cases.get_case(db_a, case_id), config_a.ack_hours, config_a.resolve_days, t1)
    later = t1 + timedelta(hours=config_a.ack_hours)  # not forgotten: unacknowledged a day after it came back
    assert escalation.is_overdue(cases.get_case(db_a, case_id), config_a.ack_hours, config_a.resolve_days, later)
    assert [a.kind for a in escalation.plan(escalation._open_cases(db_a), escalation._done_keys(db_a),
                                            config_a.ack_hours, config_a.resolve_days, later)] == ["escalate_ack"]

    card = desk.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert "白水县退回了此案" in card and note in card and "按首问负责制，此案由本县继续办理" in card
    assert "对方状态：已办结" not in card and "外县退回（不属其管辖），本县继续办理" in card
    status = _status_page(a, receipt)
    text = re.sub(r"<[^>]+>", " ", status)
    now_part = text.split("办理记录", 1)[0]
    assert "白水县已退回本县" in now_part and note in now_part and "本县继续办理" in now_part
    assert now_part.index("白水县已退回本县") < now_part.index("当前状态")
    assert "白水县已办结" not in text and "对方已办结" not in text and "已转送白水县" not in now_part
    # the desk may now send it where it belongs (or keep it): the transfer form is offered again
    assert 'action="/desk/cases/%d/transfer-county"' % case_id in card
    assert a.server_errors() == [] and b.server_errors() == []
