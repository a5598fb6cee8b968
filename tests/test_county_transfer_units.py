"""转送外县 without a second county: the rules of ``county_transfer.start``, retention of what it
stored, and the production check of the provincial settings."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from formsvc.case import cases, county_transfer
from formsvc.duties import retention
from formsvc.storage import store
from tests.desk_fixtures import T0, insert_case
from wagesafe.config_check import problems
from wagesafe.registry.partners import load_partners


def test_start_checks_and_writes_one_transaction(desk):
    partners = load_partners(desk.config.data_dir)
    cid = insert_case(desk.db, site_address="白水县石塘镇工业大道12号")
    with pytest.raises(cases.TransitionError):
        county_transfer.start(desk.db, partners, desk.config, cid, "desk", "atlantis", "原因", "", T0)
    with pytest.raises(cases.TransitionError):
        county_transfer.start(desk.db, partners, desk.config, cid, "desk", "baishui", "  ", "", T0)
    assert desk.case(cid)["status"] == "new" and desk.notices() == []
    county_transfer.start(desk.db, partners, desk.config, cid, "desk", "baishui", "工地在白水县，张三说的", "", T0)
    # Issue 24: still this county's case until the other county has it; the worker is told nothing yet.
    assert desk.case(cid)["status"] == "new"
    assert [n for n in desk.notices() if n["channel"] == "sms"] == []
    events = desk.db.conn.execute("SELECT kind, public FROM events WHERE complaint_id = ?", (cid,)).fetchall()
    assert events == [("county_transfer_requested", 0)]
    (job,) = [n for n in desk.notices() if n["channel"] == "open311"]
    body = json.loads(job["body"])
    assert body["target"] == "county:baishui" and body["op"] == "post_request"
    params = dict(map(tuple, body["params"]))
    assert params["address_string"] == "白水县石塘镇工业大道12号" and params["phone"] == "13912345678"
    assert params["attribute[consent]"] == "true" and "api_key" not in params  # the key is read at send time
    assert "media_url" not in dict(map(tuple, body["params"]))  # links are signed at sending, not stored
    with pytest.raises(cases.TransitionError, match="正在发送"):  # one transfer on its way at a time
        county_transfer.start(desk.db, partners, desk.config, cid, "desk", "baishui", "again", "", T0)
    # An anonymous tip goes anonymous; a worker who did not consent goes without name and mobile.
    tip = insert_case(desk.db, anonymous=1, name="", mobile="", consent=0, site_address="白水县北关街道")
    county_transfer.start(desk.db, partners, desk.config, tip, "desk", "baishui", "属白水县", "", T0)
    last = json.loads(desk.notices()[-1]["body"])
    names = [k for k, _ in last["params"]]
    assert "phone" not in names and "last_name" not in names and ["attribute[anonymous]", "true"] in last["params"]


def test_retention_blanks_the_reason_and_the_payload(tmp_path, data_dir):
    from tests.desk_fixtures import Desk

    desk = Desk(tmp_path, data_dir, personal_data_retention_days=30)
    cid = insert_case(desk.db, site_address="白水县石塘镇")
    county_transfer.start(desk.db, load_partners(data_dir), desk.config, cid, "desk", "baishui", "张三的工头在白水县", "", T0)
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE notices SET status = 'sent'")
        desk.db.conn.execute("UPDATE complaints SET resolved_at = ?, status = 'transferred_out' WHERE id = ?",
                             (store.iso(T0), cid))
    assert retention.redact_due(desk.db, desk.config, T0 + timedelta(days=31))
    assert desk.db.conn.execute("SELECT reason FROM county_transfers").fetchone()[0] == ""
    assert all(n["body"] == "" for n in desk.notices())
    assert "张三" not in "".join(r[0] for r in desk.db.conn.execute("SELECT detail FROM events"))
    desk.db.close()


def test_config_check_names_a_half_or_plain_http_provincial_setting(desk):
    import dataclasses

    base = desk.config
    assert not [p for p in problems(base) if "PROVINCIAL" in p]
    half = dataclasses.replace(base, provincial_open311_url="https://province.example.gov.cn/open311/v2")
    assert [p for p in problems(half) if p.startswith("PROVINCIAL_OPEN311_KEY")]
    plain = dataclasses.replace(half, provincial_open311_url="http://province.example.gov.cn/open311/v2",
                                provincial_open311_key="k")
    assert [p for p in problems(plain) if p.startswith("PROVINCIAL_OPEN311_URL")]


def test_an_upgrade_does_not_retell_old_transfers(desk):
    """Transfers made before the told-truly events (issue 24): a delivered or withdrawn one is not texted or
    alerted again after the upgrade; a dead one is told now, and its case, closed by the old code, is open here."""
    from wagesafe.registry import load_registry

    from formsvc.duties import remote_follow

    db = desk.db
    delivered, withdrawn, dead = (insert_case(db, status="transferred_out") for _ in range(3))
    with store.write_transaction(db):
        db.conn.execute("DELETE FROM schema_migrations WHERE name = '0016_i24_old_transfers_told'")
        for cid, remote_id, remote_status in ((delivered, "7", "open"), (withdrawn, None, "withdrawn"), (dead, None, "")):
            db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                            " VALUES (?, ?, 'desk', 'transferred_out', '转送 白水县', 1)", (cid, store.iso(T0)))
            cur = db.conn.execute("INSERT INTO county_transfers (complaint_id, county_code, county_name, idempotency_key,"
                                  " actor, created_at, remote_id, remote_status) VALUES (?, 'baishui', '白水县', ?,"
                                  " 'desk', ?, ?, ?)", (cid, f"old-{cid}", store.iso(T0), remote_id, remote_status))
            db.conn.execute("INSERT INTO notices (kind, channel, recipient, subject, body, complaint_id, status,"
                            " created_at, next_attempt_at, dedupe_key) VALUES ('county_transfer', 'open311',"
                            " 'county:baishui', '', '{}', ?, ?, ?, ?, ?)",
                            (cid, "sent" if remote_id else "dead", store.iso(T0), store.iso(T0),
                             f"county-transfer:{cur.lastrowid}"))
    store.migrate(db)
    lines = remote_follow.settle(db, load_registry(desk.config.data_dir), desk.config, T0 + timedelta(days=1))
    assert lines == [f"transfer 3 (case {dead}): dead, desk told"]
    kinds = [r[0] for r in db.conn.execute("SELECT kind FROM events WHERE kind LIKE 'county_transfer_%'")]
    assert kinds == ["county_transfer_dead"]
    assert desk.case(dead)["status"] == "new" and desk.case(delivered)["status"] == "transferred_out"


def test_a_case_left_closed_by_the_old_code_is_given_back_once(desk):
    """Before, a transfer the other county closed as 不属本县管辖 left the case closed here (resolved_at set,
    "白水县已办结" told): nobody handled it. After the upgrade, ``settle`` gives it back once: open again
    (acknowledged, as it was), its deadlines from now, the desk alerted; "not ours" counts as no outcome."""
    from wagesafe.registry import load_registry

    from formsvc.case import money
    from formsvc.duties import remote_follow

    db, now = desk.db, T0 + timedelta(days=50)
    cid = insert_case(db, status="transferred_out", acknowledged_at=store.iso(T0 + timedelta(hours=1)))
    other = insert_case(db, status="transferred_out")  # closed there with a real outcome: stays as it is
    with store.write_transaction(db):
        for case_id, kind in ((cid, "not_this_county"), (other, "paid_in_full")):
            outcome = json.dumps({"kind": kind, "recovered_yuan": 12000 if kind == "paid_in_full" else 0})
            cur = db.conn.execute(
                "INSERT INTO county_transfers (complaint_id, county_code, county_name, idempotency_key, actor,"
                " created_at, remote_id, remote_status, closed_at, remote_outcome, settled_kind) VALUES"
                " (?, 'baishui', '白水县', ?, 'desk', ?, '7', 'closed', ?, ?, 'delivered')",
                (case_id, f"old-{case_id}", store.iso(T0), store.iso(T0 + timedelta(days=20)), outcome))
            db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES"
                            " (?, ?, 'system', 'county_transfer_resolved', ?, 1)",
                            (case_id, store.iso(T0 + timedelta(days=20)),
                             county_transfer.event_detail("baishui", "白水县", kind=kind)))
            db.conn.execute("UPDATE complaints SET resolved_at = ? WHERE id = ?",
                            (store.iso(T0 + timedelta(days=20)), case_id))
    registry = load_registry(desk.config.data_dir)
    assert remote_follow.settle(db, registry, desk.config, now) == [
        f"transfer {cur.lastrowid - 1} (case {cid}): 白水县 gave it back, desk told"]
    assert remote_follow.settle(db, registry, desk.config, now + timedelta(minutes=1)) == []
    row = desk.case(cid)
    assert (row["status"], row["resolved_at"], row["deadlines_from"]) == ("acknowledged", None, store.iso(now))
    assert desk.case(other)["status"] == "transferred_out"
    m = money.of_case(db, {"id": cid})
    assert m.current is None and m.history == () and m.left == m.claimed
    assert {n["channel"] for n in desk.notices("county_transfer_alert")} == {"email", "sms"}
