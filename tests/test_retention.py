"""The retention period of workers' personal data (formsvc.duties.retention, PERSONAL_DATA_RETENTION_DAYS).

Real SQLite files and upload folders in tmp dirs; complaints go in through ``complaints.submit``
(with staged evidence, its notices in the outbox) and are worked through ``formsvc.case.cases``, so
what is redacted is what the service really stores.
"""

from __future__ import annotations

import dataclasses
import html
import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.datastructures import FileStorage

from formsvc.storage import audit, store
from formsvc.case import cases, complaints, evidence
from formsvc.duties import daily_report, retention, risk, scheduler
from formsvc.officers.auth import find_user
from formsvc.case.complaints import ComplaintInput
from formsvc.web.desk import stats
from formsvc.web.desk.csv_export import export
from formsvc.web.desk.queries import Filters, all_cases
from tests.desk_fixtures import COUNTY, HEXI, HOUSING, T0, Desk
from wagesafe.cli import main

DAYS = 30
from tests.images import JPEG  # noqa: E402  (a real photo: the service re-encodes it)
NAME, MOBILE, BOSS, STORY = "王小明", "13812345678", "李包工", "王小明在河西工地干了三个月，李包工一直不发工资。"
RESOLVED = T0 + timedelta(days=2)
DUE = RESOLVED + timedelta(days=DAYS)


@pytest.fixture
def desk(tmp_path, data_dir):
    d = Desk(tmp_path, data_dir, personal_data_retention_days=DAYS)
    d.config.upload_dir.mkdir(parents=True, exist_ok=True)
    yield d
    d.db.close()


def with_days(config, days: int):
    return dataclasses.replace(config, personal_data_retention_days=days)


def stage_jpeg(config, filename: str = "王小明的工资条.jpg") -> evidence.StagedFile:
    storage = FileStorage(io.BytesIO(JPEG), filename=filename)
    mime, problem = evidence.inspect(storage, 10 * 1024 * 1024)
    assert problem is None
    return evidence.stage(storage, mime, config.upload_dir)


def file_complaint(d: Desk, *, files: int = 1, config=None, **fields) -> complaints.SubmitResult:
    config = config or d.config
    base = dict(submission_token=os.urandom(12).hex(), project_code="qh012", name=NAME, mobile=MOBILE,
                owed_by_kind="team_leader", owed_by_name=BOSS, trade="木工", workers=3, amount_yuan=24000,
                months_owed=3, description=STORY, callback_time="evening", consent=True, site_address="")
    base.update(fields)
    staged = [stage_jpeg(config) for _ in range(files)]
    return complaints.submit(d.db, d.registry, config, ComplaintInput(**base), staged, ip="10.0.0.9", now=T0)


def work_to_resolved(d: Desk, case_id: int, at=RESOLVED, close: bool = False) -> None:
    """Acknowledge, transfer and take back, note, then resolve (or close), as officers do."""
    cases.acknowledge(d.db, case_id, HEXI, T0 + timedelta(hours=1))
    cases.add_note(d.db, case_id, 1, HEXI, f"给{NAME}打过电话，{MOBILE}", T0 + timedelta(hours=2))
    if close:
        cases.close_unfounded(d.db, case_id, HEXI, f"{NAME}撤回了投诉", at)
    else:
        cases.resolve(d.db, case_id, HEXI, 3, 24000, at, note=f"{BOSS}已把钱转给{NAME}")


def mark_notices_sent(d: Desk) -> None:
    with store.write_transaction(d.db):
        d.db.conn.execute("UPDATE notices SET status = 'sent', sent_at = ? WHERE status = 'pending'", (store.iso(T0),))


def closed_case(d: Desk, **fields) -> tuple[int, str]:
    r = file_complaint(d, **fields)
    work_to_resolved(d, r.complaint_id)
    mark_notices_sent(d)
    return r.complaint_id, r.receipt


def evidence_paths(d: Desk, case_id: int) -> list[Path]:
    return [Path(d.config.upload_dir) / r["stored_name"]
            for r in d.db.query("SELECT stored_name FROM evidence WHERE complaint_id = ?", [case_id])]


