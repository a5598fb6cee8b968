"""A case reopened on the worker's "not paid" counts its deadlines from the reopen, on every surface.

Filed on T0, reminded on day 30, escalated on day 60, resolved, then reopened by the worker's answer:
the reminder and the escalation come again 30 and 60 days after the reopen (the first round's notices
do not block them, and each goes once), saying 自重新办理之日起; the desk's overdue filter, the daily
report and the worker's deadline line all count from the reopen. Real app, real SQLite file.
"""

from __future__ import annotations

from datetime import timedelta

from formsvc.case import answers, cases, receipts
from formsvc.duties import daily_report, escalation
from formsvc.storage import store
from formsvc.web.desk import queries
from tests.desk_fixtures import HEXI, T0, insert_case
from tests.test_store import _apply_only
from tests.test_worker_half import status_page

S = timedelta(seconds=1)
MOBILE = "13912345678"  # insert_case's worker
RESOLVED = T0 + timedelta(days=61)
REOPENED = T0 + timedelta(days=62)


def _overdue_ids(db, at):
    cut = [store.iso(at - timedelta(hours=24)), store.iso(at - timedelta(days=30))]
    return [r[0] for r in db.execute(f"SELECT c.id FROM complaints c WHERE {queries.overdue_sql('c')}", cut)]


def _first_round_then_reopen(desk) -> int:
    """Filed T0, acknowledged, reminded (day 30) and escalated (day 60) on the first clock, resolved on
    day 61, reopened by the worker's "not paid" on day 62."""
    db = desk.db
    cid = insert_case(db, township="hexi", mobile=MOBILE, receipt=receipts.new_receipt())
    cases.acknowledge(db, cid, HEXI, T0 + timedelta(hours=2))
    assert escalation.run(db, desk.registry, desk.config, T0 + timedelta(days=30)) == [f"remind case {cid}"]
    assert escalation.run(db, desk.registry, desk.config, T0 + timedelta(days=60)) == [f"escalate_resolve case {cid}"]
    cases.resolve(db, cid, HEXI, 1, 8000, RESOLVED)
    a = answers.record_answer(db, desk.registry, desk.config, cid, "no", "not_satisfied", "", REOPENED)
    assert a["reopened"]
    return cid


def test_a_reopened_case_runs_a_second_round_from_the_reopen(desk):
    db = desk.db
    cid = _first_round_then_reopen(desk)
    case = cases.get_case(db, cid)
    assert case["deadlines_from"] == store.iso(REOPENED) and case["status"] == "in_progress"
    # not overdue the minute it reopens: not in the list's judgement, not in the desk's SQL filter
    assert not escalation.is_overdue(case, 24, 30, REOPENED + timedelta(minutes=1))
    assert _overdue_ids(db, REOPENED + timedelta(days=1)) == []
    assert escalation.run(db, desk.registry, desk.config, REOPENED + timedelta(days=30) - S) == []
    # the second round's reminder: its own key, so the first round's does not block it ...
    assert escalation.run(db, desk.registry, desk.config, REOPENED + timedelta(days=30)) == [f"remind case {cid}"]
    assert escalation.is_overdue(cases.get_case(db, cid), 24, 30, REOPENED + timedelta(days=30))
    assert _overdue_ids(db, REOPENED + timedelta(days=30)) == [cid]
    # ... and it goes once in its round
    assert escalation.run(db, desk.registry, desk.config, REOPENED + timedelta(days=30, hours=1)) == []
    assert escalation.run(db, desk.registry, desk.config, REOPENED + timedelta(days=60) - S) == []
    assert escalation.run(db, desk.registry, desk.config, REOPENED + timedelta(days=60)) == [
        f"escalate_resolve case {cid}"]
    assert escalation.run(db, desk.registry, desk.config, REOPENED + timedelta(days=90)) == []

    first, second = desk.notices("reminder")
    assert "自重新办理之日起" not in first["subject"] + first["body"]
    assert "自重新办理之日起已超过 30 天" in second["body"] and "自重新办理之日起" in second["subject"]
    assert "自外县退回" not in second["body"]
    mails = [n for n in desk.notices("escalation") if n["channel"] == "email"]
    texts = [n for n in desk.notices("escalation") if n["channel"] == "sms"]
    assert len(mails) == 2 and len(texts) == 2
    assert "自重新办理之日起超过 60 天" in mails[1]["body"] and "自重新办理之日起" in texts[1]["body"]
    assert "自重新办理之日起" not in mails[0]["body"]
    keys = {r["dedupe_key"] for r in db.query("SELECT dedupe_key FROM notices WHERE kind IN ('reminder', 'escalation')")}
    clock = store.iso(REOPENED)
    assert {f"remind:{cid}", f"remind:{cid}:{clock}", f"escalate-resolve:{cid}",
            f"escalate-resolve:{cid}:{clock}"} <= keys


