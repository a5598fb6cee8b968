"""The provincial platform (PROVINCIAL_OPEN311_URL + key): every new case and each status change is
reported there by the same Open311 client and outbox. The "province" here is a second real instance
(gunicorn on loopback, the demo county-b registry) that issued our key; off by default."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from formsvc.case import cases, complaints
from formsvc.duties import provincial, scheduler
from formsvc.notify import worker
from formsvc.notify.notifiers import Discard, Open311Sender
from formsvc.storage import store
from tests.conftest import ROOT, SAMPLE_DATA
from tests.county_instances import desk_app, make_instance

COUNTY_B = ROOT / "demo" / "county-b"


@pytest.fixture
def county_and_province(tmp_path):
    province = make_instance(tmp_path, "province", COUNTY_B)
    province.wagesafe("db", "migrate")
    province.start()
    key = province.wagesafe("api-key", "issue", "qinghe-county").stdout.strip()
    a = make_instance(tmp_path, "qinghe", SAMPLE_DATA, PROVINCIAL_OPEN311_URL=province.api,
                      PROVINCIAL_OPEN311_KEY=key, PROVINCIAL_JURISDICTION_ID="baishui")
    a.wagesafe("db", "migrate")
    yield a, province
    province.stop()


def _file(db, config, name="吴大力", mobile="13822223333"):
    from wagesafe.registry import load_registry

    data = complaints.ComplaintInput(submission_token=complaints.new_submission_token(), project_code="qh001",
                                     name=name, mobile=mobile, workers=2, amount_yuan=8000, months_owed=1,
                                     description="省平台不应看到这段话", consent=True)
    return complaints.submit(db, load_registry(config.data_dir), config, data, [], ip="127.0.0.5")


def test_new_cases_and_status_changes_reach_the_province_once(county_and_province):
    a, province = county_and_province
    _, db = desk_app(a)
    config = a.config()
    registry = __import__("wagesafe.registry", fromlist=["load_registry"]).load_registry(config.data_dir)
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config)}
    case = _file(db, config)
    t0 = store.utcnow()
    lines = scheduler.tick(db, registry, config, t0)
    assert any("province: case" in line and "post_request" in line for line in lines)
    assert provincial.report_changes(db, registry, config, t0) == []  # queued once
    worker.run_once(db, senders, t0)
    with sqlite3.connect(province.database) as c:
        rows = c.execute("SELECT id, source, source_ref, name, mobile, description, workers, amount_yuan"
                         " FROM complaints").fetchall()
    assert len(rows) == 1
    pid, source, ref, name, mobile, description, workers, amount = rows[0]
    assert (source, name, mobile, workers, amount) == ("partner", "", "", 2, 8000)
    assert ref == f"qinghe-county:qinghe-prov-{case.complaint_id}"
    assert "省平台不应看到" not in description  # the province gets the facts, not the worker's story
    assert db.conn.execute("SELECT remote_id FROM provincial_reports").fetchone()[0] == str(pid)

    cases.acknowledge(db, case.complaint_id, "hexi.officer@qinghe.example.gov.cn", t0 + timedelta(minutes=1))
    assert len(provincial.report_changes(db, registry, config, t0 + timedelta(minutes=2))) == 1
    assert worker.run_once(db, senders, t0 + timedelta(minutes=2)).sent == 1
    with sqlite3.connect(province.database) as c:
        updates = c.execute("SELECT detail FROM events WHERE complaint_id = ? AND kind = 'partner_update'",
                            (pid,)).fetchall()
        assert c.execute("SELECT count(*) FROM complaints").fetchone()[0] == 1
    assert len(updates) == 1 and "INVESTIGATING" in updates[0][0] and "工作人员已接手" in updates[0][0]
    assert provincial.report_changes(db, registry, config, t0 + timedelta(minutes=3)) == []


def test_off_by_default(tmp_path, data_dir):
    from tests.desk_fixtures import Desk

    desk = Desk(tmp_path, data_dir)
    _file(desk.db, desk.config)
    assert provincial.enabled(desk.config) is False
    assert provincial.report_changes(desk.db, desk.registry, desk.config, store.utcnow()) == []
    assert desk.db.conn.execute("SELECT count(*) FROM notices WHERE channel = 'open311'").fetchone()[0] == 0
    desk.db.close()