def everything_about(d: Desk, case_id: int) -> str:
    """Every text the database keeps about one case, in one string (to look for the worker in)."""
    parts = [repr(d.case(case_id))]
    for sql in ("SELECT * FROM events WHERE complaint_id = ?", "SELECT * FROM notes WHERE complaint_id = ?",
                "SELECT * FROM notices WHERE complaint_id = ?", "SELECT * FROM evidence WHERE complaint_id = ?",
                "SELECT * FROM routing_decisions WHERE complaint_id = ?", "SELECT * FROM case_events WHERE complaint_id = ?",
                "SELECT * FROM case_routing WHERE complaint_id = ?"):
        parts += [repr(r) for r in d.db.query(sql, [case_id])]
    return "\n".join(parts)


def audit_rows(d: Desk, case_id: int) -> list[dict]:
    return list(d.db.query("SELECT * FROM audit_log WHERE action = ? AND complaint_id = ?", [retention.ACTION, case_id]))


# --- what is removed, what stays, and when -------------------------------------------------------------------

def test_retention_boundary_a_minute_before_is_kept_at_n_days_it_is_redacted(desk):
    case_id, _ = closed_case(desk)
    paths = evidence_paths(desk, case_id)
    assert paths and all(p.is_file() for p in paths)

    assert retention.redact_due(desk.db, desk.config, DUE - timedelta(minutes=1)) == []
    kept = desk.case(case_id)
    assert (kept["name"], kept["mobile"], kept["redacted_at"]) == (NAME, MOBILE, None)
    assert all(p.is_file() for p in paths)

    lines = retention.redact_due(desk.db, desk.config, DUE)
    assert lines == [f"redact_personal_data case {case_id}: 1 evidence file(s), 2 notice(s)"]
    c = desk.case(case_id)
    assert c["redacted_at"] == store.iso(DUE)
    assert {f: c[f] for f in retention.PERSONAL_FIELDS} == dict.fromkeys(retention.PERSONAL_FIELDS, "")
    # What the statistics, risk classes and reports read is whole.
    assert (c["project_code"], c["workers"], c["amount_yuan"], c["months_owed"], c["status"], c["trade"],
            c["workers_paid"], c["amount_recovered_yuan"], c["created_at"], c["resolved_at"], c["route_rule"],
            c["assignee_code"]) == ("qh012", 3, 24000, 3, "resolved", "木工", 3, 24000, store.iso(T0),
                                    store.iso(RESOLVED), "project", kept["assignee_code"])
    assert not any(p.exists() for p in paths)
    text = everything_about(desk, case_id)
    for secret in (NAME, MOBILE, BOSS, "王小明的工资条", "已把钱转给"):
        assert secret not in text, f"{secret!r} survived the redaction"


def test_retention_keeps_the_facts_of_the_timeline_and_blanks_what_officers_typed(desk):
    case_id, _ = closed_case(desk)
    r = file_complaint(desk)  # transferred, taken by the department, closed as unfounded
    cases.transfer(desk.db, desk.registry, desk.config, r.complaint_id, HEXI, "department", "housing",
                   f"{NAME}说是住建的项目", T0 + timedelta(minutes=30))
    cases.acknowledge(desk.db, r.complaint_id, HOUSING, T0 + timedelta(hours=1))
    cases.close_unfounded(desk.db, r.complaint_id, HOUSING, f"{NAME}撤回了投诉", RESOLVED)
    mark_notices_sent(desk)

    assert len(retention.redact_due(desk.db, desk.config, DUE)) == 2
    events = {e["kind"]: e["detail"] for e in desk.db.query("SELECT kind, detail FROM case_events WHERE complaint_id = ?",
                                                             [case_id])}
    assert events["resolved"] == "工资已全部支付：3 人，追回 24,000 元" and events["resolve_note"] == ""
    assert {"submitted", "routed", "acknowledged", "note", "resolved"} <= set(events)
    assert [n["body"] for n in desk.db.query("SELECT body FROM notes WHERE complaint_id = ?", [case_id])] == [""]
    routing = list(desk.db.query("SELECT rule, target_kind, target_code, reason FROM case_routing"
                                 " WHERE complaint_id = ? ORDER BY decided_at, seq", [r.complaint_id]))
    assert [(x["rule"], x["target_kind"], x["target_code"]) for x in routing] == [
        ("project", "township", "hexi"), ("transfer", "department", "housing")]
    assert routing[1]["reason"].endswith("转交：") and NAME not in routing[1]["reason"]
    closed = {e["kind"]: e["detail"] for e in desk.db.query("SELECT kind, detail FROM case_events WHERE complaint_id = ?",
                                                             [r.complaint_id])}
    assert closed["close_reason"] == "" and closed["transferred"] != ""
    assert desk.case(r.complaint_id)["status"] == "closed_unfounded"


