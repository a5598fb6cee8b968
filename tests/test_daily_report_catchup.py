"""一日一报 catch-up: after an outage every missed day gets its own report, oldest first, with
that day's figures (a zero day its 零报告); a fresh install sends no backlog; nothing is sent
twice; a gap longer than the cap is named, not sent. ``now`` is always injected."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from click.testing import CliRunner

from formsvc.case import cases
from formsvc.duties import daily_report, scheduler
from formsvc.storage import store
from tests.desk_fixtures import HEXI, insert_case
from wagesafe.cli import main

SH = daily_report.SHANGHAI


def local(y: int, m: int, d: int, h: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware datetime (the code compares instants)."""
    return datetime(y, m, d, h, tzinfo=SH)


def tick(desk, now: datetime) -> list[str]:
    """The scheduler's daily-report lines (escalation runs in the same tick; not our concern)."""
    return [line for line in scheduler.tick(desk.db, desk.registry, desk.config, now)
            if line.startswith("daily report")]


def reports(desk) -> list[dict]:
    return desk.notices("daily_report")


def sent(*days: str) -> list[str]:
    return [f"daily report {d} sent" for d in days]


def test_worker_down_three_days_sends_three_reports_oldest_first_each_with_its_own_counts(desk):
    db = desk.db
    assert tick(desk, local(2026, 3, 2, 8)) == sent("2026-03-01")           # last report before the outage
    a = insert_case(db, township="hexi", created_at=local(2026, 3, 2, 10))
    b = insert_case(db, township="hexi", created_at=local(2026, 3, 2, 10), workers=3)
    cases.acknowledge(db, a, HEXI, local(2026, 3, 3, 9))
    insert_case(db, township="dongcheng", created_at=local(2026, 3, 3, 15))
    cases.acknowledge(db, b, HEXI, local(2026, 3, 4, 12))                      # b waited past 24 h on 3-03
    cases.resolve(db, a, HEXI, 3, 21000, local(2026, 3, 4, 16))
    cases.resolve(db, b, HEXI, 2, 500, local(2026, 3, 5, 8))                 # after 3-04 ended: not in it

    assert tick(desk, local(2026, 3, 5, 9)) == sent("2026-03-02", "2026-03-03", "2026-03-04")
    n2, n3, n4 = reports(desk)[1:]
    assert "2026-03-02" in n2["subject"] and "2026-03-03" in n3["subject"] and "2026-03-04" in n4["subject"]
    # 3-02: two new, nothing else (as that day saw it: both were still unacknowledged)
    assert "河西街道 | 2 | 0 | 0 | 0 | 0 | 0" in n2["body"] and "合计 | 2 | 0 | 0 | 0 | 0 | 0" in n2["body"]
    # 3-03: one acknowledged in hexi, b overdue that night (acknowledged since), one new in dongcheng
    assert "河西街道 | 0 | 1 | 1 | 0 | 0 | 0" in n3["body"] and "东城街道 | 1 | 0 | 0 | 0 | 0 | 0" in n3["body"]
    # 3-04: b acknowledged, a resolved with its figures; dongcheng's case is 24 h+ unacknowledged
    assert "河西街道 | 0 | 1 | 0 | 1 | 3 | 21000" in n4["body"] and "东城街道 | 0 | 0 | 1 | 0 | 0 | 0" in n4["body"]
    assert "合计 | 0 | 1 | 1 | 1 | 3 | 21000" in n4["body"]
    # a report sent days late says so (and how its figures were reached); the one due today does not
    assert "补报" in n2["body"] and "补报" in n3["body"] and "补报" not in n4["body"]
    assert "2026-03-05 09:00" in n2["body"]
    assert "未报" not in n2["body"] + n3["body"] + n4["body"]


def test_overdue_of_a_past_day_is_judged_on_the_assignment_of_that_night(desk):
    """Transferred days later, a case still counts as waiting on its first assignee that night."""
    db = desk.db
    cid = insert_case(db, township="hexi", created_at=local(2026, 3, 1, 10))
    cases.transfer(db, desk.registry, desk.config, cid, HEXI, "township", "dongcheng", "项目在东城",
                   local(2026, 3, 4, 10))
    report = daily_report.build(db, desk.registry, desk.config, date(2026, 3, 2))
    assert report.total.overdue == 1                 # 24 h after filing, unacknowledged
    assert report.rows["dongcheng"].overdue == 1     # counted where the case is now (the report says so)


def test_fresh_database_sends_only_yesterday(desk):
    insert_case(desk.db, township="hexi", created_at=local(2026, 2, 10, 10))   # old data, no reports yet
    assert daily_report.due_days(desk.db, local(2026, 3, 5, 7)) == []           # before 08:00: nothing
    assert tick(desk, local(2026, 3, 5, 7)) == []
    assert daily_report.due_days(desk.db, local(2026, 3, 5, 9)) == [date(2026, 3, 4)]
    assert tick(desk, local(2026, 3, 5, 9)) == sent("2026-03-04")
    assert len(reports(desk)) == 1 and "补报" not in reports(desk)[0]["body"]