def test_the_worker_reads_the_same_deadline_and_why(desk):
    cid = _first_round_then_reopen(desk)
    receipt = cases.get_case(desk.db, cid)["receipt"]
    c = desk.app.test_client()
    zh = status_page(c, receipt, MOBILE)
    # 30 days after the reopen (2026-05-03 10:00 Shanghai + 30 days), the clock the officer is reminded on
    assert "期限：2026-06-02 10:00" in zh and "自重新办理之日起 30 天" in zh, zh
    c.set_cookie("lang", "en")
    en = status_page(c, receipt, MOBILE)
    assert "30 days from the day your case was reopened" in en and "自重新办理" not in en


def test_the_daily_report_counts_a_reopened_case_from_the_reopen(desk):
    """The night before the reopen the case was closed; after it, it is not overdue until 30 days later."""
    db = desk.db
    cid = _first_round_then_reopen(desk)
    zone = desk.config.timezone
    day = daily_report.local_day(REOPENED, zone)

    def overdue(d):
        return daily_report.build(db, desk.registry, desk.config, d).rows["hexi"].overdue

    assert overdue(day - timedelta(days=1)) == 0          # resolved that night (built after the reopen)
    assert overdue(day) == 0                              # reopened that day: its clock starts then
    assert overdue(day + timedelta(days=28)) == 0
    assert overdue(day + timedelta(days=31)) == 1         # 30 days after the reopen, still unresolved
    assert overdue(daily_report.local_day(RESOLVED - timedelta(days=2), zone)) == 1  # the first round, as it was


def test_a_case_reopened_before_the_upgrade_gets_its_clock(tmp_path):
    """Migration 0018: an open case reopened before the reopen set ``deadlines_from`` counts from its
    reopen; a case given back by another county after its reopen keeps that later clock; a closed one
    is left alone."""
    db = store.connect(tmp_path / "old.db")
    names = [name for name, _ in store.MIGRATIONS]
    _apply_only(db, names[:names.index("0018_i24_reopen_deadlines")])
    r, g = store.iso(REOPENED), store.iso(REOPENED + timedelta(days=3))
    rows = [(1, "in_progress", r, None), (2, "acknowledged", r, g), (3, "resolved", r, None), (4, "in_progress", None, None)]
    with store.write_transaction(db):
        for cid, status, reopened_at, deadlines_from in rows:
            db.conn.execute("INSERT INTO complaints (id, receipt, created_at, status, reopened_at, deadlines_from,"
                            " assignee_kind, assignee_code, responsible_kind, responsible_code) VALUES"
                            " (?, ?, ?, ?, ?, ?, 'township', 'hexi', 'township', 'hexi')",
                            (cid, f"R{cid}", store.iso(T0), status, reopened_at, deadlines_from))
    assert "0018_i24_reopen_deadlines" in store.migrate(db)
    got = {row["id"]: row["deadlines_from"] for row in db.query("SELECT id, deadlines_from FROM complaints")}
    assert got == {1: r, 2: g, 3: None, 4: None}


def test_the_officers_read_the_same_deadline_and_why(desk):
    """The reopen email, the desk's case page and the daily report say from when the days count."""
    cid = _first_round_then_reopen(desk)
    due = "2026-06-02 10:00 北京时间"  # 30 days after the reopen, in the county's zone
    mails = desk.notices("reopened")
    assert mails and all(f"办结期限自重新办理之日起重新计算：{due}前（30 天）" in m["body"] for m in mails)
    page = desk.client(HEXI).get(f"/desk/cases/{cid}").data.decode()
    assert f"<th>办结期限</th><td>{due}（自重新办理之日起 30 天）</td>" in page, page
    other = insert_case(desk.db, township="hexi")
    page = desk.client(HEXI).get(f"/desk/cases/{other}").data.decode()
    assert "<th>办结期限</th><td>2026-04-01 10:00 北京时间（自提交之日起 30 天）</td>" in page
    report = daily_report.build(desk.db, desk.registry, desk.config, daily_report.local_day(REOPENED))
    _, body = daily_report.render(report, desk.registry)
    assert "重新办理或外县退回的案件，时限自重新办理之日或退回之日起算" in body


def test_a_case_given_back_tells_the_worker_from_when_its_deadline_counts(desk):
    """Given back by another county, not yet taken on again: 期限 24 hours from the return, said so."""
    back = T0 + timedelta(days=40)
    cid = insert_case(desk.db, township="hexi", mobile=MOBILE, receipt=receipts.new_receipt(), deadlines_from=store.iso(back))
    zh = status_page(desk.app.test_client(), cases.get_case(desk.db, cid)["receipt"], MOBILE)
    assert "期限：2026-04-12 10:00 北京时间（自外县退回本县之日起计算）" in zh, zh