def test_retention_never_touches_open_cases(desk):
    open_ids = []
    for status in cases.OPEN_STATUSES:
        r = file_complaint(desk, files=1)
        open_ids.append(r.complaint_id)
        with store.write_transaction(desk.db):  # even with a resolved_at left on an open row
            desk.db.conn.execute("UPDATE complaints SET status = ?, resolved_at = ? WHERE id = ?",
                                 (status, store.iso(T0), r.complaint_id))
    mark_notices_sent(desk)
    long_after = T0 + timedelta(days=10 * DAYS)
    assert retention.redact_due(desk.db, desk.config, long_after) == []
    for cid in open_ids:
        c = desk.case(cid)
        assert (c["name"], c["mobile"], c["description"], c["redacted_at"]) == (NAME, MOBILE, STORY, None)
        assert all(p.is_file() for p in evidence_paths(desk, cid))


def test_retention_zero_days_touches_nothing(desk):
    case_id, _ = closed_case(desk)
    before = everything_about(desk, case_id)
    keep = with_days(desk.config, 0)
    assert retention.redact_due(desk.db, keep, T0 + timedelta(days=3650)) == []
    assert retention.describe_due(desk.db, keep, T0 + timedelta(days=3650)) == []
    assert scheduler.tick(desk.db, desk.registry, keep, T0 + timedelta(days=3650)) is not None
    assert everything_about(desk, case_id) == before
    assert all(p.is_file() for p in evidence_paths(desk, case_id))


def test_retention_second_run_does_nothing_and_writes_one_audit_row(desk):
    case_id, _ = closed_case(desk)
    assert len(retention.redact_due(desk.db, desk.config, DUE)) == 1
    after_first = everything_about(desk, case_id)
    assert retention.redact_due(desk.db, desk.config, DUE + timedelta(days=1)) == []
    assert everything_about(desk, case_id) == after_first
    rows = audit_rows(desk, case_id)
    assert len(rows) == 1
    assert rows[0]["user_id"] is None and rows[0]["at"] == store.iso(DUE)
    assert f"retention {DAYS} days" in rows[0]["detail"] and "1 evidence file(s) deleted" in rows[0]["detail"]


def test_retention_blanks_sent_notices_keeps_recipients_and_waits_for_ones_in_the_outbox(desk):
    r = file_complaint(desk)
    work_to_resolved(desk, r.complaint_id)
    notices = desk.notices("new_case")
    assert any(r.receipt in n["body"] for n in notices)  # (no name in it: officer notices carry none)
    recipients = [(n["channel"], n["recipient"]) for n in notices]

    # Still pending: blanking now would send an officer an empty notice, so the case waits.
    assert retention.redact_due(desk.db, desk.config, DUE) == []
    assert retention.describe_due(desk.db, desk.config, DUE) == [
        f"would wait: case {r.complaint_id} (closed {store.iso(RESOLVED)}) has 2 notice(s) still in the outbox"]
    assert desk.case(r.complaint_id)["name"] == NAME

    mark_notices_sent(desk)
    assert len(retention.redact_due(desk.db, desk.config, DUE)) == 1
    after = desk.notices("new_case")
    assert [(n["subject"], n["body"]) for n in after] == [("", "")] * len(after)
    assert [(n["channel"], n["recipient"]) for n in after] == recipients
    assert all(n["status"] == "sent" for n in after)


def test_retention_closed_unfounded_cases_count_from_their_closing(desk):
    r = file_complaint(desk)
    work_to_resolved(desk, r.complaint_id, close=True)
    mark_notices_sent(desk)
    assert retention.redact_due(desk.db, desk.config, DUE - timedelta(seconds=1)) == []
    assert len(retention.redact_due(desk.db, desk.config, DUE)) == 1
    assert desk.case(r.complaint_id)["redacted_at"] == store.iso(DUE)