def test_running_tick_twice_sends_nothing_new(desk):
    tick(desk, local(2026, 3, 1, 8))
    assert tick(desk, local(2026, 3, 4, 9)) == sent("2026-03-01", "2026-03-02", "2026-03-03")
    assert tick(desk, local(2026, 3, 4, 9)) == []
    assert tick(desk, local(2026, 3, 4, 23)) == []
    assert daily_report.due_days(desk.db, local(2026, 3, 4, 23)) == []
    assert len(reports(desk)) == 4
    assert desk.db.execute("SELECT count(*) FROM daily_reports").fetchone()[0] == 4


def test_zero_day_in_the_middle_gets_its_zero_report(desk):
    db = desk.db
    tick(desk, local(2026, 3, 2, 8))
    a = insert_case(db, township="hexi", created_at=local(2026, 3, 2, 10))
    cases.acknowledge(db, a, HEXI, local(2026, 3, 2, 11))
    cases.resolve(db, a, HEXI, 1, 800, local(2026, 3, 4, 10))
    assert tick(desk, local(2026, 3, 5, 9)) == sent("2026-03-02", "2026-03-03", "2026-03-04")
    n2, n3, n4 = reports(desk)[1:]
    assert "零报告" not in n2["subject"] and "零报告" not in n4["subject"]
    assert "零报告" in n3["subject"] and "零报告：" in n3["body"] and "合计 | 0 | 0 | 0 | 0 | 0 | 0" in n3["body"]
    assert "合计 | 0 | 0 | 0 | 1 | 1 | 800" in n4["body"]


def test_catch_up_is_capped_and_the_older_gap_is_named_once(desk):
    assert daily_report.MAX_CATCH_UP_DAYS == 14
    tick(desk, local(2026, 1, 2, 8))                                        # 2026-01-01 reported
    now = local(2026, 3, 5, 9)                                              # due up to 2026-03-04
    days = daily_report.due_days(desk.db, now)
    assert days == [date(2026, 2, 19) + timedelta(days=i) for i in range(14)]
    assert daily_report.due_days(desk.db, now, max_days=3) == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]

    lines = tick(desk, now)
    assert lines[:2] == sent("2026-02-19") + [
        "daily report 2026-01-02..2026-02-18 (48 days) not sent: beyond the 14-day catch-up;"
        " named in the 2026-02-19 report"]
    assert lines[2:] == sent(*[(date(2026, 2, 20) + timedelta(days=i)).isoformat() for i in range(13)])
    first, *rest = reports(desk)[1:]
    assert "未报：2026-01-02 至 2026-02-18 共 48 天" in first["body"] and "不是零报告" in first["body"]
    assert not any("未报" in n["body"] for n in rest)
    assert tick(desk, now) == [] and tick(desk, local(2026, 3, 6, 9)) == sent("2026-03-05")
    assert "未报" not in reports(desk)[-1]["body"]


def test_catch_up_before_eight_sends_the_days_already_late_and_fills_a_hole_sent_by_hand(desk):
    tick(desk, local(2026, 3, 2, 8))                                        # 2026-03-01
    # someone sent 3-04 by hand; 3-02 and 3-03 are still missing
    assert daily_report.send(desk.db, desk.registry, desk.config, date(2026, 3, 4), local(2026, 3, 5, 6))
    assert tick(desk, local(2026, 3, 5, 3)) == sent("2026-03-02", "2026-03-03")   # due since 3-03 / 3-04 08:00
    assert tick(desk, local(2026, 3, 5, 9)) == []


def test_report_command_without_day_catches_up(tmp_path, data_dir):
    env = {"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
           "WAGESAFE_DATABASE": str(tmp_path / "var" / "cli.db")}
    run = CliRunner().invoke
    r = run(main, ["report", "--now", "2026-03-02T08:30+08:00"], env=env)
    assert r.exit_code == 0 and r.output == "daily report 2026-03-01 sent\n", r.output
    r = run(main, ["report", "--now", "2026-03-05T08:30+08:00"], env=env)
    assert r.output.splitlines() == sent("2026-03-02", "2026-03-03", "2026-03-04"), r.output
    r = run(main, ["report", "--now", "2026-03-05T08:31+08:00"], env=env)
    assert r.exit_code == 0 and r.output.startswith("nothing to send")
    r = run(main, ["report", "--day", "2026-03-03", "--now", "2026-03-05T09:00+08:00"], env=env)
    assert "already sent" in r.output
    db = store.open_db(tmp_path / "var" / "cli.db")
    assert [r["day"] for r in db.query("SELECT day FROM daily_reports ORDER BY day")] == \
        ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    db.close()