def test_retention_runs_from_the_scheduler_tick(desk):
    case_id, _ = closed_case(desk)
    lines = scheduler.tick(desk.db, desk.registry, desk.config, DUE)
    assert f"redact_personal_data case {case_id}: 1 evidence file(s), 2 notice(s)" in lines
    assert desk.case(case_id)["redacted_at"] == store.iso(DUE)


def test_retention_works_a_backlog_in_batches(desk, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    ids = [closed_case(desk, files=0)[0] for _ in range(5)]
    lines = retention.redact_due(desk.db, desk.config, DUE)
    assert [int(re.search(r"case (\d+)", x)[1]) for x in lines] == ids
    assert all(desk.case(cid)["redacted_at"] for cid in ids)


# --- crash safety, files, recover ------------------------------------------------------------------------------

def test_retention_a_crash_before_the_files_are_gone_leaves_the_case_due_and_the_next_run_finishes(desk, monkeypatch):
    case_id, receipt = closed_case(desk)
    paths = evidence_paths(desk, case_id)

    def crash(*_a, **_k):
        raise SystemExit("killed between COMMIT and the deletions")

    monkeypatch.setattr(retention, "_delete_files", crash)
    with pytest.raises(SystemExit):
        retention.redact_due(desk.db, desk.config, DUE)
    half = desk.case(case_id)
    assert (half["name"], half["mobile"], half["redacted_at"]) == ("", "", None)  # rows blanked, not yet marked
    assert all(p.is_file() for p in paths) and audit_rows(desk, case_id) == []
    # Meanwhile the empty mobile must not make it an anonymous tip on the status page.
    assert complaints.find_for_status(desk.db, receipt, "") is None

    monkeypatch.undo()
    assert len(retention.redact_due(desk.db, desk.config, DUE + timedelta(minutes=1))) == 1
    assert not any(p.exists() for p in paths)
    assert desk.case(case_id)["redacted_at"] and len(audit_rows(desk, case_id)) == 1


def test_retention_recover_at_start_up_never_publishes_a_redacted_file_back(desk):
    case_id, _ = closed_case(desk)
    (path,) = evidence_paths(desk, case_id)
    # A part a crash left long ago (recover had not run since): the redaction removes it too.
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(JPEG)
    retention.redact_due(desk.db, desk.config, DUE)
    assert not path.exists() and not part.exists()
    # And a part of that name appearing afterwards (a restored upload folder) is an orphan now.
    part.write_bytes(JPEG)
    assert evidence.recover(desk.db, desk.config.upload_dir, now=10**12) == (0, 1)
    assert not path.exists() and not part.exists()


# --- the desk ------------------------------------------------------------------------------------------------

def test_retention_desk_case_page_says_so_in_both_languages_and_offers_no_download(desk):
    case_id, _ = closed_case(desk)
    (ev_id,) = [r["id"] for r in desk.db.query("SELECT id FROM evidence WHERE complaint_id = ?", [case_id])]
    officer = desk.client(HEXI)
    before = officer.get(f"/desk/cases/{case_id}").get_data(as_text=True)
    assert NAME in before and f"/desk/cases/{case_id}/evidence/{ev_id}" in before
    assert officer.get(f"/desk/cases/{case_id}/evidence/{ev_id}").status_code == 200

    retention.redact_due(desk.db, desk.config, DUE)
    for email in (HEXI, COUNTY):
        page = html.unescape(desk.client(email).get(f"/desk/cases/{case_id}").get_data(as_text=True))
        day = store.iso(DUE)[:10]
        assert f"个人信息已于 {day} 按保存期限删除" in page
        assert f"Personal data deleted on {day} under the retention period" in page
        assert "文件已按保存期限删除" in page and "File deleted under the retention period" in page
        assert f"/evidence/{ev_id}" not in page
        for secret in (NAME, MOBILE, BOSS, "王小明的工资条", STORY):
            assert secret not in page
        assert "image/jpeg" in page  # the evidence row still says that something was there
    assert officer.get(f"/desk/cases/{case_id}/evidence/{ev_id}").status_code == 404
    row = next(desk.db.query("SELECT * FROM evidence WHERE id = ?", [ev_id]))
    assert (row["original_name"], row["mime"], row["size"]) == ("", "image/jpeg", len(JPEG))
    assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"])
    audit_page = desk.client(COUNTY).get(f"/desk/audit?case={case_id}").get_data(as_text=True)
    assert audit.ACTION_ZH[retention.ACTION] in audit_page


def test_retention_download_404s_even_if_a_file_were_still_on_disk(desk):
    case_id, _ = closed_case(desk)
    (ev_id,) = [r["id"] for r in desk.db.query("SELECT id FROM evidence WHERE complaint_id = ?", [case_id])]
    (path,) = evidence_paths(desk, case_id)
    retention.redact_due(desk.db, desk.config, DUE)
    path.write_bytes(JPEG)  # e.g. an old backup restored over the upload folder
    assert desk.client(HEXI).get(f"/desk/cases/{case_id}/evidence/{ev_id}").status_code == 404


def test_retention_csv_export_leaves_the_personal_cells_empty(desk):
    named, _ = closed_case(desk)
    anon, _ = closed_case(desk, anonymous=True, name="", mobile="", consent=False)
    client = desk.client(COUNTY)
    before = client.get("/desk/export.csv").get_data(as_text=True)
    assert NAME in before and MOBILE in before and "匿名 anonymous" in before
    retention.redact_due(desk.db, desk.config, DUE)
    after = client.get("/desk/export.csv").get_data(as_text=True)
    for secret in (NAME, MOBILE, BOSS, STORY, "匿名 anonymous"):
        assert secret not in after
    rows = list(desk.db.query("SELECT * FROM complaints ORDER BY id"))
    lines = export(rows, find_user(desk.db, COUNTY), desk.registry).splitlines()
    assert len(lines) == 3 and all(line.endswith(",,,") for line in lines[1:])  # name, mobile, description
    assert {named, anon} == {r["id"] for r in rows}


# --- the worker's status page ---------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')


def check_status(client, receipt: str, mobile: str):
    token = _CSRF.search(client.get("/status").get_data(as_text=True)).group(1)
    return client.post("/status", data={"csrf_token": token, "receipt": receipt, "mobile": mobile})


def test_retention_status_page_no_longer_finds_a_redacted_case_by_receipt_or_mobile(desk):
    case_id, receipt = closed_case(desk)
    anon_id, anon_receipt = closed_case(desk, anonymous=True, name="", mobile="", consent=False)
    worker = desk.app.test_client()
    assert check_status(worker, receipt, MOBILE).status_code == 200
    assert check_status(worker, anon_receipt, "").status_code == 200

    retention.redact_due(desk.db, desk.config, DUE)
    assert {desk.case(case_id)["mobile"], desk.case(anon_id)["mobile"]} == {""}
    for typed_receipt, typed_mobile in ((receipt, ""), (receipt, MOBILE), (anon_receipt, "")):
        page = check_status(worker, typed_receipt, typed_mobile)
        assert page.status_code == 404, (typed_receipt, typed_mobile)
        text = page.get_data(as_text=True)
        assert "没有找到这件投诉" in text and "已解决" not in text
    assert complaints.find_for_status(desk.db, receipt, "") is None
    assert complaints.find_for_status(desk.db, anon_receipt, "") is None


# --- statistics and reports ------------------------------------------------------------------------------------

def test_retention_leaves_statistics_risk_classes_and_daily_reports_as_they_were(desk):
    case_id, _ = closed_case(desk)
    closed_case(desk)
    file_complaint(desk)  # an open one beside them
    mark_notices_sent(desk)
    county = find_user(desk.db, COUNTY)

    def figures():
        days = [daily_report.local_day(T0), daily_report.local_day(RESOLVED)]
        reports = [daily_report.render(daily_report.build(desk.db, desk.registry, desk.config, d), desk.registry)
                   for d in days]
        rows = all_cases(desk.db, county, Filters(), desk.config, DUE)
        return (reports, stats.dashboard(rows, desk.registry, desk.config, DUE),
                risk.from_db(desk.db, desk.registry, DUE))

    before = figures()
    assert "48000" in before[0][1][1]  # the day of resolution reports the amount recovered
    assert len(retention.redact_due(desk.db, desk.config, DUE)) == 2
    assert desk.case(case_id)["redacted_at"]
    assert figures() == before


# --- the command ------------------------------------------------------------------------------------------------

def test_retention_command_dry_run_changes_nothing_and_then_redacts(desk):
    case_id, _ = closed_case(desk)
    env = {"WAGESAFE_DATA_DIR": str(desk.config.data_dir), "WAGESAFE_VAR_DIR": str(desk.config.var_dir),
           "WAGESAFE_DATABASE": str(desk.config.database), "WAGESAFE_UPLOAD_DIR": str(desk.config.upload_dir),
           "PERSONAL_DATA_RETENTION_DAYS": str(DAYS)}
    run, before = CliRunner().invoke, everything_about(desk, case_id)

    r = run(main, ["redact", "--dry-run", "--now", store.iso(DUE)], env=env)
    assert r.exit_code == 0, r.output
    assert f"would redact_personal_data case {case_id} (closed {store.iso(RESOLVED)}): 1 evidence file(s)" in r.output
    assert "dry run: nothing changed" in r.output
    assert everything_about(desk, case_id) == before and all(p.is_file() for p in evidence_paths(desk, case_id))

    r = run(main, ["redact", "--now", store.iso(DUE - timedelta(minutes=1))], env=env)
    assert r.exit_code == 0 and "0 case(s) redacted" in r.output and everything_about(desk, case_id) == before

    r = run(main, ["redact", "--now", store.iso(DUE)], env=env)
    assert r.exit_code == 0, r.output
    assert f"redact_personal_data case {case_id}: 1 evidence file(s), 2 notice(s)" in r.output
    assert f"1 case(s) redacted (retention {DAYS} days)" in r.output
    assert desk.case(case_id)["name"] == "" and not any(p.exists() for p in evidence_paths(desk, case_id))

    r = run(main, ["redact", "--now", store.iso(DUE)], env=env)
    assert r.exit_code == 0 and "0 case(s) redacted" in r.output

    r = run(main, ["redact"], env={**env, "PERSONAL_DATA_RETENTION_DAYS": "0"})
    assert r.exit_code == 0 and "personal data is kept" in r.output
    r = run(main, ["redact", "--now", "later"], env=env)
    assert r.exit_code != 0 and "not an ISO time" in r.output


def test_retention_setting_defaults_to_keep_and_a_negative_one_is_refused_by_the_check():
    from wagesafe.config import Config
    from wagesafe.config_check import problems

    assert Config.from_env({}).personal_data_retention_days == 0
    assert Config.from_env({"PERSONAL_DATA_RETENTION_DAYS": "1095"}).personal_data_retention_days == 1095
    assert not any("PERSONAL_DATA_RETENTION_DAYS" in p for p in problems(Config.from_env({})))
    assert any(p.startswith("PERSONAL_DATA_RETENTION_DAYS is -1")
               for p in problems(Config.from_env({"PERSONAL_DATA_RETENTION_DAYS": "-1"})))


# --- the migration and the complaint's write path -------------------------------------------------------------

def test_retention_migration_upgrades_a_database_with_cases_and_they_can_be_redacted(tmp_path, data_dir):
    from tests.test_store import _apply_only

    older = [n for n, _ in store.MIGRATIONS if n != "0004_personal_data_retention"]
    db = store.connect(tmp_path / "var" / "test.db")
    _apply_only(db, older)
    with store.write_transaction(db):
        db.conn.execute(
            "INSERT INTO complaints (id, receipt, created_at, name, mobile, description, status, assignee_kind,"
            " assignee_code, responsible_kind, responsible_code, resolved_at, workers, amount_yuan, route_rule,"
            " route_target_kind, route_target_code, route_reason) VALUES (1, 'AAAA-BBBB', ?, ?, ?, ?, 'resolved',"
            " 'township', 'hexi', 'township', 'hexi', ?, 4, 9000, 'project', 'township', 'hexi', '项目所在镇街')",
            (store.iso(T0), NAME, MOBILE, STORY, store.iso(RESOLVED)))
        db.conn.execute("INSERT INTO complaints (id, receipt, created_at, name, mobile, assignee_kind, responsible_kind)"
                        " VALUES (2, 'CCCC-DDDD', ?, ?, ?, 'township', 'township')", (store.iso(T0), NAME, MOBILE))
    assert store.migrate(db) == ["0004_personal_data_retention"]
    rows = list(db.query("SELECT id, name, mobile, description, workers, redacted_at FROM complaints ORDER BY id"))
    assert rows == [dict(id=1, name=NAME, mobile=MOBILE, description=STORY, workers=4, redacted_at=None),
                    dict(id=2, name=NAME, mobile=MOBILE, description="", workers=1, redacted_at=None)]
    assert complaints.find_for_status(db, "AAAA-BBBB", MOBILE)["status"] == "resolved"
    d = Desk(tmp_path, data_dir, personal_data_retention_days=DAYS)  # opens the same, now current, file
    assert retention.redact_due(d.db, d.config, DUE) == ["redact_personal_data case 1: 0 evidence file(s), 0 notice(s)"]
    assert [(r["id"], r["name"]) for r in d.db.query("SELECT id, name FROM complaints ORDER BY id")] == [
        (1, ""), (2, NAME)]
    d.db.close()
    db.close()


def test_retention_due_query_uses_the_partial_index(desk):
    plan = " ".join(r[3] for r in desk.db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id, resolved_at FROM complaints WHERE resolved_at IS NOT NULL AND redacted_at IS NULL"
        " AND resolved_at <= ? AND status IN ('resolved', 'closed_unfounded') ORDER BY resolved_at, id", ["x"]))
    assert "complaints_retention_due" in plan


def _frames_for_one_complaint(d: Desk, name: str, index_sql: str | None) -> int:
    """WAL frames (pages) written by one submitted complaint on a fresh database whose
    ``complaints_retention_due`` index is replaced by ``index_sql`` (None: no such index)."""
    config = dataclasses.replace(d.config, database=d.config.var_dir / f"{name}.db")
    db = store.open_db(config.database)
    with store.write_transaction(db):
        db.conn.execute("DROP INDEX complaints_retention_due")
        if index_sql:
            db.conn.execute(index_sql)
    db.conn.execute("VACUUM")  # the same compact layout for all three: no free page to reuse
    for _ in range(3):  # warm: the tables' first pages exist, as on a live server
        _submit(d, db, config)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _submit(d, db, config)
    frames = db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    db.close()
    return frames


def _submit(d: Desk, db, config) -> None:
    data = ComplaintInput(submission_token=os.urandom(12).hex(), project_code="qh012", name=NAME, mobile=MOBILE,
                          workers=3, amount_yuan=24000, description=STORY, consent=True)
    complaints.submit(db, d.registry, config, data, [], ip="10.0.0.9", now=T0)


def test_retention_index_costs_a_new_complaint_no_page(desk):
    partial = dict(store.MIGRATIONS)["0004_personal_data_retention"].split("CREATE INDEX", 1)[1]
    with_partial = _frames_for_one_complaint(desk, "partial", "CREATE INDEX" + partial)
    without = _frames_for_one_complaint(desk, "none", None)
    plain = _frames_for_one_complaint(desk, "plain", "CREATE INDEX complaints_retention_due ON complaints(resolved_at)")
    assert with_partial == without
    assert plain > without  # the measurement sees an index page when there is one


def test_retention_two_runs_at_once_write_one_audit_row(desk, monkeypatch):
    """The worker's tick and an operator's `wagesafe redact` may overlap: the second to finish a
    case finds it already marked and neither marks nor audits it again."""
    case_id, _ = closed_case(desk)
    real_delete = retention._delete_files
    other_run: list[list[str]] = []

    def delete_then_let_the_other_run_finish(upload_dir, names):
        real_delete(upload_dir, names)
        if not other_run:
            other_run.append([])
            other_run[0] += retention.redact_due(store.connect(desk.config.database), desk.config, DUE)

    monkeypatch.setattr(retention, "_delete_files", delete_then_let_the_other_run_finish)
    first = retention.redact_due(desk.db, desk.config, DUE)
    assert len(other_run[0]) == 1 and first == []
    assert len(audit_rows(desk, case_id)) == 1
